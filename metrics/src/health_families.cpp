#include "health_families.hpp"

#include <cstdint>

#include "families.hpp"

namespace casework::detail {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

struct histogram_spec {
  const char* name;
  const char* help;
  histogram engine_health::*field;
};

struct scalar_spec {
  const char* name;
  const char* help;
  MetricType type;
  double (*read)(const engine_health&);
};

template <class T>
double as_double(T v) {
  return static_cast<double>(v);
}

const histogram_spec kHistograms[] = {
    {"casework_command_duration_seconds",
     "A command or timer from its arrival at its case actor to its answer (events recorded).",
     &engine_health::command_seconds},
    {"casework_store_write_duration_seconds", "One synced write of the event log (append_group).",
     &engine_health::store_write_seconds},
    {"casework_store_group_commit_batches", "Case batches carried by one synced write (group commit).",
     &engine_health::group_commit_batches},
    {"casework_timer_lateness_seconds",
     "Per timer fired: the firing instant minus the due instant (late reminders, R6.3, R6.5-R6.7).",
     &engine_health::timer_lateness_seconds},
};

const scalar_spec kScalars[] = {
    {"casework_commands_total", "Commands and timers answered.", MetricType::Counter,
     [](const engine_health& h) { return as_double(h.commands_total); }},
    {"casework_command_errors_total", "Commands and timers answered with an error (refused or failed).",
     MetricType::Counter, [](const engine_health& h) { return as_double(h.command_errors_total); }},
    {"casework_store_errors_total", "Synced writes of the event log that failed (disk full, I/O error).",
     MetricType::Counter, [](const engine_health& h) { return as_double(h.store_errors_total); }},
    {"casework_timers_fired_total", "Timers fired.", MetricType::Counter,
     [](const engine_health& h) { return as_double(h.timers_fired_total); }},
    {"casework_pending_timers", "Timers waiting in the timer service's index.", MetricType::Gauge,
     [](const engine_health& h) { return as_double(h.pending_timers); }},
    {"casework_active_case_actors", "Case actors running now (the others are passivated).", MetricType::Gauge,
     [](const engine_health& h) { return as_double(h.active_case_actors); }},
    {"casework_case_actor_restarts_total", "Case actors restarted by their supervisor after a failure.",
     MetricType::Counter, [](const engine_health& h) { return as_double(h.restarts_total); }},
    {"casework_recovery_failures_total",
     "Cases whose history could not be read or folded when the engine opened.", MetricType::Counter,
     [](const engine_health& h) { return as_double(h.recovery_failures_total); }},
    {"casework_recovering", "1 while the engine is still rebuilding its figures from the log after opening.",
     MetricType::Gauge, [](const engine_health& h) { return h.recovering ? 1.0 : 0.0; }},
};

}  // namespace

void append_health_families(std::vector<MetricFamily>& out, const engine_health* h) {
  for (const auto& spec : kHistograms) {
    auto f = family(spec.name, spec.help, MetricType::Histogram);
    if (h) add_histogram(f, {}, (*h).*spec.field);
    out.push_back(std::move(f));
  }
  for (const auto& spec : kScalars) {
    auto f = family(spec.name, spec.help, spec.type);
    if (h && spec.type == MetricType::Counter) add_counter(f, {}, spec.read(*h));
    if (h && spec.type == MetricType::Gauge) add_gauge(f, {}, spec.read(*h));
    out.push_back(std::move(f));
  }
}

}  // namespace casework::detail
