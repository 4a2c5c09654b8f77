// The write path: one WriteBatch per group, holding the events and everything derived from them
// (docs/storage-format.md, "Writes").
#include <algorithm>
#include <map>
#include <thread>
#include <unordered_set>

#include <rocksdb/write_batch.h>
#include <boost/json.hpp>

#include "casework/json_text.hpp"
#include "store_state.hpp"

namespace casework {
using namespace detail;

namespace {

// Key parts followed by a 0x00 separator must not hold one, or keys of different cases would interleave.
status check_key_part(const std::string& value, const std::string& field, bool required) {
  if (required && value.empty()) return error(errc::invalid_argument, "required", field);
  if (value.find('\0') != std::string::npos)
    return error(errc::invalid_argument, "must not contain NUL", field);
  return {};
}

// Stages one group in one WriteBatch. A case may appear in several batches of a group and a notification key
// in several events: what the group staged so far counts as stored for the batches after it.
class group_writer {
 public:
  group_writer(store_state& s, std::uint64_t next_position) : s_(s), next_position_(next_position) {}

  status stage(const case_events& c) {
    if (c.events.empty()) return {};
    if (auto r = check_key_part(c.case_id, "case_id", true); !r.ok()) return r;
    auto from = tail_of(c.case_id, c.events.front().seq);
    if (!from) return from.error();
    auto hashes = stage_events(c, *from);
    if (!hashes) return hashes.error();
    tails_[c.case_id] = hashes->back();
    if (c.derived) {
      if (auto r = stage_derived(c.case_id, *c.derived, *hashes); !r.ok()) return r;
    }
    return stage_outbox(c);
  }

  // Reads, on several threads, what staging reads of each case whose tail is not cached: its tail and its
  // directory value. In a timer backlog every case is written once, so nothing is cached and each read may wait
  // on the disk; read one after the other on the writer's one thread they were most of its time (a group of ~400
  // cases took ~64 ms at 1,000,000 due timers). What a read cannot answer is left to staging, which reads it
  // again and reports the error.
  void prefetch(const std::vector<case_events>& batches) {
    std::vector<std::string> ids;
    std::unordered_set<std::string> seen;
    for (const auto& c : batches)   // a batch that starts a case needs one read, made while staging (tail_of)
      if (!c.events.empty() && c.events.front().seq != 1 && !s_.tails.count(c.case_id) &&
          seen.insert(c.case_id).second)
        ids.push_back(c.case_id);
    if (ids.size() < prefetch_at_least) return;
    const std::size_t threads = std::min(prefetch_threads, ids.size() / (prefetch_at_least / 2));
    std::vector<std::optional<tail>> tails(ids.size());
    std::vector<std::optional<std::optional<directory_value>>> dirs(ids.size());
    auto read = [&](std::size_t from) {
      for (std::size_t i = from; i < ids.size(); i += threads) {
        tails[i] = s_.tail_from_snapshot(ids[i]);
        if (s_.directories.count(ids[i])) continue;   // cached (read only: nothing writes during the prefetch)
        if (auto d = stored_directory(ids[i])) dirs[i] = std::move(*d);
      }
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(read, t);
    read(0);
    for (auto& t : pool) t.join();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (tails[i]) prefetched_tails_.emplace(ids[i], *tails[i]);
      if (dirs[i]) prefetched_dirs_.emplace(ids[i], std::move(*dirs[i]));
    }
  }

  rocksdb::WriteBatch& batch() { return batch_; }
  bool empty() const { return tails_.empty(); }
  const std::unordered_map<std::string, tail>& tails() const { return tails_; }
  const std::unordered_map<std::string, std::optional<directory_value>>& directories() const { return dirs_; }
  std::uint64_t next_position() const { return next_position_; }

 private:
  using chain = std::vector<tail>;  // the tail before the batch, then each event of the batch

