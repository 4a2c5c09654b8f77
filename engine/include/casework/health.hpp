// casework/health.hpp: the engine's own health figures (not the agencies' case figures, see figures.hpp), as a
// plain value the runtime fills and an exporter (metrics/) reads: command latency, store writes and group-commit
// sizes, timer lateness, storage errors, actor counts. Histograms use figures.hpp's non-cumulative buckets.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "casework/figures.hpp"

namespace casework {

// What a durable event log reports of its own machinery (event_log::health()); all zero for a log without
// background work (memory_event_log). For RocksDB: errors that stopped its writes, and write stalls, which
// RocksDB imposes when flushes and compactions fall behind.
struct storage_health {
  enum class stall { none, delayed, stopped };
  // Errors that stopped the store's writes until resumed, by where they happened: "flush", "compaction",
  // "write" (the write path: WAL append or sync), "memtable", "manifest". A failed write the store then
  // resumed from counts here and in engine_health::store_errors_total.
  std::map<std::string, std::uint64_t> background_errors_total;
  std::uint64_t resumes_total = 0;          // times writing resumed after such an error
  std::uint64_t write_delays_total = 0;     // times writes entered the delayed (rate-limited) condition
  std::uint64_t write_stops_total = 0;      // times writes entered the stopped condition
  stall write_stall = stall::none;          // the worst condition of any column family now
  // What the store holds in memory now (0 for a log that keeps none of these). The block cache holds data
  // blocks and the index and filter blocks of the store's files, and is bounded by its capacity
  // (store_options::block_cache_bytes); the memtables by RocksDB's write buffers; the table readers are what
  // each open file keeps outside the cache (with its index and filter in the cache, a little per file).
  std::uint64_t block_cache_bytes = 0;
  std::uint64_t block_cache_capacity_bytes = 0;
  std::uint64_t memtable_bytes = 0;
  std::uint64_t table_reader_bytes = 0;
};

struct engine_health {
  // Bounds in seconds for latencies: 100 µs .. 10 s.
  static std::vector<double> latency_bounds() {
    return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  }
  // Bounds for group-commit sizes (case batches per synced write).
  static std::vector<double> group_bounds() { return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512}; }
  // Bounds in seconds for timer lateness (fired after its due instant): 1 ms .. 1 day.
  static std::vector<double> lateness_bounds() {
    return {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300, 3600, 86400};
  }

  histogram command_seconds{latency_bounds()};     // a command or timer from its arrival at its case to its answer
  histogram store_write_seconds{latency_bounds()};  // one synced write (append_group)
  histogram group_commit_batches{group_bounds()};   // case batches per synced write
  histogram timer_lateness_seconds{lateness_bounds()};  // fired instant - due instant, per timer fired
  std::uint64_t commands_total = 0;          // commands and timers answered
  std::uint64_t command_errors_total = 0;    // of which refused or failed
  std::uint64_t store_errors_total = 0;      // failed synced writes (disk full, I/O error)
  std::uint64_t timers_fired_total = 0;
  std::uint64_t pending_timers = 0;          // in the timer service's index
  std::uint64_t active_case_actors = 0;
  std::uint64_t restarts_total = 0;          // case actors restarted after a failure
  std::uint64_t recovery_failures_total = 0; // cases that could not be loaded
  bool recovering = false;                   // figures still being recounted after open
  storage_health storage;                    // the event log's own (event_log::health())
};

}  // namespace casework
