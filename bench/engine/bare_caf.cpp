// Includes CAF directly: the bare actor baselines are what the engine is compared with (bare_caf.hpp).
#include "bare_caf.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <functional>

#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "process.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::function<void(caf::event_based_actor*)>)

namespace casework::bench {

namespace {

caf::actor_system_config config(std::size_t workers) {
  caf::actor_system_config cfg;
  if (workers > 0) cfg.set("scheduler.max-threads", workers);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  return cfg;
}

// A case-sized answer: the engine answers with a case_view; here a string of similar size.
caf::behavior echo_case(caf::event_based_actor*) {
  return {[](std::int64_t n) { return std::string(256, static_cast<char>('a' + n % 26)); }};
}

// Asks the way casework::engine does: a long-lived gateway actor (one of a few, taken in turn) sends the
// request and fulfils a std::future with the answer.
using request_fn = std::function<void(caf::event_based_actor*)>;

caf::behavior gateway(caf::event_based_actor* self) {
  return {[=](const request_fn& f) { f(self); }};
}

std::future<std::string> ask(const caf::actor& via, const caf::actor& dest, std::int64_t n) {
  auto p = std::make_shared<std::promise<std::string>>();
  auto f = p->get_future();
  caf::anon_send(via, request_fn{[=](caf::event_based_actor* self) {
    self->request(dest, caf::infinite, n)
        .then([=](std::string& r) { p->set_value(std::move(r)); },
              [=](caf::error& e) { p->set_value("error: " + self->system().render(e)); });
  }});
  return f;
}

}  // namespace

client_run bare_request_response(std::size_t workers, std::size_t clients, std::size_t cases, std::size_t per_case) {
  auto cfg = config(workers);
  caf::actor_system sys{cfg};
  std::vector<caf::actor> gateways;
  for (std::size_t g = 0; g < std::max<std::size_t>(2, workers); ++g) gateways.push_back(sys.spawn(gateway));
  std::atomic<std::size_t> turn{0};
  auto run = run_clients(clients, cases, [&](std::size_t i, latency_sample& lat, std::size_t& commands) -> std::string {
    caf::actor a;
    std::string err;
    for (std::size_t k = 0; k < per_case; ++k) {
      stopwatch w;
      if (k == 0) a = sys.spawn(echo_case);   // the engine spawns the case actor with the create command
      auto answer = ask(gateways[turn.fetch_add(1) % gateways.size()], a, static_cast<std::int64_t>(i + k)).get();
      lat.add(w.elapsed());
      if (answer.rfind("error", 0) == 0) {
        if (err.empty()) err = answer;
      } else {
        ++commands;
      }
    }
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    return err;
  });
  for (const auto& g : gateways) caf::anon_send_exit(g, caf::exit_reason::user_shutdown);
  return run;
}

latency_sample bare_timer_lateness(std::size_t workers, double rate, double seconds, int delay_ms) {
  auto cfg = config(workers);
  caf::actor_system sys{cfg};
  auto out = std::make_shared<latency_sample>();
  auto count = std::make_shared<std::atomic<std::size_t>>(0);
  using clock = std::chrono::steady_clock;
  auto receiver = sys.spawn([=](caf::event_based_actor*) -> caf::behavior {
    return {[=](std::int64_t due_ns) {
      auto now = clock::now().time_since_epoch().count();
      out->add(std::chrono::nanoseconds(std::max<std::int64_t>(0, now - due_ns)));
      ++*count;
    }};
  });
  auto total = static_cast<std::size_t>(rate * seconds);
  auto period = std::chrono::duration<double>(1.0 / rate);
  auto start = clock::now();
  for (std::size_t i = 0; i < total; ++i) {
    auto intended = start + std::chrono::duration_cast<clock::duration>(period * static_cast<double>(i));
    std::this_thread::sleep_until(intended);
    auto due = clock::now() + std::chrono::milliseconds(delay_ms);
    caf::delayed_anon_send(receiver, std::chrono::milliseconds(delay_ms),
                           static_cast<std::int64_t>(due.time_since_epoch().count()));
  }
  while (*count < total) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  caf::anon_send_exit(receiver, caf::exit_reason::user_shutdown);
  return *out;
}

double bare_actor_bytes(std::size_t workers, std::size_t n) {
  auto cfg = config(workers);
  caf::actor_system sys{cfg};
  std::vector<caf::actor> actors;
  actors.reserve(n);
  auto before = resident_bytes_trimmed();
  for (std::size_t i = 0; i < n; ++i) actors.push_back(sys.spawn(echo_case));
  auto after = resident_bytes_trimmed();
  double per = n ? static_cast<double>(after > before ? after - before : 0) / static_cast<double>(n) : 0;
  for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  return per;
}

}  // namespace casework::bench
