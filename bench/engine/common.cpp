#include <iostream>
#include <sstream>
#include <stdexcept>

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
