#include "figures_families.hpp"

#include <string>
#include <utility>

#include "families.hpp"

namespace casework::detail {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;
using snapshot_list = std::vector<std::shared_ptr<const agency_figures>>;

MetricFamily open_cases(const snapshot_list& all) {
  auto f = family("casework_open_cases",
                  "Open (non-terminal) cases the agency holds now, by workflow and state (R6.15, R5.11).",
                  MetricType::Gauge);
  for (const auto& a : all)
    for (const auto& [key, n] : a->open_by_state)
      add_gauge(f, {{"agency", a->agency}, {"workflow", key.first}, {"state", key.second}},
                static_cast<double>(n));
  return f;
}

MetricFamily open_cases_by_item(const snapshot_list& all) {
  auto f = family(
      "casework_open_cases_by_item",
      "Open cases the agency holds now, by workflow and item (item empty for workflows without items).",
      MetricType::Gauge);
  for (const auto& a : all)
    for (const auto& [key, n] : a->open_by_item)
      add_gauge(f, {{"agency", a->agency}, {"workflow", key.first}, {"item", key.second}},
                static_cast<double>(n));
  return f;
}

MetricFamily overdue_cases(const snapshot_list& all) {
  auto f = family(
      "casework_overdue_cases",
      "Open cases in state overdue, by the stage they remember (0: workflows without stages) (R6.4, R6.7).",
      MetricType::Gauge);
  for (const auto& a : all)
    for (const auto& [stage, n] : a->overdue_by_stage)
      add_gauge(f, {{"agency", a->agency}, {"stage", std::to_string(stage)}}, static_cast<double>(n));
  return f;
}

MetricFamily oldest_created(const snapshot_list& all) {
  auto f = family("casework_oldest_open_case_created_timestamp_seconds",
                  "When the agency's oldest open case was created (Unix time; absent when it has none).",
                  MetricType::Gauge);
  for (const auto& a : all)
    if (auto t = a->oldest_open_created()) add_gauge(f, {{"agency", a->agency}}, unix_seconds(*t));
  return f;
}

MetricFamily oldest_age(const snapshot_list& all, std::optional<instant> now) {
  auto f = family("casework_oldest_open_case_age_seconds",
                  "Age of the agency's oldest open case by the engine clock (absent when it has none).",
                  MetricType::Gauge);
  for (const auto& a : all)
    if (auto t = a->oldest_open_created(); t && now)
      add_gauge(f, {{"agency", a->agency}}, std::chrono::duration<double>(*now - *t).count());
  return f;
}

MetricFamily per_workflow_total(const snapshot_list& all, const char* name, const char* help,
                                std::map<std::string, std::uint64_t> agency_figures::*field) {
  auto f = family(name, help, MetricType::Counter);
  for (const auto& a : all)
    for (const auto& [workflow, n] : (*a).*field)
      add_counter(f, {{"agency", a->agency}, {"workflow", workflow}}, static_cast<double>(n));
  return f;
}

MetricFamily transitions(const snapshot_list& all) {
  auto f =
      family("casework_case_transitions_total",
             "State changes, for the agency holding the case when it moved (from_state empty: the initial "
             "entry).",
             MetricType::Counter);
  for (const auto& a : all)
    for (const auto& [key, n] : a->transitions_total) {
      const auto& [workflow, from, to] = key;
      add_counter(f, {{"agency", a->agency}, {"workflow", workflow}, {"from_state", from}, {"to_state", to}},
                  static_cast<double>(n));
    }
  return f;
}

MetricFamily notifications(const snapshot_list& all) {
  auto f = family(
      "casework_notifications_total",
      "Notifications and reminders recorded for the agency's cases, one per channel (R6.3, R6.5-R6.7).",
      MetricType::Counter);
  for (const auto& a : all)
    for (const auto& [key, n] : a->notifications_total)
      add_counter(f, {{"agency", a->agency}, {"kind", key.first}, {"channel", key.second}},
                  static_cast<double>(n));
  return f;
}

MetricFamily compliance(const snapshot_list& all) {
  auto f =
      family("casework_deadline_compliance_total",
             "Deadlines of closed cases, met or missed at closing, by workflow, item and deadline (R9.1).",
             MetricType::Counter);
  for (const auto& a : all)
    for (const auto& [key, c] : a->compliance_at_close) {
      const auto& [workflow, item, deadline] = key;
      labels base{{"agency", a->agency}, {"workflow", workflow}, {"item", item}, {"deadline", deadline}};
      auto met = base, missed = base;
      met.push_back({"outcome", "met"});
      missed.push_back({"outcome", "missed"});
      add_counter(f, std::move(met), static_cast<double>(c.met));
      add_counter(f, std::move(missed), static_cast<double>(c.missed));
    }
  return f;
}

MetricFamily signature_latency(const snapshot_list& all) {
  auto f = family("casework_signature_latency_seconds",
                  "Dispatch cases: from establishment to the duty officer's signature (R6.3: 10 minutes).",
                  MetricType::Histogram);
  for (const auto& a : all) add_histogram(f, {{"agency", a->agency}}, a->signature_latency);
  return f;
}

MetricFamily stage_duration(const snapshot_list& all) {
  auto f =
      family("casework_stage_duration_seconds",
             "Dispatch cases: how long stage one (from establishment) and stage two took, observed when the "
             "stage ends (R6.4).",
             MetricType::Histogram);
  for (const auto& a : all)
    for (const auto& [stage, h] : a->stage_duration)
      add_histogram(f, {{"agency", a->agency}, {"stage", std::to_string(stage)}}, h);
  return f;
}

}  // namespace

void append_figures_families(std::vector<MetricFamily>& out, const snapshot_list& snapshots,
                             std::optional<instant> now, bool with_age) {
  out.push_back(open_cases(snapshots));
  out.push_back(open_cases_by_item(snapshots));
  out.push_back(overdue_cases(snapshots));
  out.push_back(oldest_created(snapshots));
  if (with_age) out.push_back(oldest_age(snapshots, now));
  out.push_back(per_workflow_total(snapshots, "casework_cases_opened_total",
                                   "Cases opened, for the agency that held them at creation.",
                                   &agency_figures::opened_total));
  out.push_back(per_workflow_total(snapshots, "casework_cases_closed_total",
                                   "Cases closed, for the agency that held them when they closed.",
                                   &agency_figures::closed_total));
  out.push_back(transitions(snapshots));
  out.push_back(notifications(snapshots));
  out.push_back(compliance(snapshots));
  out.push_back(signature_latency(snapshots));
  out.push_back(stage_duration(snapshots));
}

}  // namespace casework::detail
