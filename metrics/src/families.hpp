// Builders of prometheus-cpp metric families, shared by the figures and health collectors (private).
#pragma once

#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "casework/figures.hpp"
#include "casework/time.hpp"

namespace casework::detail {

using labels = std::vector<prometheus::ClientMetric::Label>;

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type);
void add_gauge(prometheus::MetricFamily& f, labels l, double value);
void add_counter(prometheus::MetricFamily& f, labels l, double value);
// The non-cumulative buckets of `h` as Prometheus' cumulative `le` buckets: bucket i counts every observation
// <= bounds[i]; the serializer adds le="+Inf" with the count.
void add_histogram(prometheus::MetricFamily& f, labels l, const histogram& h);

// Seconds since the Unix epoch, milliseconds as the fraction.
double unix_seconds(instant t);

}  // namespace casework::detail
