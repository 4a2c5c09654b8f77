// Private: an open store's state, shared by rocksdb_store's source files: opening and metadata
// (rocksdb_store.cpp), the write path (store_write.cpp), reads (store_read.cpp), verification
// (store_verify.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/listener.h>
#include <rocksdb/snapshot.h>
#include <boost/json/storage_ptr.hpp>

#include "casework/rocksdb_store.hpp"
#include "encoding.hpp"

namespace casework::detail {

// The one place where rocksdb::Status becomes a casework error.
error storage_error(const rocksdb::Status& s, const std::string& what);

// A case's last event: its seq and hash, and the seq the key of the record holding it names (the first event
// of its batch; docs/storage-format.md): a snapshot of that event records it.
struct tail {
  std::uint64_t seq = 0;
  digest hash{};
  std::uint64_t record = 0;
};

// Reads that see one state of the store. On a primary they read a RocksDB snapshot taken at construction;
// secondary and read-only instances support no snapshots in their iterators, and need none: they change only
// in catch_up(), which the caller must not run during a read.
class consistent_read {
 public:
  consistent_read(rocksdb::DB* db, bool writable) {
    if (writable) snap_ = std::make_unique<rocksdb::ManagedSnapshot>(db);
    if (snap_) options.snapshot = snap_->snapshot();
  }
  rocksdb::ReadOptions options;

 private:
  std::unique_ptr<rocksdb::ManagedSnapshot> snap_;
};

// Hears RocksDB's background errors and write stall changes (on RocksDB's threads, some with its DB mutex
// held: it only counts; the condition in force is read from RocksDB by rocksdb_store::health()), and turns RocksDB's automatic error recovery off, so that store_state::recover()
// alone resumes writing (deterministically, on the next write) instead of racing a recovery thread that
// retries a full disk only every few seconds.
class store_listener final : public rocksdb::EventListener {
 public:
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override;
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason, rocksdb::Status error,
                            bool* auto_recovery) override;
  void OnStallConditionsChanged(const rocksdb::WriteStallInfo& info) override;
  void resumed();
  storage_health get() const;

 private:
  mutable std::mutex mu_;
  storage_health h_;
};

struct store_state {
  store_options options;
  std::shared_ptr<store_listener> listener = std::make_shared<store_listener>();
  // The one block cache of every column family (data, index and filter blocks): rocksdb_store.cpp.
  std::shared_ptr<rocksdb::Cache> block_cache;
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::ColumnFamilyHandle* meta = nullptr;  // the default column family
  rocksdb::ColumnFamilyHandle* events = nullptr;
  rocksdb::ColumnFamilyHandle* snapshots = nullptr;
  rocksdb::ColumnFamilyHandle* timers = nullptr;
  rocksdb::ColumnFamilyHandle* outbox = nullptr;
  rocksdb::ColumnFamilyHandle* index = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;

  mutable std::mutex mu;  // writers: the caches below and the write itself
  // Last seq and hash of cases written through this instance, at most max_cached_tails of them (forgotten all
  // at once beyond that, and after a failed write: they are read back from the store when needed).
  std::unordered_map<std::string, tail> tails;
  static constexpr std::size_t max_cached_tails = 1 << 16;
  // The directory values (entry and timers) of cases written through this instance, kept like the tails: a case
  // written again (each command of a case) stages against its previous value without a read and a JSON decode
  // on the writer's one thread. At most max_cached_directories (~300 bytes each).
  std::unordered_map<std::string, directory_value> directories;
  static constexpr std::size_t max_cached_directories = 1 << 14;
  // Tails that loads found (a case whose snapshot folds its last event: that event's seq and stored hash), for
  // the case's next write: tail_from_snapshot takes one and checks with a single point read that no event
  // followed it, instead of reading the snapshot and the event again. A stored event is never rewritten, so its
  // hash stays what the load read. A timer backlog loads each case on a fire worker, then writes it at once.
  // Kept by writable instances only; at most max_loaded_tails (forgotten all at once beyond that: ~100 bytes
  // each, beside every active case's 2 KB budget).
  mutable std::mutex loaded_mu;
  mutable std::unordered_map<std::string, tail> loaded_tails;
  static constexpr std::size_t max_loaded_tails = 1 << 12;
  std::optional<std::uint64_t> next_position;  // the outbox's next position; nullopt: read it from the store
  bool write_failed = false;                   // RocksDB stops writing after a failed write until resumed

