#include "health_families.hpp"

#include <cstdint>
#include <map>
#include <string>

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

// The event log's own machinery (storage_health). Every reason and condition is always exported, at zero
// until it happens, so that rates and alerts see the first one.
void append_storage_families(std::vector<MetricFamily>& out, const engine_health* h) {
  auto errors = family("casework_store_background_errors_total",
                       "Errors that stopped the event store's writes until resumed, by where they happened "
                       "(flush, compaction, write, memtable, manifest).",
                       MetricType::Counter);
  auto resumes = family("casework_store_resumes_total",
                        "Times the event store resumed writing after such an error (the next write resumes).",
                        MetricType::Counter);
  auto stalls = family("casework_store_write_stalls_total",
                       "Times the event store entered a write stall (delayed: rate-limited; stopped), imposed by "
                       "RocksDB when flushes and compactions fall behind.",
                       MetricType::Counter);
  auto stall = family("casework_store_write_stall",
                      "1 for the event store's write stall condition now (delayed or stopped), 0 otherwise.",
                      MetricType::Gauge);
  auto memory =
      family("casework_store_memory_bytes",
             "Bytes the event store holds in memory now, by part: block_cache (data, index and filter "
             "blocks; bounded by its capacity), memtables, table_readers (kept per open file outside "
             "the cache).",
             MetricType::Gauge);
  auto capacity = family("casework_store_block_cache_capacity_bytes",
                         "The capacity of the event store's block cache (store_options::block_cache_bytes).",
                         MetricType::Gauge);
  if (h) {
    const auto& s = h->storage;
    add_gauge(memory, {{"part", "block_cache"}}, as_double(s.block_cache_bytes));
    add_gauge(memory, {{"part", "memtables"}}, as_double(s.memtable_bytes));
    add_gauge(memory, {{"part", "table_readers"}}, as_double(s.table_reader_bytes));
    add_gauge(capacity, {}, as_double(s.block_cache_capacity_bytes));
    std::map<std::string, std::uint64_t> by_reason{
        {"flush", 0}, {"compaction", 0}, {"write", 0}, {"memtable", 0}, {"manifest", 0}};
    for (const auto& [reason, n] : s.background_errors_total) by_reason[reason] = n;
    for (const auto& [reason, n] : by_reason) add_counter(errors, {{"reason", reason}}, as_double(n));
    add_counter(resumes, {}, as_double(s.resumes_total));
    add_counter(stalls, {{"condition", "delayed"}}, as_double(s.write_delays_total));
    add_counter(stalls, {{"condition", "stopped"}}, as_double(s.write_stops_total));
    add_gauge(stall, {{"condition", "delayed"}}, s.write_stall == storage_health::stall::delayed ? 1 : 0);
    add_gauge(stall, {{"condition", "stopped"}}, s.write_stall == storage_health::stall::stopped ? 1 : 0);
  }
  for (auto* f : {&errors, &resumes, &stalls, &stall, &memory, &capacity}) out.push_back(std::move(*f));
}

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
  append_storage_families(out, h);
}

}  // namespace casework::detail
