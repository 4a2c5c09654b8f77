// The RocksDB event store (see rocksdb_store.hpp and docs/storage-format.md).
#include "casework/rocksdb_store.hpp"

#include <mutex>
#include <thread>
#include <unordered_map>

#include <boost/json.hpp>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/write_batch.h>

#include "encoding.hpp"

namespace casework {
using namespace detail;

namespace {

// The one place where rocksdb::Status becomes a casework error.
error storage_error(const rocksdb::Status& s, const std::string& what) {
  return error(errc::storage, what + ": " + s.ToString(), "store");
}

struct tail {
  std::uint64_t seq = 0;
  digest hash{};
};

rocksdb::Options db_options(const store_options& o) {
  rocksdb::Options opt;
  opt.create_if_missing = o.create_if_missing;
  opt.create_missing_column_families = true;
  opt.paranoid_checks = true;                       // refuse to open on detected corruption
  opt.track_and_verify_wals_in_manifest = true;     // a missing or truncated WAL is detected at open
  opt.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;   // recover the synced prefix
  opt.max_background_jobs = 2;
  if (o.env) opt.env = o.env;
  return opt;
}

rocksdb::ColumnFamilyOptions events_options() {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = false;                // events are read by case prefix, not by point lookups
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

}  // namespace

struct rocksdb_store::impl {
  store_options options;
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::ColumnFamilyHandle* meta = nullptr;     // the default column family
  rocksdb::ColumnFamilyHandle* events = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  mutable std::mutex mu;                           // writers: tails and the write itself
  std::unordered_map<std::string, tail> tails;     // last seq and hash of cases written through this instance
  bool write_failed = false;                       // RocksDB stops writing after a failed write until resumed

  // Lets RocksDB write again after a failed write (a full disk that has room again). Caller holds mu.
  status recover() {
    if (!write_failed) return {};
    rocksdb::Status s = db->Resume();   // OK when RocksDB already recovered by itself
    for (int i = 0; s.IsBusy() && i < 200; ++i) {   // its own recovery is running: wait up to 2 s
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      s = db->Resume();
    }
    if (!s.ok())
      return storage_error(s, "the store stopped writing after an earlier write failed; reopen it");
    write_failed = false;
    return {};
  }

  ~impl() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    if (db) (void)db->Close();
  }

  rocksdb::WriteOptions write_options() const {
    rocksdb::WriteOptions w;
    w.sync = options.sync;
    w.disableWAL = false;
    return w;
  }

  // The case's last seq and hash, from the cache or the store. Caller holds mu.
  expected<tail> last_of(const std::string& case_id) {
    if (auto it = tails.find(case_id); it != tails.end()) return it->second;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), events));
    it->SeekForPrev(case_end(case_id));
    tail t;
    if (it->Valid()) {
      auto k = split_event_key(it->key().ToStringView());
      if (k && k->first == case_id) {
        auto rec = decode_record(it->value().ToStringView());
        if (!rec) return error(errc::storage, "undecodable stored event " + std::to_string(k->second), case_id);
        t.seq = k->second;
        t.hash = rec->hash;
      }
    }
    if (!it->status().ok()) return storage_error(it->status(), "reading the tail of " + case_id);
    return t;
  }

  // Adds a case's events to `batch`, chained to its tail; returns the new tail.
  expected<tail> stage(rocksdb::WriteBatch& batch, const case_events& c, const tail& from) {
    tail t = from;
    for (const auto& e : c.events) {
      if (e.seq != t.seq + 1)
        return error(errc::failed_precondition,
                     "event " + std::to_string(e.seq) + " does not follow " + std::to_string(t.seq), c.case_id + ".seq");
      std::string payload = boost::json::serialize(to_json(e));
      digest h = chain_hash(t.hash, payload);
      auto s = batch.Put(events, event_key(c.case_id, e.seq), encode_record(t.hash, h, payload));
      if (!s.ok()) return storage_error(s, "staging " + c.case_id);
      t.seq = e.seq;
      t.hash = h;
    }
    return t;
  }
};

rocksdb_store::rocksdb_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
rocksdb_store::~rocksdb_store() = default;

expected<std::unique_ptr<rocksdb_store>> rocksdb_store::open(const store_options& options) {
  if (options.path.empty()) return error(errc::invalid_argument, "required", "path");
  auto p = std::make_unique<impl>();
  p->options = options;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs{
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"events", events_options()}};
  auto opt = db_options(options);
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (!options.secondary_path.empty()) {
    opt.max_open_files = -1;   // required for secondary instances
    s = rocksdb::DB::OpenAsSecondary(opt, options.path, options.secondary_path, cfs, &p->handles, &raw);
  } else if (options.read_only) {
    s = rocksdb::DB::OpenForReadOnly(opt, options.path, cfs, &p->handles, &raw);
  } else {
    s = rocksdb::DB::Open(opt, options.path, cfs, &p->handles, &raw);
  }
  if (!s.ok()) return storage_error(s, "cannot open " + options.path);
  p->db.reset(raw);
  p->meta = p->handles[0];
  p->events = p->handles[1];
  std::string version;
  s = p->db->Get(rocksdb::ReadOptions(), p->meta, "format_version", &version);
  if (s.IsNotFound()) {
    if (options.read_only || !options.secondary_path.empty())
      return error(errc::failed_precondition, "holds no casework store (no format version)", options.path);
    s = p->db->Put(p->write_options(), p->meta, "format_version", std::to_string(format_version));
    if (!s.ok()) return storage_error(s, "writing the format version");
  } else if (!s.ok()) {
    return storage_error(s, "reading the format version");
  } else if (version != std::to_string(format_version)) {
    return error(errc::failed_precondition,
                 "store format version " + version + " is not " + std::to_string(format_version) +
                     ", the one this build reads", options.path);
  }
  return std::unique_ptr<rocksdb_store>(new rocksdb_store(std::move(p)));
}