  // `first` is the seq of the batch's first event. A batch that starts a case (first == 1) is checked with one
  // point read of the case's event 1: events are never deleted and every history starts at 1, so without it
  // the case has no events, and then no directory value and no notification keys either (they are written
  // only in the same atomic batches as its events): the case is new, and staging it reads nothing more. With
  // it, the tail is read as for any case, and the batch is refused as not following it.
  expected<tail> tail_of(const std::string& id, std::uint64_t first) {
    if (auto it = tails_.find(id); it != tails_.end()) return it->second;
    if (auto it = prefetched_tails_.find(id); it != prefetched_tails_.end()) return it->second;
    if (first == 1) {
      auto one = s_.get(rocksdb::ReadOptions(), s_.events, event_key(id, 1));
      if (!one) return one.error();
      if (!*one) {
        new_cases_.insert(id);
        return tail{};
      }
    }
    return s_.last_of(id);
  }

  // The batch's events in one record, under the key of its first event (docs/storage-format.md): one key, one
  // memtable insert on the writer's thread, however many events the batch has.
  expected<chain> stage_events(const case_events& c, const tail& from) {
    chain out{from};
    const std::uint64_t first = c.events.front().seq;
    record_writer record(from.hash, c.events.size());
    for (const auto& e : c.events) {
      const tail& t = out.back();
      if (e.seq != t.seq + 1)
        return error(errc::failed_precondition,
                     "event " + std::to_string(e.seq) + " does not follow " + std::to_string(t.seq),
                     c.case_id + ".seq");
      std::string payload = event_text(e);
      digest h = chain_hash(t.hash, payload);
      record.add(h, payload);
      out.push_back(tail{e.seq, h, first});
    }
    if (auto r = put(s_.events, event_key(c.case_id, first), record.bytes()); !r.ok()) return r.error();
    return out;
  }

  // The snapshot, tied to the chain by the hash of the event it folds last, and the directory.
  status stage_derived(const std::string& id, const case_derived& d, const chain& hashes) {
    const std::string field = id + ".derived";
    auto at = std::find_if(hashes.begin(), hashes.end(), [&](const tail& t) { return t.seq == d.seq; });
    if (d.seq == 0 || at == hashes.end())
      return error(errc::invalid_argument,
                   std::to_string(d.seq) + " is not an event of its batch (" +
                       std::to_string(hashes.front().seq + 1) + ".." + std::to_string(hashes.back().seq) +
                       ")",
                   field + ".seq");
    if (d.snapshot.empty()) return error(errc::invalid_argument, "required", field + ".snapshot");
    if (d.entry.id != id)
      return error(errc::invalid_argument, "must be the batch's case id", field + ".entry.id");
    if (auto r = check_key_part(d.entry.agency, field + ".entry.agency", false); !r.ok()) return r;
    if (auto r = stage_directory(id, d); !r.ok()) return r;
    // The directory value goes in the snapshot's record: one key fewer than format 2's `c` key, and one of the
    // writer's dearest memtable inserts (docs/performance.md 66.).
    return put(s_.snapshots, id,
               encode_snapshot(d.seq, at->record, at->hash, encode_directory(d.entry, d.timers), d.snapshot));
  }

