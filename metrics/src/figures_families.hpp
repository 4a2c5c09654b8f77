// The agencies' figures (figures.hpp) as metric families (private to the collector).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <prometheus/metric_family.h>

#include "casework/figures.hpp"
#include "casework/time.hpp"

namespace casework::detail {

// Appends every per-agency family, in the order of docs/metrics.md, with one series per agency and key of
// `snapshots` (sorted by agency, no nulls). The age gauge is appended only `with_age`, with samples only when
// `now` is known.
void append_figures_families(std::vector<prometheus::MetricFamily>& out,
                             const std::vector<std::shared_ptr<const agency_figures>>& snapshots,
                             std::optional<instant> now, bool with_age);

}  // namespace casework::detail
