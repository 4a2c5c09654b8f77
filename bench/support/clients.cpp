#include "clients.hpp"

#include <mutex>

#include "process.hpp"

namespace casework::bench {

client_run run_clients(std::size_t clients, std::size_t cases, const case_script& script,
                       const std::function<void(std::size_t)>& progress) {
  client_run out;
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex mu;
  stopwatch watch;
  const double cpu0 = process_cpu_seconds();
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      latency_sample lat;
      std::size_t commands = 0, failures = 0;
      std::string first;
      for (std::size_t i; (i = next.fetch_add(1)) < cases;) {
        auto err = script(i, lat, commands);
        if (!err.empty()) {
          ++failures;
          if (first.empty()) first = err;
        }
        auto d = done.fetch_add(1) + 1;
        if (progress && d % 1000 == 0) progress(d);
      }
      std::lock_guard<std::mutex> lock(mu);
      out.latency.merge(lat);
      out.commands += commands;
      out.failures += failures;
      if (out.first_failure.empty()) out.first_failure = first;
    });
  }
  for (auto& t : threads) t.join();
  out.seconds = watch.seconds();
  out.cpu_seconds = process_cpu_seconds() - cpu0;
  return out;
}

}  // namespace casework::bench