  // Replaces the case's timers and index keys, against the previous ones (named by its directory value): a
  // timer key both have with the same rule is left as it is, a new or changed one is put (a put overwrites),
  // and a key only the previous timers have is deleted. Most commands keep most of a case's timers, and every
  // key written costs a memtable insert on the writer's one thread (docs/performance.md).
  status stage_directory(const std::string& id, const case_derived& d) {
    auto previous = directory_of(id);
    if (!previous) return previous.error();
    std::map<std::string, std::string> gone;   // previous timer key -> its rule, until the new timers keep it
    bool agency_kept = false;
    const std::string entry = encode_entry(d.entry);
    const bool keyed = d.entry.at_place() || d.entry.has_finding();   // a place or finding key holds the entry
    bool entry_kept = false;                                          // that key holds it as stored already
    if (*previous) {
      const case_entry& old = (*previous)->entry;
      entry_kept = keyed && encode_entry(old) == entry;
      for (const auto& t : (*previous)->timers) gone.emplace(timer_key(t.due, id, t.name), t.rule);
      agency_kept = old.agency == d.entry.agency;
      if (!agency_kept) del(s_.index, agency_key(old.agency, id));
      // A key put again below is overwritten there: deleting it first would be one more memtable insert.
      if (old.at_place() && !d.entry.at_place()) del(s_.index, place_key(id));
      if (old.has_finding() && !(d.entry.has_finding() && d.entry.closed_at == old.closed_at))
        del(s_.index, finding_key(old.closed_at, id));
    }
    for (const auto& t : d.timers) {
      std::string key = timer_key(t.due, id, t.name);
      auto it = gone.find(key);
      bool same = it != gone.end() && it->second == t.rule;
      if (it != gone.end()) gone.erase(it);
      if (same) continue;
      if (auto r = put(s_.timers, key, t.rule); !r.ok()) return r;
    }
    for (const auto& kv : gone) del(s_.timers, kv.first);
    // A case written in format 2 had its directory value under a `c` key; the snapshot holds it now.
    if (*previous && (*previous)->under_key) del(s_.index, directory_key(id));
    std::vector<std::pair<std::string, std::string>> puts;
    if (!agency_kept) puts.emplace_back(agency_key(d.entry.agency, id), "");
    // A reminder's batch leaves the entry as it was (entry_may_change): its place or finding key is not written
    // again.
    if (d.entry.at_place() && !entry_kept) puts.emplace_back(place_key(id), entry);
    if (d.entry.has_finding() && !entry_kept) puts.emplace_back(finding_key(d.entry.closed_at, id), entry);
    for (const auto& [k, v] : puts)
      if (auto r = put(s_.index, k, v); !r.ok()) return r;
    dirs_[id] = directory_value{d.entry, d.timers};
    return {};
  }

  // The case's directory value as the group leaves it so far: staged, or stored (one point read).
  expected<std::optional<directory_value>> directory_of(const std::string& id) {
    if (auto it = dirs_.find(id); it != dirs_.end()) return it->second;
    if (new_cases_.count(id)) return std::optional<directory_value>();   // tail_of: nothing stored
    if (auto it = prefetched_dirs_.find(id); it != prefetched_dirs_.end()) return it->second;
    if (auto it = s_.directories.find(id); it != s_.directories.end())
      return std::optional<directory_value>(it->second);
    return stored_directory(id);
  }

  // The case's stored directory value (a point read of its snapshot, and of its `c` key for a case last
  // written in format 2).
  expected<std::optional<directory_value>> stored_directory(const std::string& id) const {
    return s_.directory(rocksdb::ReadOptions(), id);
  }

  // An outbox record for each notification whose key is neither stored nor staged.
  status stage_outbox(const case_events& c) {
    const bool fresh = new_cases_.count(c.case_id) > 0;
    for (auto& r : notifications_of(c.case_id, c.events)) {
      if (notification_keys_.count(r.key)) continue;
      // A key that starts with its case's id (the engine's are "case:kind:due") cannot be stored for a new case.
      const bool own = r.key.size() > c.case_id.size() && r.key.compare(0, c.case_id.size(), c.case_id) == 0 &&
                       r.key[c.case_id.size()] == ':';
      if (!(fresh && own)) {
        auto stored = s_.get(rocksdb::ReadOptions(), s_.index, notification_key(r.key));
        if (!stored) return stored.error();
        if (*stored) continue;
      }
      r.position = next_position_++;
      if (auto st = put(s_.outbox, be64(r.position), notification_text(r)); !st.ok()) return st;
      if (auto st = put(s_.index, notification_key(r.key), be64(r.position)); !st.ok()) return st;
      notification_keys_.insert(r.key);
    }
    return {};
  }

