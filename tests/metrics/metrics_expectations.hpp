// What the metrics tests expect of any scrape: the families casework exports (docs/metrics.md), the bounded
// label names, and the shape of a Prometheus histogram.
#pragma once

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "metrics_support.hpp"

namespace casework::testing {

// Every family the collector exports, with its type: docs/metrics.md documents exactly these.
inline std::map<std::string, std::string> expected_families() {
  return {
      {"casework_open_cases", "gauge"},
      {"casework_open_cases_by_item", "gauge"},
      {"casework_overdue_cases", "gauge"},
      {"casework_oldest_open_case_created_timestamp_seconds", "gauge"},
      {"casework_oldest_open_case_age_seconds", "gauge"},
      {"casework_cases_opened_total", "counter"},
      {"casework_cases_closed_total", "counter"},
      {"casework_case_transitions_total", "counter"},
      {"casework_notifications_total", "counter"},
      {"casework_deadline_compliance_total", "counter"},
      {"casework_signature_latency_seconds", "histogram"},
      {"casework_stage_duration_seconds", "histogram"},
      {"casework_command_duration_seconds", "histogram"},
      {"casework_store_write_duration_seconds", "histogram"},
      {"casework_store_group_commit_batches", "histogram"},
      {"casework_timer_lateness_seconds", "histogram"},
      {"casework_commands_total", "counter"},
      {"casework_command_errors_total", "counter"},
      {"casework_store_errors_total", "counter"},
      {"casework_store_background_errors_total", "counter"},
      {"casework_store_resumes_total", "counter"},
      {"casework_store_write_stalls_total", "counter"},
      {"casework_store_write_stall", "gauge"},
      {"casework_store_memory_bytes", "gauge"},
      {"casework_store_block_cache_capacity_bytes", "gauge"},
      {"casework_timers_fired_total", "counter"},
      {"casework_pending_timers", "gauge"},
      {"casework_active_case_actors", "gauge"},
      {"casework_case_actor_restarts_total", "counter"},
      {"casework_recovery_failures_total", "counter"},
      {"casework_recovering", "gauge"},
      {"casework_build_info", "gauge"},
      {"casework_metrics_provider_errors_total", "counter"},
  };
}

// Metrics that caseworkd's server emits into metrics_exporter::registry() (docs/metrics.md, "Emitted by the
// server"); the dashboard and the alerts may use them.
inline std::set<std::string> server_families() {
  return {"casework_http_requests_total", "casework_http_request_duration_seconds",
          "casework_webhook_delivery_failures_total", "casework_webhook_dead_letters_total"};
}

// The only label names a casework metric may carry (le: histogram buckets).
inline std::set<std::string> bounded_label_names() {
  return {"agency",   "workflow", "item",      "state",   "from_state", "to_state",
          "stage",    "deadline", "kind",      "channel", "outcome",    "version",
          "provider", "reason",   "condition", "part",    "le"};
}

// The cumulative buckets of one histogram series, by upper bound (le parsed as a number; +Inf as infinity).
inline std::map<double, double> buckets(const std::vector<sample>& samples, const std::string& name,
                                        std::map<std::string, std::string> labels) {
  std::map<double, double> out;
  for (const auto& s : samples) {
    if (s.name != name + "_bucket") continue;
    auto l = s.labels;
    auto le = l.find("le");
    if (le == l.end()) continue;
    double bound = le->second == "+Inf" ? INFINITY : std::stod(le->second);
    l.erase(le);
    if (l == labels) out[bound] = s.value;
  }
  return out;
}

// What is wrong with the histograms of a scrape: buckets that decrease, a +Inf bucket missing or different
// from _count. Empty when every histogram is well-formed.
inline std::vector<std::string> histogram_problems(const std::vector<sample>& samples) {
  std::map<std::pair<std::string, std::map<std::string, std::string>>, std::map<double, double>> series;
  std::map<std::pair<std::string, std::map<std::string, std::string>>, double> counts;
  for (const auto& s : samples) {
    auto strip = [&](const char* suffix) {
      std::string sfx = suffix;
      return s.name.size() > sfx.size() && s.name.compare(s.name.size() - sfx.size(), sfx.size(), sfx) == 0
                 ? s.name.substr(0, s.name.size() - sfx.size())
                 : std::string();
    };
    if (auto base = strip("_bucket"); !base.empty()) {
      auto l = s.labels;
      double bound = l.at("le") == "+Inf" ? INFINITY : std::stod(l.at("le"));
      l.erase("le");
      series[{base, l}][bound] = s.value;
    } else if (auto b = strip("_count"); !b.empty()) {
      counts[{b, s.labels}] = s.value;
    }
  }
  std::vector<std::string> problems;
  for (const auto& [key, b] : series) {
    double last = 0;
    for (const auto& [bound, n] : b) {
      if (n < last) problems.push_back(key.first + ": bucket le=" + std::to_string(bound) + " decreases");
      last = n;
    }
    if (!b.count(INFINITY))
      problems.push_back(key.first + ": no +Inf bucket");
    else if (!counts.count(key) || counts.at(key) != b.at(INFINITY))
      problems.push_back(key.first + ": +Inf bucket differs from _count");
  }
  return problems;
}

}  // namespace casework::testing
