// casework/rocksdb_store.hpp: the durable event log on RocksDB (the only code that includes RocksDB).
//
// Every case's history is a hash chain: each stored event carries the SHA-256 of the previous event of its
// case and its own hash over (previous hash || its canonical encoding), so an auditor can verify a history end
// to end (casework verify). Writes are synced before they are acknowledged; the WAL is never disabled.
// Key encodings and value formats: docs/storage-format.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "casework/event_log.hpp"

namespace rocksdb { class Env; }

namespace casework {

struct store_options {
  std::string path;                  // REQUIRES: non-empty; the data directory
  bool create_if_missing = true;     // create an empty store when `path` holds none
  bool sync = true;                  // fsync every write before acknowledging it (false only in benchmarks)
  bool read_only = false;            // open read-only (the store must not be open for writing elsewhere)
  std::string secondary_path;        // non-empty: follow a store that another process has open for writing,
                                     // keeping this instance's own files here (auditors' tools, casework CLI)
  rocksdb::Env* env = nullptr;       // default: the system environment; tests inject faults here
};

struct chain_break {
  std::string case_id;
  std::uint64_t seq = 0;
  std::string what;   // e.g. "hash does not match the stored event"
};

// An event as stored, with its place in the case's hash chain (hex SHA-256).
struct stored_event {
  event e;
  std::string previous_hash;
  std::string hash;
};

struct verify_report {
  std::uint64_t cases = 0;
  std::uint64_t events = 0;
  std::vector<chain_break> breaks;   // the first break of each broken case, in case order
  bool ok() const { return breaks.empty(); }
};

class rocksdb_store final : public event_log {
 public:
  // Opens (or creates) a store. Errors: storage naming the path and RocksDB's reason; failed_precondition
  // when the store's format version is not one this build reads.
  static expected<std::unique_ptr<rocksdb_store>> open(const store_options& options);
  ~rocksdb_store() override;
  rocksdb_store(const rocksdb_store&) = delete;
  rocksdb_store& operator=(const rocksdb_store&) = delete;

  // event_log: one case's batch in one synced write.
  status append(const std::string& case_id, const std::vector<event>& events) override;
  expected<std::vector<event>> read(const std::string& case_id) const override;
  std::vector<std::string> case_ids() const override;
  // The history with each event's hashes (casework history, GET /v1/cases/{id}/history).
  expected<std::vector<stored_event>> read_chain(const std::string& case_id) const;

  // Group commit: the batches of several cases in ONE synced write, all or nothing. Each batch must continue
  // its case's sequence (failed_precondition naming the case otherwise, and nothing is written).
  status append_group(const std::vector<case_events>& batches) override;

  // Checks every hash chain: hashes, previous-hash links, sequence gaps, undecodable events. `progress` is
  // called now and then with the number of events checked so far.
  expected<verify_report> verify(const std::function<void(std::uint64_t)>& progress = {}) const;

  // Secondary instances: catch up with the primary's latest writes.
  status catch_up();

  // Metadata (format version, calendar closures, ...): small values under a key.
  status put_meta(const std::string& key, const std::string& value) override;
  expected<std::string> get_meta(const std::string& key) const override;

  static constexpr int format_version = 1;

 private:
  struct impl;
  explicit rocksdb_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace casework
