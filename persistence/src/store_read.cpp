// The read side: histories, cases loaded from their snapshots, the directory and its indexes, the timers and
// the outbox (docs/storage-format.md). Each call reads one consistent state of the store (store_state.hpp).
#include <boost/json.hpp>

#include "casework/case_bytes.hpp"
#include "casework/json_text.hpp"
#include "store_state.hpp"

namespace casework {
using namespace detail;

namespace {

expected<std::vector<stored_event>> chain_of(const store_state& s, const rocksdb::ReadOptions& ro,
                                             const std::string& case_id) {
  std::vector<stored_event> out;
  std::optional<error> failed;
  auto st = s.scan_events(ro, case_id, 0, [&](std::uint64_t seq, const record_view& rec) {
    auto e = decode_event(case_id, seq, rec.payload);
    if (!e)
      failed = e.error();
    else
      out.push_back(stored_event{std::move(*e), hex(rec.previous), hex(rec.hash)});
    return !failed;
  });
  if (!st.ok()) return st.error();
  if (failed) return *failed;
  if (out.empty()) return error(errc::not_found, "no such case", case_id);
  return out;
}

expected<case_state> fold_all(const store_state& s, const rocksdb::ReadOptions& ro,
                              const std::string& case_id) {
  auto chain = chain_of(s, ro, case_id);
  if (!chain) return std::move(chain).error();
  case_state state;
  for (const auto& e : *chain)
    if (auto st = apply(state, e.e); !st.ok()) return st.error();
  return state;
}

// A snapshot record that decodes, whose payload matches its hash and decodes to the state of the event it
// names, with that state; nullopt otherwise (the caller then folds the history).
std::optional<std::pair<snapshot_view, case_state>> usable_snapshot(std::string_view value) {
  auto snap = decode_snapshot(value);
  if (!snap || sha256(snap->payload) != snap->payload_hash) return std::nullopt;
  auto state = from_snapshot_bytes(snap->payload);  // encoding 2, or 1 (JSON) as written before
  if (!state || state->seq != snap->seq) return std::nullopt;
  return std::make_pair(*snap, std::move(*state));
}

// The case's snapshot with the events after it folded in; nullopt when it has no usable snapshot (none, or
// one that does not decode, match its hash, or name a stored event with the hash it holds).
expected<std::optional<case_state>> from_stored_snapshot(const store_state& s, const rocksdb::ReadOptions& ro,
                                                         const std::string& case_id) {
  auto value = s.get(ro, s.snapshots, case_id);
  if (!value) return std::move(value).error();
  const std::optional<case_state> none;
  if (!*value) return none;
  auto usable = usable_snapshot(**value);
  if (!usable) return none;
  auto& snap = usable->first;
  auto& state = usable->second;
  // Usually the snapshot folds the last event of its batch, the last one stored: two point reads (the record
  // holding the event it names, and that no record follows) answer that, where an iterator would open a child
  // on every level and L0 file first. Histories have no gaps, so no record at seq + 1 means no later event.
  auto named = s.get(ro, s.events, event_key(case_id, snap.record));
  if (!named) return std::move(named).error();
  if (!*named) return none;   // the event the snapshot names is not stored
  bool last = false;
  auto named_event = event_in_record(snap.record, **named, snap.seq, last);
  if (!named_event || named_event->hash != snap.event_hash) return none;
  if (last) {
    auto after = s.get(ro, s.events, event_key(case_id, snap.seq + 1));
    if (!after) return std::move(after).error();
    if (!*after) {   // for the case's next write (store_state.hpp)
      s.loaded_tail(case_id, tail{snap.seq, snap.event_hash, snap.record});
      return std::optional<case_state>(std::move(state));
    }
  }
  std::optional<error> failed;
  auto st = s.scan_events(
      ro, case_id, snap.seq + 1,
      [&](std::uint64_t seq, const record_view& rec) {
        auto e = decode_event(case_id, seq, rec.payload);
        if (!e)
          failed = e.error();
        else if (auto applied = apply(state, *e); !applied.ok())
          failed = applied.error();
        return !failed;
      },
      snap.record);
  if (!st.ok()) return st.error();
  if (failed) return *failed;  // a later event is broken: folding the whole history would fail on it too
  return std::optional<case_state>(std::move(state));
}

// Calls `each` with every key and value of the index family `family` from `start` (the family's first key
// when empty), until it returns false.
void scan_index(const store_state& s, const rocksdb::ReadOptions& ro, char family, const std::string& start,
                const std::function<bool(std::string_view key, std::string_view value)>& each) {
  const std::string first(1, family), end = prefix_end(first);
  rocksdb::ReadOptions bounded = ro;
  rocksdb::Slice upper(end);
  bounded.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(s.db->NewIterator(bounded, s.index));
  for (it->Seek(start.empty() ? first : start); it->Valid(); it->Next())
    if (!each(it->key().ToStringView(), it->value().ToStringView())) return;
}

// The entries of an index family whose values are entries (places, findings), in key order. Undecodable
// values are left out (verify does not check the indexes; the histories are the record).
// `limit` and `after` (a key suffix: the case id in `p`) page through the family.
std::vector<case_entry> entries_in(const store_state& s, char family, std::size_t limit = SIZE_MAX,
                                   const std::string& after = {}) {
  auto r = s.reader();
  std::vector<case_entry> out;
  if (limit == 0) return out;
  const std::string start = after.empty() ? std::string() : std::string(1, family) + after;
  scan_index(s, r.options, family, start, [&](std::string_view key, std::string_view value) {
    if (!start.empty() && key == start) return true;
    if (auto e = decode_entry(value)) out.push_back(std::move(*e));
    return out.size() < limit;
  });
  return out;
}

bool matches(const case_entry& e, const entry_query& q) {
  return (q.agency.empty() || e.agency == q.agency) && (q.workflow.empty() || e.workflow == q.workflow) &&
         (q.state.empty() || e.state == q.state) && (q.item.empty() || e.item == q.item);
}

// Every history in case id order, from one consistent read.
class store_histories final : public history_cursor {
 public:
  explicit store_histories(const store_state& s)
      : s_(s), read_(s.scan_reader()), it_(s.db->NewIterator(read_.options, s.events)) {}