status rocksdb_store::append(const std::string& case_id, const std::vector<event>& events) {
  return append_group({case_events{case_id, events}});
}

status rocksdb_store::append_group(const std::vector<case_events>& batches) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (auto r = impl_->recover(); !r.ok()) return r;
  rocksdb::WriteBatch batch;
  std::unordered_map<std::string, tail> staged;   // a case may appear more than once in a group
  for (const auto& c : batches) {
    if (c.events.empty()) continue;
    tail from;
    if (auto it = staged.find(c.case_id); it != staged.end()) {
      from = it->second;
    } else {
      auto t = impl_->last_of(c.case_id);
      if (!t) return t.error();
      from = *t;
    }
    auto next = impl_->stage(batch, c, from);
    if (!next) return next.error();
    staged[c.case_id] = *next;
  }
  if (staged.empty()) return {};
  auto s = impl_->db->Write(impl_->write_options(), &batch);
  if (!s.ok()) {
    impl_->tails.clear();   // the store may hold less than we think: re-read tails on the next write
    impl_->write_failed = true;
    // In doubt, not refused: the batch may still be found after a restart (its bytes may be in the WAL).
    return storage_error(s, "writing " + std::to_string(batches.size()) + " case batch(es)");
  }
  for (auto& [id, t] : staged) impl_->tails[id] = t;
  return {};
}

expected<std::vector<stored_event>> rocksdb_store::read_chain(const std::string& case_id) const {
  std::vector<stored_event> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->events));
  auto end = case_end(case_id);
  for (it->Seek(case_prefix(case_id)); it->Valid() && it->key().compare(end) < 0; it->Next()) {
    auto k = split_event_key(it->key().ToStringView());
    auto rec = decode_record(it->value().ToStringView());
    if (!k || !rec) return error(errc::storage, "undecodable stored event", case_id);
    boost::json::error_code ec;
    auto v = boost::json::parse(rec->payload, ec);
    if (ec) return error(errc::storage, "event " + std::to_string(k->second) + " is not valid JSON", case_id);
    auto e = event_from_json(v);
    if (!e) return error(errc::storage, "event " + std::to_string(k->second) + ": " + e.error().to_string(), case_id);
    out.push_back(stored_event{std::move(*e), hex(rec->previous), hex(rec->hash)});
  }
  if (!it->status().ok()) return storage_error(it->status(), "reading " + case_id);
  if (out.empty()) return error(errc::not_found, "no such case", case_id);
  return out;
}

expected<std::vector<event>> rocksdb_store::read(const std::string& case_id) const {
  auto chain = read_chain(case_id);
  if (!chain) return std::move(chain).error();
  std::vector<event> out;
  out.reserve(chain->size());
  for (auto& s : *chain) out.push_back(std::move(s.e));
  return out;
}

std::vector<std::string> rocksdb_store::case_ids() const {
  std::vector<std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->events));
  for (it->SeekToFirst(); it->Valid();) {
    auto k = split_event_key(it->key().ToStringView());
    if (!k) {
      it->Next();
      continue;
    }
    out.push_back(k->first);
    it->Seek(case_end(k->first));
  }
  return out;
}

expected<verify_report> rocksdb_store::verify(const std::function<void(std::uint64_t)>& progress) const {
  verify_report r;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->events));
  std::string current;
  tail expect;
  bool broken = false;
  auto fail = [&](std::uint64_t seq, std::string what) {
    r.breaks.push_back(chain_break{current, seq, std::move(what)});
    broken = true;
  };
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto k = split_event_key(it->key().ToStringView());
    if (!k) continue;
    if (k->first != current) {
      current = k->first;
      expect = tail{};
      broken = false;
      ++r.cases;
    }
    ++r.events;
    if (progress && r.events % 100000 == 0) progress(r.events);
    if (broken) continue;   // report the first break of a case only
    auto rec = decode_record(it->value().ToStringView());
    if (k->second != expect.seq + 1) fail(k->second, "sequence gap after " + std::to_string(expect.seq));
    else if (!rec) fail(k->second, "undecodable record");
    else if (rec->previous != expect.hash) fail(k->second, "previous hash does not match event " + std::to_string(expect.seq));
    else if (chain_hash(rec->previous, rec->payload) != rec->hash) fail(k->second, "hash does not match the stored event");
    else {
      boost::json::error_code ec;
      auto v = boost::json::parse(rec->payload, ec);
      auto e = ec ? expected<event>(error(errc::storage, "not JSON")) : event_from_json(v);
      if (!e || e->seq != k->second) fail(k->second, "payload is not the event its key names");
      expect.seq = k->second;
      expect.hash = rec->hash;
    }
  }
  if (!it->status().ok()) return storage_error(it->status(), "verifying");
  if (progress) progress(r.events);
  return r;
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
  std::string v;
  auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->meta, key, &v);
  if (s.IsNotFound()) return error(errc::not_found, "no such metadata", key);
  if (!s.ok()) return storage_error(s, "reading " + key);
  return v;
}

}  // namespace casework
