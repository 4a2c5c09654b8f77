// casework-bench: the physical baselines on RocksDB itself, without casework.
//
// This file (raw_rocksdb.cpp) includes <rocksdb/...> directly, on purpose: outside persistence/ only the
// benchmarks may, because measuring the raw disk and RocksDB is their point. Nothing else should copy it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace casework::bench {

struct raw_records {
  std::vector<std::pair<std::string, std::string>> kv;   // key, value: every event, a record each (format 2)
  std::uint64_t key_bytes = 0, value_bytes = 0;
};

// Every event of the `events` column family of the store at `path` (opened directly by RocksDB), as a record
// of its own: format 2's layout, whatever the store's (format 3 holds a batch's events in one record).
raw_records read_event_records(const std::string& path);

// Writes `records` into a fresh database at `path`, `per_write` records per WriteBatch, each written with
// sync = true (WAL on) from one thread: what the disk allows for that group size. Returns seconds.
double write_synced_batches(const std::string& path, const raw_records& records, std::size_t per_write);

// The disk's speed changes from one minute to the next on a shared machine: writes the records `passes` times,
// each into a fresh database (path + "-1", "-2", ...), and returns the fastest pass's seconds (the limit is
// what the disk was seen to allow) with every pass's seconds.
struct raw_passes {
  double best = 0;
  std::vector<double> seconds;
};
raw_passes best_synced_batches(const std::string& path, const raw_records& records, std::size_t per_write,
                               int passes = 2);

struct scan_result {
  std::uint64_t records = 0, bytes = 0;   // records: the events the scanned records hold
  double seconds = 0;
};

// Reads every record of the store's `events` column family in key order, and the events each holds; with
// `hash`, also computes SHA-256 over each event's hashed bytes (previous hash || payload), as verify must.
scan_result scan_events(const std::string& path, bool hash);

// Seconds to open the store at `path` with RocksDB directly (every column family) and close it.
double open_seconds(const std::string& path);

// Resident bytes this process gains by opening the store and reading nothing.
std::uint64_t open_resident_bytes(const std::string& path);

}  // namespace casework::bench
