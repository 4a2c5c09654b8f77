#include "families.hpp"

#include <chrono>
#include <utility>

namespace casework::detail {

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

void add_gauge(prometheus::MetricFamily& f, labels l, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(l);
  m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

void add_counter(prometheus::MetricFamily& f, labels l, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(l);
  m.counter.value = value;
  f.metric.push_back(std::move(m));
}

void add_histogram(prometheus::MetricFamily& f, labels l, const histogram& h) {
  prometheus::ClientMetric m;
  m.label = std::move(l);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.bounds.size(); ++i) {
    if (i < h.counts.size()) cumulative += h.counts[i];
    m.histogram.bucket.push_back({cumulative, h.bounds[i]});
  }
  m.histogram.sample_count = h.count;
  m.histogram.sample_sum = h.sum;
  f.metric.push_back(std::move(m));
}

double unix_seconds(instant t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace casework::detail
