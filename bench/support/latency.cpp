#include "latency.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace casework::bench {

void latency_sample::add(std::chrono::nanoseconds d) {
  ns_.push_back(d.count());
  sorted_ = false;
}

void latency_sample::merge(const latency_sample& other) {
  ns_.insert(ns_.end(), other.ns_.begin(), other.ns_.end());
  sorted_ = false;
}

void latency_sample::sort() const {
  if (sorted_) return;
  std::sort(ns_.begin(), ns_.end());
  sorted_ = true;
}

double latency_sample::percentile_ms(double p) const {
  if (ns_.empty()) return 0;
  sort();
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(ns_.size())));
  rank = std::clamp<std::size_t>(rank, 1, ns_.size());
  return static_cast<double>(ns_[rank - 1]) / 1e6;
}

double latency_sample::max_ms() const { return ns_.empty() ? 0 : percentile_ms(100); }

double latency_sample::mean_ms() const {
  if (ns_.empty()) return 0;
  long double sum = std::accumulate(ns_.begin(), ns_.end(), static_cast<long double>(0));
  return static_cast<double>(sum / static_cast<long double>(ns_.size()) / 1e6L);
}

boost::json::object latency_sample::summary() const {
  return {{"count", count()},          {"mean_ms", mean_ms()},           {"p50_ms", percentile_ms(50)},
          {"p99_ms", percentile_ms(99)}, {"p999_ms", percentile_ms(99.9)}, {"max_ms", max_ms()}};
}

}  // namespace casework::bench
