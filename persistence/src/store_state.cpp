#include "store_state.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "casework/json_text.hpp"

namespace casework::detail {

error storage_error(const rocksdb::Status& s, const std::string& what) {
  return error(errc::storage, what + ": " + s.ToString(), "store");
}

store_state::~store_state() {
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  if (db) (void)db->Close();
}

rocksdb::WriteOptions store_state::write_options() const {
  rocksdb::WriteOptions w;
  w.sync = options.sync;
  w.disableWAL = false;
  return w;
}

namespace {

const char* reason_name(rocksdb::BackgroundErrorReason r) {
  switch (r) {
    case rocksdb::BackgroundErrorReason::kFlush:
    case rocksdb::BackgroundErrorReason::kFlushNoWAL: return "flush";
    case rocksdb::BackgroundErrorReason::kCompaction: return "compaction";
    case rocksdb::BackgroundErrorReason::kWriteCallback: return "write";
    case rocksdb::BackgroundErrorReason::kMemTable: return "memtable";
    case rocksdb::BackgroundErrorReason::kManifestWrite:
    case rocksdb::BackgroundErrorReason::kManifestWriteNoWAL: return "manifest";
  }
  return "other";
}

}  // namespace

void store_listener::OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) {
  if (!error || error->ok()) return;
  std::lock_guard<std::mutex> lock(mu_);
  ++h_.background_errors_total[reason_name(reason)];
}

void store_listener::OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status, bool* auto_recovery) {
  if (auto_recovery) *auto_recovery = false;
}

void store_listener::OnStallConditionsChanged(const rocksdb::WriteStallInfo& info) {
  using rocksdb::WriteStallCondition;
  std::lock_guard<std::mutex> lock(mu_);
  const auto cur = info.condition.cur;
  if (cur != info.condition.prev) {
    if (cur == WriteStallCondition::kDelayed) ++h_.write_delays_total;
    if (cur == WriteStallCondition::kStopped) ++h_.write_stops_total;
  }
}

void store_listener::resumed() {
  std::lock_guard<std::mutex> lock(mu_);
  ++h_.resumes_total;
}

storage_health store_listener::get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return h_;
}

// RocksDB's automatic recovery is off (store_listener, max_bgerror_resume_count = 0): Resume() here is the
// only recovery, so it never answers Busy, and it succeeds as soon as the disk takes writes again.
status store_state::recover() {
  if (!write_failed) return {};
  rocksdb::Status s = db->Resume();
  if (!s.ok()) return storage_error(s, "the store cannot write since an earlier write failed (resuming)");
  write_failed = false;
  listener->resumed();
  return {};
}

void store_state::forget_caches() {
  tails.clear();          // the store may hold less than we think: re-read tails on the next write
  {
    std::lock_guard<std::mutex> lock(loaded_mu);
    loaded_tails.clear();
  }
  directories.clear();    // and directory values
  next_position.reset();  // and the outbox's end
}

// The tail from point reads: the event the case's snapshot names, in the record the snapshot names and as its
// last event, and that no record follows it (histories have no gaps: the next would be keyed seq + 1). The engine writes a snapshot with every batch, so this is the usual answer; an iterator would open a
// child on every level and L0 file first, on the store writer's one thread, for every case a timer backlog
// writes once (no cached tail). The hash is the stored event's own. nullopt: ask the iterator.
//
// A tail a load found (loaded_tails) stands for the first two reads: the event it names is stored with that
// hash (the load read it), and stored events are never rewritten. Only the third read, that no event followed,
// is made again.
std::optional<tail> store_state::tail_from_snapshot(const std::string& case_id) const {
  rocksdb::ReadOptions ro;
  rocksdb::PinnableSlice value;
  std::optional<tail> t;
  {
    std::lock_guard<std::mutex> lock(loaded_mu);
    if (auto it = loaded_tails.find(case_id); it != loaded_tails.end()) {
      t = it->second;
      loaded_tails.erase(it);
    }
  }
  if (!t) {
    if (!db->Get(ro, snapshots, case_id, &value).ok()) return std::nullopt;
    auto snap = decode_snapshot(value.ToStringView());
    if (!snap) return std::nullopt;
    const std::uint64_t seq = snap->seq, record = snap->record;
    value.Reset();
    if (!db->Get(ro, events, event_key(case_id, record), &value).ok()) return std::nullopt;
    bool last = false;
    auto rec = event_in_record(record, value.ToStringView(), seq, last);
    if (!rec || !last) return std::nullopt;   // not there, or later events of its batch follow it
    t = tail{seq, rec->hash, record};
    value.Reset();
  }
  // The next batch's record is keyed at seq + 1.
  auto next = db->Get(ro, events, event_key(case_id, t->seq + 1), &value);
  if (!next.IsNotFound()) return std::nullopt;   // a later event (or a read error): the iterator decides
  return t;
}

