// casework/rocksdb_store.hpp: the durable event log on RocksDB (the only code that includes RocksDB).
//
// Every case's history is a hash chain: each stored event carries the SHA-256 of the previous event of its
// case and its own hash over (previous hash || its canonical encoding), so an auditor can verify a history end
// to end (casework verify). Beside the histories the store keeps, written in the same atomic batch as the
// events: each case's latest snapshot (tied to the chain by the hash of the last event it folds), the pending
// timers of every case ordered by due instant, the notification outbox, and the directory indexes (by case,
// by agency, open cases at places, findings). Writes are synced before they are acknowledged; the WAL is
// never disabled. Key encodings and value formats: docs/storage-format.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "casework/event_log.hpp"

namespace rocksdb {
class Env;
struct Options;
}  // namespace rocksdb

namespace casework {

struct store_options {
  std::string path;                  // REQUIRES: non-empty; the data directory
  bool create_if_missing = true;     // create an empty store when `path` holds none
  bool sync = true;                  // fsync every write before acknowledging it (false only in benchmarks)
  bool read_only = false;            // open read-only (the store must not be open for writing elsewhere)
  std::string secondary_path;        // non-empty: follow a store that another process has open for writing,
                                     // keeping this instance's own files here (auditors' tools, casework CLI)
  // RocksDB's block cache, shared by the store's column families: data blocks, and the index and filter
  // blocks of its SST files (bounded memory however large the store grows; docs/storage-format.md,
  // "Options").
  std::size_t block_cache_bytes = std::size_t{32} << 20;
  rocksdb::Env* env = nullptr;       // default: the system environment; tests inject faults here
  // Adjusts RocksDB's options after casework's defaults (docs/storage-format.md, "Options"); the column
  // families start from its column family part, with the store's own table options (the block cache above).
  // For tests and benchmarks: the defaults suit production.
  std::function<void(rocksdb::Options&)> tune;
};

struct chain_break {
  std::string case_id;
  std::uint64_t seq = 0;
  std::string what;   // "hash does not match the stored event", "snapshot payload does not match its hash"
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
  std::uint64_t snapshots = 0;
  // In case order: the first break of each broken chain, and each broken snapshot ("snapshot ..."; checked
  // when its case's chain is intact up to the snapshot's event).
  std::vector<chain_break> breaks;
  bool ok() const { return breaks.empty(); }
};

// How deep verify looks (casework verify --depth; docs/storage-format.md, "Verification").
enum class verify_depth {
  // Every hash chain (each event's hash over its previous hash and payload, the previous-hash links, sequence
  // gaps, undecodable records) and every snapshot's own payload hash and its tie to its event. Reads no
  // payload: what an auditor needs to know that nothing stored was changed since it was written.
  chain,
  // And every payload decodes to the event its key names, and each snapshot equals its history folded up to
  // its event (what a writer's bug, not only a changed byte, would break).
  full,
};

struct verify_options {
  verify_depth depth = verify_depth::full;
  std::size_t threads = 0;  // 0: the machine's cores
  // Called now and then, from one thread at a time, with the number of events checked so far.
  std::function<void(std::uint64_t)> progress;
};

// A stored snapshot checked against the history it claims to fold (casework replay).
struct snapshot_check {
  std::uint64_t seq = 0;                 // the last event the stored snapshot folds
  std::string problem;                   // empty when it matches; else what is wrong, as verify reports it
  std::vector<std::string> differences;  // the fields where it differs from the folded history (names only)
  bool ok() const { return problem.empty(); }
};

class rocksdb_store final : public event_log {
 public:
  // Opens (or creates) a store. Errors: storage naming the path and RocksDB's reason; failed_precondition
  // when the store's format version is not one this build reads (oldest_format_version..format_version).
  static expected<std::unique_ptr<rocksdb_store>> open(const store_options& options);
  ~rocksdb_store() override;
  rocksdb_store(const rocksdb_store&) = delete;
  rocksdb_store& operator=(const rocksdb_store&) = delete;