  store_state() = default;
  store_state(const store_state&) = delete;
  store_state& operator=(const store_state&) = delete;
  ~store_state();

  bool writable() const { return !options.read_only && options.secondary_path.empty(); }
  consistent_read reader() const { return consistent_read(db.get(), writable()); }
  // The same for a scan of the whole store (verify, every history): its blocks would only evict the cached
  // ones the engine reads (and each insert into the block cache costs a lock and an eviction), so it fills no
  // cache, and it reads ahead 2 MiB per file, in fewer system calls than RocksDB's implicit read-ahead, which
  // starts at 8 KiB (docs/performance.md 49.).
  consistent_read scan_reader() const;
  rocksdb::WriteOptions write_options() const;

  // Lets RocksDB write again after a failed write (a full disk that has room again). Caller holds mu.
  status recover();
  // Forgets what a failed write may have made wrong. Caller holds mu.
  void forget_caches();
  // The case's last seq and hash, from the cache or the store. Caller holds mu.
  expected<tail> last_of(const std::string& case_id);
  // The tail by point reads, when the case's snapshot folds its last event (or a load left it in
  // loaded_tails); nullopt otherwise.
  std::optional<tail> tail_from_snapshot(const std::string& case_id) const;
  // A load found `t` to be the case's tail (loaded_tails).
  void loaded_tail(const std::string& case_id, const tail& t) const;
  // The outbox's next position: one after its last key, 0 when empty.
  expected<std::uint64_t> read_next_position(const rocksdb::ReadOptions& ro) const;

  // Calls `each` with every stored event of the case from seq `from` on, in order, until it returns false.
  // `record`, when given, is the seq the key of the record holding event `from` names (a snapshot's); else
  // that record is found with one SeekForPrev. Errors: storage when a key or record is malformed or RocksDB
  // fails.
  status scan_events(const rocksdb::ReadOptions& ro, const std::string& case_id, std::uint64_t from,
                     const std::function<bool(std::uint64_t, const record_view&)>& each,
                     std::optional<std::uint64_t> record = std::nullopt) const;
  // The case's directory value: from its snapshot record, or for a snapshot of format 2 from its `c` key
  // (under_key). nullopt when it has none (appended without `derived`). Errors: storage, naming the case, when
  // RocksDB fails or what it holds does not decode.
  expected<std::optional<directory_value>> directory(const rocksdb::ReadOptions& ro,
                                                     const std::string& case_id) const;
  // Point reads: the value, std::nullopt when absent, or a storage error.
  expected<std::optional<std::string>> get(const rocksdb::ReadOptions& ro, rocksdb::ColumnFamilyHandle* cf,
                                           const std::string& key) const;
};

// The storage error for a stored record of events (its key names `first`) that does not decode.
error undecodable_record(const std::string& case_id, std::uint64_t first);

// The event a record's payload encodes; errors name the case and seq. Its data is allocated from `sp` (an
// arena the event must not outlive; the default storage when none).
expected<event> decode_event(const std::string& case_id, std::uint64_t seq, std::string_view payload,
                             boost::json::storage_ptr sp = {});

// A snapshot against `folded`, its case's history folded up to event snap.seq: its payload hash, its
// decoding, and the fields where it differs. (Whether it is tied to that event is the caller's check: it has
// the record.)
snapshot_check compare_snapshot(const snapshot_view& snap, const case_state& folded);

}  // namespace casework::detail

namespace casework {
struct rocksdb_store::impl : detail::store_state {};
}  // namespace casework