  // A read error ends the cursor after one last case with an empty id and the error.
  bool next(std::string& case_id, expected<std::vector<event>>& history) override {
    start();
    for (; it_->Valid(); it_->Next())
      if (auto k = split_event_key(it_->key().ToStringView())) return next_case(k->first, case_id, history);
    return read_error(case_id, history);
  }

  // The state is the case's snapshot, read in step with the events (both families are in case id order), with
  // the events after it folded in. Of the events up to the snapshot's only those of `types` are decoded,
  // their type read from the text's head (event_type_of_text). A case without a snapshot that decodes and
  // matches its hash, or whose snapshot is not tied to the stored event it names, is read whole and folded
  // (the default).
  bool next_state(std::string& case_id, expected<case_state>& state, std::vector<event>& events,
                  const std::vector<std::string_view>& types) override {
    events.clear();
    start();
    for (; it_->Valid(); it_->Next())
      if (auto k = split_event_key(it_->key().ToStringView()))
        return state_of(k->first, case_id, state, events, types);
    return read_error(case_id, state);
  }

 private:
  // On the first call, not when the cursor is taken (on open): the first seek reads ahead in every file.
  void start() {
    if (std::exchange(started_, true)) return;
    it_->SeekToFirst();
  }

  template <class T>
  bool read_error(std::string& case_id, expected<T>& out) {
    if (it_->status().ok() || reported_) return false;
    reported_ = true;
    case_id.clear();
    out = storage_error(it_->status(), "reading the histories");
    return true;
  }

  // The case's usable snapshot (usable_snapshot), found by stepping the snapshots to the case's id.
  std::optional<std::pair<snapshot_view, case_state>> snapshot_of(const std::string& id) {
    if (!snaps_) {  // next() alone does not read them
      snaps_.reset(s_.db->NewIterator(read_.options, s_.snapshots));
      snaps_->SeekToFirst();
    }
    while (snaps_->Valid() && snaps_->key().compare(id) < 0) snaps_->Next();
    if (!snaps_->Valid() || snaps_->key().compare(id) != 0) return std::nullopt;
    return usable_snapshot(snaps_->value().ToStringView());
  }

