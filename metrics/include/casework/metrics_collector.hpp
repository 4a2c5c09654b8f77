// casework/metrics_collector.hpp: the agencies' figures (figures.hpp) and the engine's health (health.hpp) as
// Prometheus metric families, read at scrape time from providers that return published snapshots.
//
//   metrics_sources src;
//   src.figures = [&] {                       // never blocks on an actor: engine::figures reads a snapshot
//     std::vector<std::shared_ptr<const agency_figures>> out;
//     for (const auto& a : eng->agencies()) if (auto f = eng->figures(a)) out.push_back(f);
//     return out;
//   };
//   src.now = [&] { return eng->now(); };     // the engine clock (virtual in simulations)
//   auto c = std::make_shared<metrics_collector>(src);
//   std::string text = text_exposition(*c);   // or register c with a prometheus::Exposer / metrics_exporter
//
// Every metric is named casework_*, in base units (seconds), counters end in _total, and the only labels are
// bounded names from the rules (agency, workflow, item, state, from_state, to_state, stage, deadline, kind,
// channel, outcome, version): never a case id, a person or an address. docs/metrics.md lists every metric.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "casework/figures.hpp"
#include "casework/health.hpp"
#include "casework/time.hpp"

namespace casework {

// Where the collector reads, once per scrape. Providers run on the scraping threads, possibly two at once: they
// must be thread-safe, cheap, and must not wait for actors (return published snapshots). They must not outlive
// what they read: destroy the collector (or exporter) before the engine. An exception a provider throws is caught; that
// scrape then lacks the provider's metrics and casework_metrics_provider_errors_total counts it.
struct metrics_sources {
  // Every agency's figures, one snapshot per agency (engine::figures for each engine::agencies()).
  // Default (empty): no per-agency metrics.
  std::function<std::vector<std::shared_ptr<const agency_figures>>()> figures;
  // The engine's health figures. Default (empty): no engine health metrics.
  std::function<engine_health()> health;
  // The engine clock, for casework_oldest_open_case_age_seconds. Default (empty): that gauge is not exported
  // (casework_oldest_open_case_created_timestamp_seconds is, always).
  std::function<instant()> now;
};

class metrics_collector : public prometheus::Collectable {
 public:
  // `version`: the casework_build_info version label; default: the version this library was built as.
  explicit metrics_collector(metrics_sources sources, std::string version = {});

  // Every family, in a fixed order, each present (possibly without samples) whatever the sources hold.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  void collect_figures(std::vector<prometheus::MetricFamily>& out) const;
  void collect_health(std::vector<prometheus::MetricFamily>& out) const;

  metrics_sources sources_;
  std::string version_;
  mutable std::atomic<std::uint64_t> figures_errors_{0};
  mutable std::atomic<std::uint64_t> health_errors_{0};
};

// The Prometheus text exposition format (0.0.4) of what `c` collects: the body of a scrape, without HTTP.
std::string text_exposition(const prometheus::Collectable& c);

// The version casework was built as ("0.1.0").
const char* casework_version() noexcept;

}  // namespace casework
