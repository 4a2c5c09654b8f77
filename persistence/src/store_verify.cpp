// Verification: every hash chain, and every snapshot against the history it claims to fold
// (docs/storage-format.md, "Verification"; casework verify and casework replay).
#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "casework/case_bytes.hpp"
#include "store_state.hpp"

namespace casework {
using namespace detail;

namespace detail {

namespace {

// The dotted paths where two JSON objects differ, descending into objects present on both sides. Names only:
// values may be personal data.
void differing_fields(const boost::json::object& a, const boost::json::object& b, const std::string& prefix,
                      std::vector<std::string>& out) {
  std::set<std::string> keys;
  for (const auto& kv : a) keys.insert(std::string(kv.key()));
  for (const auto& kv : b) keys.insert(std::string(kv.key()));
  for (const auto& key : keys) {
    const auto* x = a.if_contains(key);
    const auto* y = b.if_contains(key);
    if (x && y && *x == *y) continue;
    if (x && y && x->is_object() && y->is_object())
      differing_fields(x->get_object(), y->get_object(), prefix + key + ".", out);
    else
      out.push_back(prefix + key);
  }
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

const char* const snapshot_hash_mismatch = "snapshot payload does not match its hash";

snapshot_check compare_snapshot(const snapshot_view& snap, const case_state& folded) {
  snapshot_check out;
  out.seq = snap.seq;
  if (sha256(snap.payload) != snap.payload_hash) {
    out.problem = snapshot_hash_mismatch;
    return out;
  }
  // The snapshot was written as snapshot_bytes(state) (encoding 2; snapshot_text(state), JSON, before): when
  // the folded history writes the very same bytes, it matches, without reading it (most of verify's time over a
  // store of many short cases).
  if ((is_snapshot_bytes(snap.payload) ? snapshot_bytes(folded) : snapshot_text(folded)) == snap.payload) return out;
  const auto replayed = to_snapshot(folded);
  auto stored = from_snapshot_bytes(snap.payload);
  if (!stored) {
    out.problem = "snapshot payload is not a case snapshot: " + stored.error().to_string();
    return out;
  }
  // Compared as JSON: the snapshot form is complete (from_snapshot(to_snapshot(s)) == s) and names its
  // fields.
  const auto kept = to_snapshot(*stored);
  if (replayed == kept) return out;
  differing_fields(kept, replayed, "", out.differences);
  out.problem = "snapshot differs from the history folded to event " + std::to_string(snap.seq) + " in " +
                joined(out.differences);
  return out;
}

}  // namespace detail

namespace {

std::string not_stored(std::uint64_t seq) {
  return "snapshot names event " + std::to_string(seq) + ", which is not stored";
}
std::string not_tied(std::uint64_t seq) {
  return "snapshot is not tied to event " + std::to_string(seq) + ": the event's hash differs";
}
// A snapshot names the record holding its event (the key its loads read first; docs/storage-format.md).
std::string not_in_record(std::uint64_t seq, std::uint64_t named, std::uint64_t record) {
  return "snapshot is not tied to event " + std::to_string(seq) + ": it names the record at " +
         std::to_string(named) + ", not " + std::to_string(record);
}

// One pass over the events column family, with a second iterator over the snapshots in step with it (both are
// in case id order): each case's snapshot is checked while its history is folded (at chain depth: when its
// event is reached).
class verifier {
 public:
  // The cases with ids in [lo, hi) ("" for hi: to the end), read through `ro` (one consistent snapshot for
  // every range of one verify).
  verifier(const store_state& s, const rocksdb::ReadOptions& ro, std::string lo, std::string hi,
           verify_depth depth, const std::function<void(std::uint64_t)>& progress)
      : lo_(std::move(lo)), hi_(std::move(hi)), upper_(hi_), depth_(depth), progress_(progress) {
    rocksdb::ReadOptions bounded = ro;
    if (!hi_.empty()) bounded.iterate_upper_bound = &upper_;
    events_.reset(s.db->NewIterator(bounded, s.events));
    snaps_.reset(s.db->NewIterator(bounded, s.snapshots));
  }

