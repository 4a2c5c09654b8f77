#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "scenarios.hpp"

namespace casework::bench {

instant bench_start(const bundle& rules) {
  return rules.calendar.at(*parse_day("2026-03-02"), *parse_time_of_day("09:00"));
}

instant due_backlog_start(std::size_t n) {
  return real_clock().now() - std::chrono::minutes(11) - std::chrono::milliseconds(n);
}

void wait_recovered(engine& eng) {
  case_query q;
  q.limit = 1;
  auto r = eng.list_cases(q).get();
  if (!r) throw std::runtime_error("list_cases: " + r.error().to_string());
}

double wait_figures(const engine& eng, std::size_t open, double limit_s) {
  auto start = std::chrono::steady_clock::now();
  auto waited = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  while (waited() < limit_s) {
    std::int64_t n = 0;
    for (const auto& a : eng.agencies())
      if (auto f = eng.figures(a))
        for (const auto& kv : f->open_by_state) n += kv.second;
    if (n >= static_cast<std::int64_t>(open)) return waited();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

void note(const run_options& o, const std::string& line) {
  if (o.verbose) std::cerr << line << std::endl;
}

std::string mb(double bytes) {
  std::ostringstream s;
  s.precision(1);
  s << std::fixed << bytes / (1024.0 * 1024.0) << " MiB";
  return s.str();
}

}  // namespace casework::bench
