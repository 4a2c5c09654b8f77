// The RocksDB event store: opening, the format version, metadata (see rocksdb_store.hpp and
// docs/storage-format.md). Writes are in store_write.cpp, reads in store_read.cpp, verification in
// store_verify.cpp.
#include "casework/rocksdb_store.hpp"

#include <algorithm>

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include "store_state.hpp"

namespace casework {
using namespace detail;

namespace {

rocksdb::Options db_options(const store_options& o) {
  rocksdb::Options opt;
  opt.create_if_missing = o.create_if_missing;
  opt.create_missing_column_families = true;
  opt.paranoid_checks = true;                    // refuse to open on detected corruption
  opt.track_and_verify_wals_in_manifest = true;  // a missing or truncated WAL is detected at open
  opt.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;  // recover the synced prefix
  opt.max_background_jobs = 2;
  opt.max_bgerror_resume_count = 0;  // no automatic recovery from errors: the next write resumes (recover())
  if (o.env) opt.env = o.env;
  if (!o.secondary_path.empty()) opt.max_open_files = -1;  // required for secondary instances
  if (o.tune) o.tune(opt);
  return opt;
}

// The table options of a column family: every family's blocks in the store's one block cache, index and
// filter blocks included, so that what RocksDB holds in memory is bounded by that cache (and the memtables)
// however large the store grows. The index and the filter of each SST file are partitioned: a read loads the
// partitions it needs into the cache, and only each file's top level stays pinned (~1/100 of its index).
// Left to RocksDB's defaults, every open SST file kept its whole index (and filter) in memory, outside any
// cache: ~37 bytes per stored case (docs/performance.md 71.).
std::shared_ptr<rocksdb::TableFactory> table_factory(const std::shared_ptr<rocksdb::Cache>& cache,
                                                     bool bloom) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_top_level_index_and_filter = true;
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.metadata_block_size = 4096;
  if (bloom) {  // 10 bits per key over whole keys
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.whole_key_filtering = true;
    table.partition_filters = true;
  }
  return std::shared_ptr<rocksdb::TableFactory>(rocksdb::NewBlockBasedTableFactory(table));
}

// In the order of store_state's handles; each starts from the column family part of `opt`.
std::vector<rocksdb::ColumnFamilyDescriptor> column_families(const rocksdb::Options& opt,
                                                             const std::shared_ptr<rocksdb::Cache>& cache) {
  auto family = [&](const char* name, bool bloom) {
    rocksdb::ColumnFamilyOptions cf(opt);
    cf.table_factory = table_factory(cache, bloom);
    return rocksdb::ColumnFamilyDescriptor(name, cf);
  };
  return {
      family(rocksdb::kDefaultColumnFamilyName.c_str(), false),  // metadata: a few keys
      // No filter: histories are read by prefix scans, which none serves; a whole-key filter for the point
      // reads of absent events (the event after a snapshot's) bought no measurable time and cost memory per
      // stored event (docs/storage-format.md, "Options"; docs/performance.md 61.).
      family("events", false),    // prefix scans by case
      family("snapshots", true),  // point lookups by case id
      family("timers", false),    // range scans in due order only
      family("outbox", false),    // range scans by position
      family("index", true),      // point lookups of directory and notification keys
  };
}

std::string version_refused(const std::string& version) {
  return "store format version " + version + " is not one this build reads (" +
         std::to_string(rocksdb_store::oldest_format_version) + " to " +
         std::to_string(rocksdb_store::format_version) + ")";
}

// Format 2 (one key per event; snapshots without their record and directory value, which a `c` key held) is
// format 3 in every byte: a store of it is read as it is, and a writable open upgrades it by writing the new
// version (docs/storage-format.md).
bool readable(const std::string& version) {
  for (int v = rocksdb_store::oldest_format_version; v <= rocksdb_store::format_version; ++v)
    if (version == std::to_string(v)) return true;
  return false;
}

// A store of an older format lacks column families this build adds. Opening it as usual would create them,
// changing the store before its version could refuse it; so its version is read read-only first.
status refuse_older_format(const store_options& o, const rocksdb::Options& opt,
                           const std::vector<rocksdb::ColumnFamilyDescriptor>& families) {
  std::vector<std::string> present;
  if (!rocksdb::DB::ListColumnFamilies(opt, o.path, &present).ok()) return {};  // no store yet: open says so
  bool complete = true;
  for (const auto& cf : families)
    complete = complete && std::find(present.begin(), present.end(), cf.name) != present.end();
  if (complete) return {};
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs{{rocksdb::kDefaultColumnFamilyName, {}}};  // handles[0]
  for (const auto& name : present)
    if (name != rocksdb::kDefaultColumnFamilyName) cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::OpenForReadOnly(opt, o.path, cfs, &handles, &raw);
  if (!s.ok()) return storage_error(s, "cannot open " + o.path);
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string version;
  s = db->Get(rocksdb::ReadOptions(), handles[0], "format_version", &version);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  if (s.IsNotFound())
    return error(errc::failed_precondition, "holds no casework store (no format version)", o.path);
  if (!s.ok()) return storage_error(s, "reading the format version");
  if (readable(version)) return {};  // only CFs missing: open adds them
  return error(errc::failed_precondition, version_refused(version), o.path);
}

status check_format_version(store_state& p) {
  std::string version;
  auto s = p.db->Get(rocksdb::ReadOptions(), p.meta, "format_version", &version);
  if (s.IsNotFound()) {
    if (!p.writable())
      return error(errc::failed_precondition, "holds no casework store (no format version)", p.options.path);
    s = p.db->Put(p.write_options(), p.meta, "format_version", std::to_string(rocksdb_store::format_version));
    if (!s.ok()) return storage_error(s, "writing the format version");
    return {};
  }
  if (!s.ok()) return storage_error(s, "reading the format version");
  if (!readable(version)) return error(errc::failed_precondition, version_refused(version), p.options.path);
  if (version != std::to_string(rocksdb_store::format_version) && p.writable()) {
    // Before any write in the new format: an older build then refuses the store rather than misread it.
    s = p.db->Put(p.write_options(), p.meta, "format_version", std::to_string(rocksdb_store::format_version));
    if (!s.ok()) return storage_error(s, "upgrading the format version from " + version);
  }
  return {};
}

rocksdb::Status open_db(const store_options& o, const rocksdb::Options& opt,
                        const std::vector<rocksdb::ColumnFamilyDescriptor>& families, store_state& p) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (!o.secondary_path.empty())
    s = rocksdb::DB::OpenAsSecondary(opt, o.path, o.secondary_path, families, &p.handles, &raw);
  else if (o.read_only)
    s = rocksdb::DB::OpenForReadOnly(opt, o.path, families, &p.handles, &raw);
  else
    s = rocksdb::DB::Open(opt, o.path, families, &p.handles, &raw);
  if (s.ok()) p.db.reset(raw);
  return s;
}

}  // namespace