  status put(rocksdb::ColumnFamilyHandle* cf, const std::string& key, const std::string& value) {
    auto s = batch_.Put(cf, key, value);
    if (!s.ok()) return storage_error(s, "staging a write to " + cf->GetName());
    return {};
  }
  void del(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    (void)batch_.Delete(cf, key);  // fails only beyond 4 GiB; the puts that follow would fail too
  }

  store_state& s_;
  rocksdb::WriteBatch batch_;
  std::unordered_map<std::string, tail> tails_;
  std::unordered_map<std::string, std::optional<directory_value>> dirs_;
  // Read before staging (prefetch): as stored before the group, so what the group staged comes first.
  std::unordered_map<std::string, tail> prefetched_tails_;
  std::unordered_map<std::string, std::optional<directory_value>> prefetched_dirs_;
  static constexpr std::size_t prefetch_at_least = 64;   // uncached cases in a group, else read while staging
  static constexpr std::size_t prefetch_threads = 8;
  std::unordered_set<std::string> notification_keys_;
  std::unordered_set<std::string> new_cases_;   // cases this group starts, with nothing stored (tail_of)
  std::uint64_t next_position_;
};

}  // namespace

status rocksdb_store::append(const std::string& case_id, const std::vector<event>& events) {
  return append_group({case_events{case_id, events, nullptr}});
}

status rocksdb_store::append_group(const std::vector<case_events>& batches) {
  auto& s = *impl_;
  std::lock_guard<std::mutex> lock(s.mu);
  if (auto r = s.recover(); !r.ok()) return r;
  if (!s.next_position) {
    auto next = s.read_next_position(rocksdb::ReadOptions());
    if (!next) return std::move(next).error();
    s.next_position = *next;
  }
  group_writer g(s, *s.next_position);
  g.prefetch(batches);
  for (const auto& c : batches)
    if (auto r = g.stage(c); !r.ok()) return r;  // refused: nothing written, nothing cached changed
  if (g.empty()) return {};
  auto w = s.db->Write(s.write_options(), &g.batch());
  if (!w.ok()) {
    s.forget_caches();
    s.write_failed = true;
    // In doubt, not refused: the batch may still be found after a restart (its bytes may be in the WAL).
    return storage_error(w, "writing " + std::to_string(batches.size()) + " case batch(es)");
  }
  if (s.tails.size() + g.tails().size() > store_state::max_cached_tails) s.tails.clear();
  for (const auto& [id, t] : g.tails()) s.tails[id] = t;
  if (s.directories.size() + g.directories().size() > store_state::max_cached_directories) s.directories.clear();
  for (const auto& [id, d] : g.directories())
    if (d) s.directories[id] = *d;
  s.next_position = g.next_position();
  return {};
}

status rocksdb_store::mark_sent(const std::string& key, instant at) {
  auto& s = *impl_;
  std::lock_guard<std::mutex> lock(s.mu);
  if (auto r = s.recover(); !r.ok()) return r;
  auto position = s.get(rocksdb::ReadOptions(), s.index, notification_key(key));
  if (!position) return position.error();
  if (!*position) return error(errc::not_found, "no such notification", key);
  auto stored = s.get(rocksdb::ReadOptions(), s.outbox, **position);
  if (!stored) return stored.error();
  if (!*stored) return error(errc::storage, "its outbox record is missing", key);
  boost::json::error_code ec;
  auto v = parse_json(**stored, ec);
  auto record =
      ec ? expected<notification_record>(error(errc::storage, "not JSON")) : notification_from_json(v);
  if (!record)
    return error(errc::storage, "its outbox record is undecodable: " + record.error().to_string(), key);
  record->sent_at = at;
  rocksdb::WriteOptions w = s.write_options();
  w.sync = false;  // a lost sent_at means one more delivery, and delivery is at least once anyway
  auto st = s.db->Put(w, s.outbox, **position, notification_text(*record));
  if (!st.ok()) {
    s.write_failed = true;
    return storage_error(st, "recording the delivery of " + key);
  }
  return {};
}

}  // namespace casework
