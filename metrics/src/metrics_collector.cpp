// The collector: the order of the families and the providers' error handling. The agencies' families are in
// figures_families.cpp, the engine's in health_families.cpp.
#include "casework/metrics_collector.hpp"

#include <algorithm>
#include <exception>
#include <sstream>
#include <utility>

#include <prometheus/text_serializer.h>

#include "families.hpp"
#include "figures_families.hpp"
#include "health_families.hpp"

namespace casework {

using prometheus::MetricType;

metrics_collector::metrics_collector(metrics_sources sources, std::string version)
    : sources_(std::move(sources)), version_(version.empty() ? casework_version() : std::move(version)) {}

std::vector<prometheus::MetricFamily> metrics_collector::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  collect_figures(out);
  collect_health(out);

  auto info = detail::family("casework_build_info", "The casework version serving these metrics (always 1).",
                             MetricType::Gauge);
  detail::add_gauge(info, {{"version", version_}}, 1);
  out.push_back(std::move(info));

  auto errors = detail::family(
      "casework_metrics_provider_errors_total",
      "Scrapes in which a metrics provider threw, so that its metrics were left out.", MetricType::Counter);
  detail::add_counter(errors, {{"provider", "figures"}}, static_cast<double>(figures_errors_.load()));
  detail::add_counter(errors, {{"provider", "health"}}, static_cast<double>(health_errors_.load()));
  out.push_back(std::move(errors));
  return out;
}

void metrics_collector::collect_figures(std::vector<prometheus::MetricFamily>& out) const {
  std::vector<std::shared_ptr<const agency_figures>> snapshots;
  std::optional<instant> now;
  if (sources_.figures) {
    try {
      snapshots = sources_.figures();
      if (sources_.now) now = sources_.now();
    } catch (const std::exception&) {
      snapshots.clear();
      ++figures_errors_;
    }
  }
  snapshots.erase(std::remove(snapshots.begin(), snapshots.end(), nullptr), snapshots.end());
  std::sort(snapshots.begin(), snapshots.end(),
            [](const auto& a, const auto& b) { return a->agency < b->agency; });
  detail::append_figures_families(out, snapshots, now, static_cast<bool>(sources_.now));
}

void metrics_collector::collect_health(std::vector<prometheus::MetricFamily>& out) const {
  std::optional<engine_health> health;
  if (sources_.health) {
    try {
      health = sources_.health();
    } catch (const std::exception&) {
      ++health_errors_;
    }
  }
  detail::append_health_families(out, health ? &*health : nullptr);
}

std::string text_exposition(const prometheus::Collectable& c) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, c.Collect());
  return out.str();
}

const char* casework_version() noexcept {
  return CASEWORK_VERSION;
}

}  // namespace casework
