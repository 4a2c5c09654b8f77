#include "report.hpp"

#include "process.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

namespace casework::bench {

std::optional<double> result::ratio() const {
  if (!baseline || *baseline == 0) return std::nullopt;
  return figure / *baseline;
}

namespace {

std::string utc_now() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());   // a report's date
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::ostringstream s;
  s << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return s.str();
}

std::string number(double v) {
  std::ostringstream s;
  if (v != 0 && (v >= 1e7 || v < 0.01)) s << std::setprecision(3) << v;
  else s << std::fixed << std::setprecision(v >= 100 ? 0 : 2) << v;
  return s.str();
}

double load_average() {
  std::ifstream in("/proc/loadavg");
  double l = 0;
  in >> l;
  return l;
}

}  // namespace

bench_report::bench_report(std::string program, std::string commit)
    : program_(std::move(program)), commit_(commit.empty() ? "unknown" : std::move(commit)), started_(utc_now()) {}

result& bench_report::add(std::string name, std::string unit, double figure, std::string baseline_name,
                          std::optional<double> baseline) {
  result r;
  r.name = std::move(name);
  r.unit = std::move(unit);
  r.figure = figure;
  r.baseline_name = std::move(baseline_name);
  r.baseline = baseline;
  results_.push_back(std::move(r));
  return results_.back();
}

void bench_report::print_one(std::ostream& out, const result& r) const {
  out << std::left << std::setw(34) << r.name << std::right << std::setw(12) << number(r.figure) << " " << r.unit;
  if (r.baseline) {
    out << "  | baseline " << number(*r.baseline) << " " << r.unit << " (" << r.baseline_name << ")";
    if (auto q = r.ratio()) out << "  | ratio " << number(*q);
  }
  if (!r.target.empty()) out << "  | target " << r.target << (r.met ? (*r.met ? ": met" : ": MISSED") : "");
  out << "\n";
}

void bench_report::print(std::ostream& out) const {
  for (const auto& r : results_) print_one(out, r);
}

boost::json::object bench_report::to_json() const {
  boost::json::array rs;
  for (const auto& r : results_) {
    boost::json::object o{{"name", r.name}, {"unit", r.unit}, {"figure", r.figure}};
    if (r.baseline) {
      o["baseline_name"] = r.baseline_name;
      o["baseline"] = *r.baseline;
    }
    if (auto q = r.ratio()) o["ratio"] = *q;
    if (!r.target.empty()) o["target"] = r.target;
    if (r.met) o["met"] = *r.met;
    if (!r.detail.empty()) o["detail"] = r.detail;
    rs.push_back(std::move(o));
  }
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return boost::json::object{{"program", program_},
                             {"commit", commit_},
                             {"started", started_},
                             {"host", host},
                             {"cores", std::thread::hardware_concurrency()},
                             {"load_average_at_end", load_average()},
                             {"allocator", allocator_name()},
                             {"results", std::move(rs)}};
}

bool bench_report::write_json(const std::string& path) const {
  std::ofstream out(path);
  if (!out) {
    std::cerr << program_ << ": cannot write " << path << "\n";
    return false;
  }
  out << boost::json::serialize(to_json()) << "\n";
  return static_cast<bool>(out);
}

}  // namespace casework::bench