  // event_log: writes. One case's batch, or a group of them, in ONE synced WriteBatch with everything derived
  // from it: snapshot, timers, directory indexes (when the batch carries `derived`) and outbox records (from
  // its notification events). All or nothing: a batch that does not continue its case's sequence refuses the
  // group (failed_precondition naming the case); so does a malformed one (invalid_argument naming the field,
  // e.g. a `derived.seq` that is not an event of its batch).
  status append(const std::string& case_id, const std::vector<event>& events) override;
  status append_group(const std::vector<case_events>& batches) override;
  // Records the delivery of a notification. Not synced: a crash may forget it, and the notifier then hands
  // the notification to delivery again (delivery is at least once). not_found for an unknown key.
  status mark_sent(const std::string& key, instant at) override;

  // event_log: reads. Each call reads one consistent state of the store.
  expected<std::vector<event>> read(const std::string& case_id) const override;
  // The snapshot with the later events folded in. A snapshot that does not decode or is not tied to its event
  // is ignored and the whole history folded (the history is the record; verify reports the snapshot).
  expected<case_state> load(const std::string& case_id) const override;
  bool contains(const std::string& case_id) const override;
  std::vector<std::string> case_ids() const override;
  std::string last_case_id(const std::string& prefix) const override;
  // A cursor on a RocksDB snapshot taken now. REQUIRES: it does not outlive the store.
  std::unique_ptr<history_cursor> histories() const override;
  // Uses the agency index when `q.agency` is set, else scans the directory; the other filters are applied
  // to the entries read.
  std::vector<case_entry> list(const entry_query& q) const override;
  expected<case_entry> entry(const std::string& case_id) const override;
  std::vector<case_entry> open_at_places(std::size_t limit, const std::string& after = {}) const override;
  std::vector<case_entry> findings() const override;
  std::vector<stored_timer> timers(std::size_t limit,
                                   const std::optional<stored_timer>& after = {}) const override;
  std::vector<notification_record> notifications(std::uint64_t position, std::size_t limit) const override;
  std::uint64_t notification_count() const override;
  // RocksDB's errors that stopped writes (by reason) and its write stalls, as reported to the store's event
  // listener, and the resumes after errors. Automatic recovery is off: the next write resumes (see recover in
  // store_state.cpp), so a write after the disk has room again succeeds or fails at once, never "busy".
  storage_health health() const override;

  // The history with each event's hashes (casework history, GET /v1/cases/{id}/history).
  expected<std::vector<stored_event>> read_chain(const std::string& case_id) const;

  // Checks every hash chain (hashes, previous-hash links, sequence gaps, undecodable events) and every
  // snapshot (decodes, its event exists with the hash it names, its payload hash and, at full depth, it equals
  // the history folded up to its event). Cases are checked in key ranges on `options.threads` threads; the
  // report is the same whatever the number (breaks in case order). verify() is verify({}): full depth.
  expected<verify_report> verify(const verify_options& options) const;
  expected<verify_report> verify() const { return verify(verify_options{}); }
  // The case's stored snapshot against its history folded up to the snapshot's event. not_found when the
  // case has no snapshot.
  expected<snapshot_check> check_snapshot(const std::string& case_id) const;

  // Secondary instances: catch up with the primary's latest writes.
  status catch_up();

  // Metadata (format version, calendar closures, ...): small values under a key.
  status put_meta(const std::string& key, const std::string& value) override;
  expected<std::string> get_meta(const std::string& key) const override;

  // The format this build writes, and the oldest it reads (docs/storage-format.md, "Format version"): opening
  // a store of format 2 for writing upgrades it to 3, which changes no stored byte but the version (each case
  // moves to format 3's records with its next batch).
  static constexpr int format_version = 3;
  static constexpr int oldest_format_version = 2;

 private:
  struct impl;
  explicit rocksdb_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace casework