void store_state::loaded_tail(const std::string& case_id, const tail& t) const {
  if (!writable()) return;
  std::lock_guard<std::mutex> lock(loaded_mu);
  if (loaded_tails.size() >= max_loaded_tails) loaded_tails.clear();
  loaded_tails[case_id] = t;
}

expected<tail> store_state::last_of(const std::string& case_id) {
  if (auto it = tails.find(case_id); it != tails.end()) return it->second;
  if (auto t = tail_from_snapshot(case_id)) return *t;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), events));
  it->SeekForPrev(case_end(case_id));
  tail t;
  if (it->Valid()) {
    auto k = split_event_key(it->key().ToStringView());
    if (k && k->first == case_id) {
      auto last = last_in_record(k->second, it->value().ToStringView());
      if (!last) return undecodable_record(case_id, k->second);
      t = tail{last->first, last->second.hash, k->second};
    }
  }
  if (!it->status().ok()) return storage_error(it->status(), "reading the tail of " + case_id);
  return t;
}

expected<std::uint64_t> store_state::read_next_position(const rocksdb::ReadOptions& ro) const {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, outbox));
  it->SeekToLast();
  if (!it->status().ok()) return storage_error(it->status(), "reading the end of the outbox");
  if (!it->Valid()) return std::uint64_t{0};
  if (it->key().size() != 8) return error(errc::storage, "malformed outbox key", "outbox");
  return read_be64(it->key().ToStringView()) + 1;
}

status store_state::scan_events(const rocksdb::ReadOptions& ro, const std::string& case_id,
                                std::uint64_t from,
                                const std::function<bool(std::uint64_t, const record_view&)>& each,
                                std::optional<std::uint64_t> record) const {
  const std::string end = case_end(case_id);
  rocksdb::ReadOptions bounded = ro;
  rocksdb::Slice upper(end);
  bounded.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(bounded, events));
  // The record holding event `from` may start before it: the last key at or before it, if it is the case's.
  if (from <= 1 || record) {   // every history starts at 1
    it->Seek(event_key(case_id, record ? std::min(*record, from) : from));
  } else {
    it->SeekForPrev(event_key(case_id, from));
    if (!it->Valid() || !it->key().starts_with(case_prefix(case_id))) it->Seek(event_key(case_id, from));
  }
  for (; it->Valid(); it->Next()) {
    auto k = split_event_key(it->key().ToStringView());
    if (!k || k->first != case_id) return error(errc::storage, "malformed event key", case_id);
    record_events r(k->second, it->value().ToStringView());
    std::uint64_t seq = 0;
    record_view v;
    while (r.next(seq, v))
      if (seq >= from && !each(seq, v)) return {};
    if (r.malformed()) return undecodable_record(case_id, k->second);
  }
  if (!it->status().ok()) return storage_error(it->status(), "reading " + case_id);
  return {};
}

expected<std::optional<directory_value>> store_state::directory(const rocksdb::ReadOptions& ro,
                                                                const std::string& case_id) const {
  auto stored = get(ro, snapshots, case_id);
  if (!stored) return std::move(stored).error();
  if (!*stored) return std::optional<directory_value>();
  auto snap = decode_snapshot(**stored);
  if (!snap) return error(errc::storage, "its snapshot record is undecodable", case_id);
  bool under_key = false;
  if (!snap->directory) {   // format 2
    stored = get(ro, index, directory_key(case_id));
    if (!stored) return std::move(stored).error();
    if (!*stored) return error(errc::storage, "its directory value is missing", case_id);
    under_key = true;
  }
  auto v = decode_directory(snap->directory ? *snap->directory : std::string_view(**stored));
  if (!v) return error(errc::storage, "its directory value is undecodable: " + v.error().to_string(), case_id);
  v->under_key = under_key;
  return std::optional<directory_value>(std::move(*v));
}

expected<std::optional<std::string>> store_state::get(const rocksdb::ReadOptions& ro,
                                                      rocksdb::ColumnFamilyHandle* cf,
                                                      const std::string& key) const {
  std::string v;
  auto s = db->Get(ro, cf, key, &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return storage_error(s, "reading " + cf->GetName());
  return std::optional<std::string>(std::move(v));
}

error undecodable_record(const std::string& case_id, std::uint64_t first) {
  return error(errc::storage, "the record of events from " + std::to_string(first) + " is undecodable",
               case_id);
}

consistent_read store_state::scan_reader() const {
  auto r = reader();
  r.options.fill_cache = false;
  r.options.readahead_size = std::size_t{2} << 20;
  return r;
}

expected<event> decode_event(const std::string& case_id, std::uint64_t seq, std::string_view payload,
                             boost::json::storage_ptr sp) {
  boost::json::error_code ec;
  auto e = event_from_text(payload, ec, std::move(sp));
  if (ec) return error(errc::storage, "event " + std::to_string(seq) + " is not valid JSON", case_id);
  if (!e) return error(errc::storage, "event " + std::to_string(seq) + ": " + e.error().to_string(), case_id);
  return e;
}

}  // namespace casework::detail
