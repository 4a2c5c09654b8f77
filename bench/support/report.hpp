// bench support: the figures of one run, printed as "figure | baseline | ratio" and written as JSON.
//
// Every whole-engine benchmark measures its baseline in the same run (the machines are shared and noisy):
// ratios, not absolute times, are what runs on different days and commits are compared by.
//
//   bench_report rep("casework-bench", commit);
//   auto& r = rep.add("lifecycle.durable", "records/s", engine_rate, "raw RocksDB synced batches", raw_rate);
//   r.target = ">= 0.5 of baseline";  r.detail["p99_ms"] = 4.2;
//   rep.print(std::cout);  rep.write_json("out.json");
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <deque>
#include <vector>

#include <boost/json.hpp>

namespace casework::bench {

struct result {
  std::string name;              // "lifecycle.durable"
  std::string unit;              // "records/s", "ms", "bytes"
  double figure = 0;             // casework's figure
  std::string baseline_name;     // what it is compared with ("raw RocksDB synced batches"); empty: none
  std::optional<double> baseline;   // the baseline's figure in the same unit, measured in the same run
  std::string target;            // the target, as text ("ratio >= 0.5", "< 10 s")
  std::optional<bool> met;       // whether the target is met (computed by the scenario)
  boost::json::object detail;    // anything else worth keeping (percentiles, counts, sizes)

  // figure / baseline, when there is a baseline.
  std::optional<double> ratio() const;
};

class bench_report {
 public:
  bench_report(std::string program, std::string commit);
  result& add(std::string name, std::string unit, double figure, std::string baseline_name = {},
              std::optional<double> baseline = std::nullopt);
  // Prints each result on one line: name, figure, baseline, ratio, target and whether it is met.
  void print(std::ostream& out) const;
  void print_one(std::ostream& out, const result& r) const;
  boost::json::object to_json() const;
  // Writes to_json() to `path`; returns false (and says why on stderr) when the file cannot be written.
  bool write_json(const std::string& path) const;
  const std::deque<result>& results() const { return results_; }

 private:
  std::string program_, commit_, started_;
  std::deque<result> results_;   // a deque: add() returns references that stay valid
};

}  // namespace casework::bench