  expected<verify_report> run() {
    snaps_->Seek(lo_);
    bool started = false;
    for (events_->Seek(lo_); events_->Valid(); events_->Next()) {
      auto k = split_event_key(events_->key().ToStringView());
      if (!k) continue;
      if (!started || k->first != current_) {
        finish_case();
        start_case(k->first);
        started = true;
      }
      check_record(k->second, events_->value().ToStringView());
    }
    if (!events_->status().ok()) return storage_error(events_->status(), "verifying");
    finish_case();
    orphans_before(nullptr);
    if (!snaps_->status().ok()) return storage_error(snaps_->status(), "verifying the snapshots");
    if (progress_) progress_(r_.events);
    return std::move(r_);
  }

 private:
  struct pending_snapshot {
    std::string raw;  // the stored value; `view` points into it
    std::optional<snapshot_view> view;
    case_state folded;  // the history folded so far
    bool done = false;
  };

  void start_case(const std::string& id) {
    orphans_before(&id);
    current_ = id;
    expect_ = tail{};
    broken_ = false;
    ++r_.cases;
    snap_.reset();
    if (!snaps_->Valid() || snaps_->key().ToStringView() != id) return;
    ++r_.snapshots;
    snap_.emplace();
    snap_->raw = snaps_->value().ToString();
    snap_->view = decode_snapshot(snap_->raw);
    snaps_->Next();
    if (!snap_->view) snapshot_break(0, "snapshot is undecodable");
  }

  // A snapshot whose event was never reached: missing from an intact chain (a broken chain was reported).
  void finish_case() {
    if (snap_ && !snap_->done && !broken_) snapshot_break(snap_->view->seq, not_stored(snap_->view->seq));
  }

  // Snapshots of cases without events, up to `id` (all that are left when null).
  void orphans_before(const std::string* id) {
    for (; snaps_->Valid() && (!id || snaps_->key().ToStringView() < *id); snaps_->Next()) {
      ++r_.snapshots;
      auto view = decode_snapshot(snaps_->value().ToStringView());
      r_.breaks.push_back(
          chain_break{snaps_->key().ToString(), view ? view->seq : 0, "snapshot of a case with no events"});
    }
  }

  // A record's events, each counted; a case's first break only is reported.
  void check_record(std::uint64_t first, std::string_view value) {
    record_events r(first, value);
    std::uint64_t seq = 0;
    record_view rec;
    bool any = false;
    while (r.next(seq, rec)) {
      any = true;
      ++r_.events;
      if (progress_ && r_.events % 100000 == 0) progress_(r_.events);
      check_event(seq, first, rec);
    }
    if (r.malformed() && !broken_) {
      if (!any) ++r_.events;   // counted as the one event it could not show
      const std::uint64_t at = any ? seq + 1 : first;
      chain_break_at(at, at == expect_.seq + 1 ? "undecodable record"
                                               : "sequence gap after " + std::to_string(expect_.seq));
    }
  }

  void check_event(std::uint64_t seq, std::uint64_t record, const record_view& rec) {
    if (broken_) return;
    if (seq != expect_.seq + 1)
      return chain_break_at(seq, "sequence gap after " + std::to_string(expect_.seq));
    if (rec.previous != expect_.hash)
      return chain_break_at(seq, "previous hash does not match event " + std::to_string(expect_.seq));
    if (chain_hash(rec.previous, rec.payload) != rec.hash)
      return chain_break_at(seq, "hash does not match the stored event");
    expect_ = tail{seq, rec.hash, record};
    if (depth_ == verify_depth::chain) return tie_snapshot(seq, rec.hash, record);
    // The event lives until fold_into_snapshot returns (apply copies what it keeps into the folded state, in
    // the default storage), so its parse goes into an arena over one buffer for every event: for a typical
    // event no allocation and no per-element destruction of its ~40 keys and strings (one larger than the
    // buffer takes blocks from the heap; docs/performance.md 59.).
    // A new resource per event, not release(): Boost 1.81's release() keeps the size of the next block, which
    // doubles with every event that outgrows the buffer, until an allocation fails.
    arena_.emplace(arena_buffer_, sizeof arena_buffer_);
    auto e = decode_event(current_, seq, rec.payload, boost::json::storage_ptr(&*arena_));
    if (!e || e->seq != seq) return chain_break_at(seq, "payload is not the event its key names");
    fold_into_snapshot(*e, rec.hash, record);
  }