  bool state_of(const std::string& id, std::string& case_id, expected<case_state>& state,
                std::vector<event>& events, const std::vector<std::string_view>& types) {
    auto snap = snapshot_of(id);
    const std::uint64_t folded = snap ? snap->first.seq : 0;  // the events up to it are in the snapshot
    bool tied = false, whole = !snap;
    std::optional<error> failed;
    for (; !whole && !failed && it_->Valid(); it_->Next()) {
      auto k = split_event_key(it_->key().ToStringView());
      if (!k || k->first != id) break;
      record_events r(k->second, it_->value().ToStringView());
      std::uint64_t seq = 0;
      record_view v;
      while (r.next(seq, v)) {
        if (seq == folded) tied = v.hash == snap->first.event_hash;
        if (seq > folded && !tied) {
          whole = true;
          break;
        }
        if (seq <= folded)
          if (auto type = event_type_of_text(v.payload); type && !one_of(*type, types)) continue;
        auto e = decode_event(id, seq, v.payload);
        if (!e) {
          failed = std::move(e).error();
          break;
        }
        if (seq > folded)
          if (auto applied = apply(snap->second, *e); !applied.ok()) {
            failed = applied.error();
            break;
          }
        if (one_of(e->type, types)) events.push_back(std::move(*e));
      }
      if (!whole && !failed && r.malformed()) failed = undecodable_record(id, k->second);
    }
    if (whole || (!failed && !tied)) {  // not tied: the event the snapshot names is not stored
      events.clear();
      it_->Seek(event_key(id, 0));
      return history_cursor::next_state(case_id, state, events, types);
    }
    case_id = id;
    if (failed) {
      events.clear();
      state = std::move(*failed);
      it_->Seek(case_end(id));
      return true;
    }
    state = std::move(snap->second);
    return true;
  }

  bool next_case(const std::string& id, std::string& case_id, expected<std::vector<event>>& history) {
    case_id = id;
    std::vector<event> events;
    for (; it_->Valid(); it_->Next()) {
      auto k = split_event_key(it_->key().ToStringView());
      if (!k || k->first != id) break;
      record_events r(k->second, it_->value().ToStringView());
      std::uint64_t seq = 0;
      record_view v;
      std::optional<error> failed;
      while (!failed && r.next(seq, v)) {
        auto e = decode_event(id, seq, v.payload);
        if (e)
          events.push_back(std::move(*e));
        else
          failed = std::move(e).error();
      }
      if (!failed && r.malformed())
        failed = undecodable_record(id, k->second);
      if (failed) {
        history = std::move(*failed);
        it_->Seek(case_end(id));
        return true;
      }
    }
    history = std::move(events);
    return true;
  }

  const store_state& s_;
  consistent_read read_;  // outlives the iterators
  std::unique_ptr<rocksdb::Iterator> it_;
  std::unique_ptr<rocksdb::Iterator> snaps_;  // the snapshots, in step with it_ (next_state)
  bool started_ = false;
  bool reported_ = false;
};

}  // namespace

expected<std::vector<stored_event>> rocksdb_store::read_chain(const std::string& case_id) const {
  auto r = impl_->reader();
  return chain_of(*impl_, r.options, case_id);
}

expected<std::vector<event>> rocksdb_store::read(const std::string& case_id) const {
  auto chain = read_chain(case_id);
  if (!chain) return std::move(chain).error();
  std::vector<event> out;
  out.reserve(chain->size());
  for (auto& s : *chain) out.push_back(std::move(s.e));
  return out;
}

expected<case_state> rocksdb_store::load(const std::string& case_id) const {
  auto r = impl_->reader();
  auto state = from_stored_snapshot(*impl_, r.options, case_id);
  if (!state) return std::move(state).error();
  if (*state) return std::move(**state);
  return fold_all(*impl_, r.options, case_id);
}

// Every recorded history starts at seq 1 (appends refuse a gap), so one point read of that key answers: an
// iterator would open a child on every level and L0 file first, and the registry asks on every activation
// (38% of its time in a timer backlog).
bool rocksdb_store::contains(const std::string& case_id) const {
  rocksdb::PinnableSlice value;
  return impl_->db->Get(rocksdb::ReadOptions(), impl_->events, event_key(case_id, 1), &value).ok();
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

// From the events, not the directory: a case appended without a derived entry still holds its id.
std::string rocksdb_store::last_case_id(const std::string& prefix) const {
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->events));
  const std::string end = prefix_end(prefix);  // every key of an id starting with `prefix` sorts before it
  if (end.empty())
    it->SeekToLast();
  else
    it->SeekForPrev(end);
  for (; it->Valid(); it->Prev()) {
    auto k = split_event_key(it->key().ToStringView());
    if (!k || (!end.empty() && it->key().compare(end) >= 0)) continue;
    return k->first.compare(0, prefix.size(), prefix) == 0 ? k->first : std::string();
  }
  return {};
}

