// bench support: a latency sample (every observation kept; runs are small enough) and its percentiles.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <vector>

#include <boost/json.hpp>

namespace casework::bench {

class latency_sample {
 public:
  void add(std::chrono::nanoseconds d);
  // Merges another sample (threads keep their own and merge at the end).
  void merge(const latency_sample& other);
  std::size_t count() const { return ns_.size(); }
  // The p-th percentile (0..100) in milliseconds, nearest rank; 0 for an empty sample.
  double percentile_ms(double p) const;
  double max_ms() const;
  double mean_ms() const;
  // {"count", "mean_ms", "p50_ms", "p99_ms", "p999_ms", "max_ms"}
  boost::json::object summary() const;

 private:
  void sort() const;
  mutable std::vector<std::int64_t> ns_;
  mutable bool sorted_ = true;
};

// Wall time since construction.
class stopwatch {
 public:
  stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
  std::chrono::nanoseconds elapsed() const { return std::chrono::steady_clock::now() - start_; }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace casework::bench