  void fold_into_snapshot(const event& e, const digest& hash, std::uint64_t record) {
    if (!snap_ || snap_->done) return;
    const snapshot_view& view = *snap_->view;
    if (auto st = apply(snap_->folded, e); !st.ok())
      return snapshot_break(view.seq, "snapshot cannot be checked: the history does not fold at event " +
                                          std::to_string(e.seq) + ": " + st.error().message());
    if (e.seq < view.seq) return;
    if (hash != view.event_hash) return snapshot_break(view.seq, not_tied(view.seq));
    if (record != view.record) return snapshot_break(view.seq, not_in_record(view.seq, view.record, record));
    auto check = compare_snapshot(view, snap_->folded);
    if (!check.ok()) return snapshot_break(view.seq, check.problem);
    snap_->done = true;
  }

  // Chain depth: the snapshot's event is reached with the hash the snapshot names, and its payload matches its
  // own hash. Its payload is not decoded.
  void tie_snapshot(std::uint64_t seq, const digest& hash, std::uint64_t record) {
    if (!snap_ || snap_->done || seq < snap_->view->seq) return;
    const snapshot_view& view = *snap_->view;
    if (hash != view.event_hash) return snapshot_break(view.seq, not_tied(view.seq));
    if (record != view.record) return snapshot_break(view.seq, not_in_record(view.seq, view.record, record));
    if (sha256(view.payload) != view.payload_hash) return snapshot_break(view.seq, snapshot_hash_mismatch);
    snap_->done = true;
  }

  void chain_break_at(std::uint64_t seq, std::string what) {
    r_.breaks.push_back(chain_break{current_, seq, std::move(what)});
    broken_ = true;
  }
  void snapshot_break(std::uint64_t seq, std::string what) {
    r_.breaks.push_back(chain_break{current_, seq, std::move(what)});
    snap_->done = true;
  }

