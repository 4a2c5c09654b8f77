// The engine's health figures (health.hpp) as metric families (private to the collector).
#pragma once

#include <vector>

#include <prometheus/metric_family.h>

#include "casework/health.hpp"

namespace casework::detail {

// Appends every engine health family, in the order of docs/metrics.md; without `h` (no provider, or it
// threw) the families are appended without samples.
void append_health_families(std::vector<prometheus::MetricFamily>& out, const engine_health* h);

}  // namespace casework::detail