std::unique_ptr<history_cursor> rocksdb_store::histories() const {
  return std::make_unique<store_histories>(*impl_);
}

// Every case with an entry has a snapshot (both come with `derived`), which holds its directory value (a case
// last written in format 2: its `c` key does).
std::vector<case_entry> rocksdb_store::list(const entry_query& q) const {
  std::vector<case_entry> out;
  if (q.limit == 0) return out;
  auto r = impl_->reader();
  // Keeps a matching entry; false once the page is full.
  auto keep = [&](case_entry&& e) {
    if (matches(e, q)) out.push_back(std::move(e));
    return out.size() < q.limit;
  };
  // The same for a case whose directory value is read on its own (undecodable ones are left out).
  auto keep_read = [&](std::string_view id) {
    auto v = impl_->directory(r.options, std::string(id));
    return !v || !*v || keep(std::move((*v)->entry));
  };
  if (q.agency.empty()) {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(r.options, impl_->snapshots));
    for (it->Seek(q.after); it->Valid(); it->Next()) {
      const auto id = it->key().ToStringView();
      if (!q.after.empty() && id == q.after) continue;
      auto snap = decode_snapshot(it->value().ToStringView());
      if (!snap) continue;
      if (!snap->directory) {   // format 2: its `c` key
        if (!keep_read(id)) break;
        continue;
      }
      auto v = decode_directory(*snap->directory);
      if (v && !keep(std::move(v->entry))) break;
    }
    return out;
  }
  const std::string prefix = agency_prefix(q.agency), start = prefix + q.after;
  scan_index(*impl_, r.options, index_family::agency, start, [&](std::string_view key, std::string_view) {
    if (key.substr(0, prefix.size()) != prefix) return false;
    if (key == start) return true;
    return keep_read(key.substr(prefix.size()));
  });
  return out;
}

expected<case_entry> rocksdb_store::entry(const std::string& case_id) const {
  auto r = impl_->reader();   // a case of format 2 reads two keys
  auto v = impl_->directory(r.options, case_id);
  if (!v) return std::move(v).error();
  if (!*v) return error(errc::not_found, "no such case", case_id);
  return std::move((*v)->entry);
}

std::vector<case_entry> rocksdb_store::open_at_places(std::size_t limit, const std::string& after) const {
  return entries_in(*impl_, index_family::place, limit, after);
}

std::vector<case_entry> rocksdb_store::findings() const {
  return entries_in(*impl_, index_family::finding);
}

std::vector<stored_timer> rocksdb_store::timers(std::size_t limit,
                                                const std::optional<stored_timer>& after) const {
  std::vector<stored_timer> out;
  if (limit == 0) return out;
  auto r = impl_->reader();
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(r.options, impl_->timers));
  const std::string start =
      after ? timer_key(after->timer.due, after->case_id, after->timer.name) : std::string();
  for (it->Seek(start); it->Valid() && out.size() < limit; it->Next()) {
    if (after && it->key() == start) continue;
    auto t = split_timer_key(it->key().ToStringView());
    if (!t) continue;
    t->timer.rule = it->value().ToString();
    out.push_back(std::move(*t));
  }
  return out;
}

std::vector<notification_record> rocksdb_store::notifications(std::uint64_t position,
                                                              std::size_t limit) const {
  std::vector<notification_record> out;
  if (limit == 0) return out;
  auto r = impl_->reader();
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(r.options, impl_->outbox));
  for (it->Seek(be64(position)); it->Valid() && out.size() < limit; it->Next()) {
    if (it->key().size() != 8) continue;
    boost::json::error_code ec;
    auto v = parse_json(it->value().ToStringView(), ec);
    if (ec) continue;
    auto record = notification_from_json(v);
    if (!record) continue;
    record->position = read_be64(it->key().ToStringView());  // the key is the record's place
    out.push_back(std::move(*record));
  }
  return out;
}

std::uint64_t rocksdb_store::notification_count() const {
  auto next = impl_->read_next_position(rocksdb::ReadOptions());
  return next ? *next : 0;
}

}  // namespace casework