  std::string lo_, hi_;
  rocksdb::Slice upper_;
  verify_depth depth_;
  std::unique_ptr<rocksdb::Iterator> events_, snaps_;
  const std::function<void(std::uint64_t)>& progress_;
  verify_report r_;
  std::string current_;
  tail expect_;
  bool broken_ = false;
  std::optional<pending_snapshot> snap_;
  // Each decoded event's JSON (check_event): one event at a time, freed before the next.
  alignas(std::max_align_t) unsigned char arena_buffer_[16384];
  std::optional<boost::json::monotonic_resource> arena_;
};

}  // namespace

namespace {

// Case ids that split the events into about `wanted` ranges of similar size, from the SST files' first keys
// (RocksDB's metadata: nothing is read). Each is the start of a case, so no history spans two ranges. Events
// still in the memtable fall in whichever range their ids do; a store without SST files is one range.
std::vector<std::string> range_starts(const store_state& s, std::size_t wanted) {
  rocksdb::ColumnFamilyMetaData meta;
  s.db->GetColumnFamilyMetaData(s.events, &meta);
  std::vector<std::pair<std::string, std::uint64_t>> files;   // (case id at the file's first key, bytes)
  std::uint64_t total = 0;
  for (const auto& level : meta.levels)
    for (const auto& f : level.files)
      if (auto k = split_event_key(f.smallestkey)) {
        files.emplace_back(k->first, f.size);
        total += f.size;
      }
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  if (wanted < 2 || total == 0) return out;
  std::uint64_t seen = 0;
  std::size_t next = 1;
  for (const auto& [id, size] : files) {
    if (seen >= total * next / wanted && !id.empty() && (out.empty() || out.back() != id)) {
      out.push_back(id);
      while (seen >= total * next / wanted) ++next;
    }
    seen += size;
  }
  return out;
}

}  // namespace

// Cases are independent: key ranges are verified on `threads` threads (four ranges per thread, taken in turn,
// so that a slow range does not leave a thread idle) and the reports joined in range order, which keeps the
// breaks in case order. Progress is the sum over the ranges, reported from one thread at a time.
expected<verify_report> rocksdb_store::verify(const verify_options& options) const {
  auto r = impl_->scan_reader();
  const auto& progress = options.progress;
  auto threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  auto starts = range_starts(*impl_, threads == 1 ? 1 : threads * 4);
  std::vector<std::pair<std::string, std::string>> ranges;
  std::string lo;
  for (const auto& b : starts) ranges.emplace_back(std::exchange(lo, b), b);
  ranges.emplace_back(lo, std::string());
  if (ranges.size() == 1) return verifier(*impl_, r.options, "", "", options.depth, progress).run();

  std::vector<std::optional<expected<verify_report>>> reports(ranges.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> verified{0};
  std::mutex progress_mu;
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < ranges.size();) {
      std::uint64_t reported = 0;
      std::function<void(std::uint64_t)> each;
      if (progress)
        each = [&](std::uint64_t n) {
          auto total = verified.fetch_add(n - reported) + (n - reported);
          reported = n;
          std::lock_guard<std::mutex> lock(progress_mu);
          progress(total);
        };
      reports[i] = verifier(*impl_, r.options, ranges[i].first, ranges[i].second, options.depth, each).run();
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < std::min(threads, ranges.size()); ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  verify_report all;
  for (auto& rep : reports) {
    if (!*rep) return std::move(*rep).error();
    auto& one = **rep;
    all.cases += one.cases;
    all.events += one.events;
    all.snapshots += one.snapshots;
    all.breaks.insert(all.breaks.end(), std::make_move_iterator(one.breaks.begin()),
                      std::make_move_iterator(one.breaks.end()));
  }
  return all;
}

expected<snapshot_check> rocksdb_store::check_snapshot(const std::string& case_id) const {
  auto r = impl_->reader();
  auto value = impl_->get(r.options, impl_->snapshots, case_id);
  if (!value) return std::move(value).error();
  if (!*value) return error(errc::not_found, "no stored snapshot", case_id);
  auto view = decode_snapshot(**value);
  if (!view) return snapshot_check{0, "snapshot is undecodable", {}};
  case_state folded;
  std::optional<digest> hash;
  std::optional<error> failed;
  auto st = impl_->scan_events(r.options, case_id, 0, [&](std::uint64_t seq, const record_view& rec) {
    if (seq > view->seq) return false;
    auto e = decode_event(case_id, seq, rec.payload);
    if (!e)
      failed = e.error();
    else if (auto applied = apply(folded, *e); !applied.ok())
      failed = applied.error();
    if (seq == view->seq) hash = rec.hash;
    return !failed;
  });
  if (!st.ok()) return st.error();
  if (failed) return *failed;
  if (!hash) return snapshot_check{view->seq, not_stored(view->seq), {}};
  if (*hash != view->event_hash) return snapshot_check{view->seq, not_tied(view->seq), {}};
  // The record the snapshot names holds its event (the first key a load reads).
  auto named = impl_->get(r.options, impl_->events, event_key(case_id, view->record));
  if (!named) return std::move(named).error();
  bool last = false;
  if (!*named || !event_in_record(view->record, **named, view->seq, last)) {
    std::uint64_t record = 0;   // the record that holds it: the last key at or before the event's
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(r.options, impl_->events));
    it->SeekForPrev(event_key(case_id, view->seq));
    if (it->Valid())
      if (auto k = split_event_key(it->key().ToStringView()); k && k->first == case_id) record = k->second;
    return snapshot_check{view->seq, not_in_record(view->seq, view->record, record), {}};
  }
  return compare_snapshot(*view, folded);
}

}  // namespace casework