rocksdb_store::rocksdb_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
rocksdb_store::~rocksdb_store() = default;

expected<std::unique_ptr<rocksdb_store>> rocksdb_store::open(const store_options& options) {
  if (options.path.empty()) return error(errc::invalid_argument, "required", "path");
  if (options.block_cache_bytes == 0)
    return error(errc::invalid_argument, "must be at least 1", "block_cache_bytes");
  auto p = std::make_unique<impl>();
  p->options = options;
  p->block_cache = rocksdb::NewLRUCache(options.block_cache_bytes, -1, false, 0.5);
  auto opt = db_options(options);
  opt.listeners.push_back(p->listener);
  const auto families = column_families(opt, p->block_cache);
  if (auto r = refuse_older_format(options, opt, families); !r.ok()) return r.error();
  if (auto s = open_db(options, opt, families, *p); !s.ok())
    return storage_error(s, "cannot open " + options.path);
  p->meta = p->handles[0];
  p->events = p->handles[1];
  p->snapshots = p->handles[2];
  p->timers = p->handles[3];
  p->outbox = p->handles[4];
  p->index = p->handles[5];
  if (auto r = check_format_version(*p); !r.ok()) return r.error();
  if (p->writable()) {
    auto next = p->read_next_position(rocksdb::ReadOptions());
    if (!next) return std::move(next).error();
    p->next_position = *next;
  }
  return std::unique_ptr<rocksdb_store>(new rocksdb_store(std::move(p)));
}

// Counts from the listener; the condition now from RocksDB's write controller (the listener's notifications
// come from flush, compaction and write threads in no guaranteed order, so the last one heard need not be the
// condition in force).
storage_health rocksdb_store::health() const {
  auto h = impl_->listener->get();
  std::uint64_t stopped = 0, delayed_rate = 0;
  if (impl_->db->GetIntProperty(rocksdb::DB::Properties::kIsWriteStopped, &stopped) && stopped)
    h.write_stall = storage_health::stall::stopped;
  else if (impl_->db->GetIntProperty(rocksdb::DB::Properties::kActualDelayedWriteRate, &delayed_rate) && delayed_rate)
    h.write_stall = storage_health::stall::delayed;
  else
    h.write_stall = storage_health::stall::none;
  h.block_cache_bytes = impl_->block_cache->GetUsage();
  h.block_cache_capacity_bytes = impl_->block_cache->GetCapacity();
  std::uint64_t v = 0;
  if (impl_->db->GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &v))
    h.memtable_bytes = v;
  if (impl_->db->GetAggregatedIntProperty(rocksdb::DB::Properties::kEstimateTableReadersMem, &v))
    h.table_reader_bytes = v;
  return h;
}

status rocksdb_store::catch_up() {
  auto s = impl_->db->TryCatchUpWithPrimary();
  if (!s.ok()) return storage_error(s, "catching up with the primary");
  return {};
}

status rocksdb_store::put_meta(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (auto r = impl_->recover(); !r.ok()) return r;
  auto s = impl_->db->Put(impl_->write_options(), impl_->meta, key, value);
  if (!s.ok()) {
    impl_->write_failed = true;
    return storage_error(s, "writing " + key);
  }
  return {};
}

expected<std::string> rocksdb_store::get_meta(const std::string& key) const {
  auto v = impl_->get(rocksdb::ReadOptions(), impl_->meta, key);
  if (!v) return std::move(v).error();
  if (!*v) return error(errc::not_found, "no such metadata", key);
  return std::move(**v);
}

}  // namespace casework
