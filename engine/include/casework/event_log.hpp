// casework/event_log.hpp: the seam between the runtime and storage. The actor runtime appends each command's
// events here before it answers the command, and rebuilds a case from here after a failure or passivation.
//
// Beside the histories, a log keeps what the runtime derives from each case after each batch (its snapshot,
// its pending timers, its directory entry) and the notification records of its events, all written in the same
// atomic batch as the events. Opening an engine on a log that holds millions of cases then reads only what it
// needs: the pending timers in due order, the open cases at places (R6.12), the findings (R6.13); a case is
// loaded from its snapshot when a command or a timer reaches it.
//
//   map
//   case_entry          a case's directory entry (listings, place index, restrictions)
//   case_derived        snapshot + entry + pending timers, derived after a batch: derive()
//   case_events         one case's batch of events (+ what was derived from it), for a group commit
//   notification_record an outbox record, derived from a notification event: notifications_of()
//   event_log           the interface; memory_event_log keeps everything in memory (tests, simulations,
//                       embedders without durability); rocksdb_store (persistence/) is the durable one.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json.hpp>

#include "casework/case.hpp"
#include "casework/hash_index.hpp"
#include "casework/health.hpp"
#include "casework/intake.hpp"
#include "casework/interpreter.hpp"

namespace casework {

// A case's directory entry.
struct case_entry {
  std::string id;
  std::string workflow;
  std::string agency;
  std::string item;
  std::string state;
  int stage = 0;
  bool terminal = false;
  instant created_at{};
  instant closed_at{};               // terminal cases
  std::optional<instant> limit;      // open dispatch case: end of the current stage's limit (repeats, R6.12)
  std::string address;               // the place of the problem, as reported
  std::optional<geo_point> where;
  std::string finding;               // the finding recorded at closing (R6.13)

  // An open case with a place and a limit: the place index holds it (R6.12).
  bool at_place() const { return !terminal && limit.has_value() && state != "released" && !address.empty(); }
  // A closed case with a finding at a place: counts for R6.13.
  bool has_finding() const { return terminal && !finding.empty() && !address.empty(); }
};

case_entry entry_of(const case_state& s);
// Whether folding `events` can change what entry_of reads. False only when each event is a timer's firing or a
// notification, whose fold leaves the state, stage, deadlines, agency, item and fields alone (most of a long
// run's batches: reminders). The runtime tells the registry a case's entry after a batch that may change it.
bool entry_may_change(const std::vector<event>& events);
boost::json::object to_json(const case_entry& e);
expected<case_entry> entry_from_json(const boost::json::value& v);

// What the runtime derives from a case after a batch, written in the same atomic batch as its events.
struct case_derived {
  case_entry entry;
  std::vector<pending_timer> timers;   // pending after the batch; they replace the case's previous ones
  std::string snapshot;                // snapshot_bytes(state) (case_bytes.hpp), the state after the batch;
                                       // empty for a log that does not keep snapshots (event_log::keeps_snapshots)
  std::uint64_t seq = 0;               // the last event the snapshot folds
};

// `timers` are pending_timers(def, ctx, s) (empty for terminal cases). `snapshot` false leaves the snapshot
// empty (serializing the state is most of the cost of a derive).
case_derived derive(const case_state& s, std::vector<pending_timer> timers, bool snapshot = true);

// One case's batch of events, for a group commit.
struct case_events {
  std::string case_id;
  event_batch events;   // shared, not copied, by the runtime, the store writer and the memory log
  std::shared_ptr<const case_derived> derived;   // null: events only (then snapshot, timers, entry unchanged)
};

struct notification_record {
  std::string key;                 // idempotency key: case:kind:due
  std::string case_id;
  std::string kind;
  std::vector<std::string> channels;
  boost::json::array recipients;   // roles and person ids; never contact details
  instant due{};
  instant recorded_at{};           // the instant of the event that raised it
  std::optional<instant> sent_at;  // when the notifier handed it to delivery
  std::string rule;
  std::uint64_t position = 0;      // its place in the log's outbox, from 0, assigned when recorded
};

// The outbox records of a batch's notification events (position unset).
std::vector<notification_record> notifications_of(const std::string& case_id, const std::vector<event>& events);
boost::json::object to_json(const notification_record& r);
// boost::json::serialize(to_json(r)), byte for byte, written without building the object (the outbox's
// value).
std::string notification_text(const notification_record& r);
expected<notification_record> notification_from_json(const boost::json::value& v);

struct stored_timer {
  std::string case_id;
  pending_timer timer;
};

struct entry_query {
  std::string agency, workflow, state, item;   // empty: any
  std::string after;                           // ids greater than this (ids ascending)
  std::size_t limit = 100;
};

// A consistent view of every history as of its creation, case by case, in case id order.
class history_cursor {
 public:
  virtual ~history_cursor() = default;
  // The next case; false at the end. Histories that cannot be read come back with `error` set.
  virtual bool next(std::string& case_id, expected<std::vector<event>>& history) = 0;

  // The next case's state, what fold() of its history returns, and of its events only those whose type is one
  // of `types`, in order; false at the end. For readers of every history that want a few event types and the
  // state (the figures recount on open): a store may answer from the case's snapshot and leave the other
  // events undecoded, so a payload broken in one of those is verify's to find, not this call's. A history
  // that cannot be read comes back with `state` holding the error. By default next(), folded and filtered.
  virtual bool next_state(std::string& case_id, expected<case_state>& state, std::vector<event>& events,
                          const std::vector<std::string_view>& types);
};

// Whether `type` is one of `types` (history_cursor::next_state).
bool one_of(std::string_view type, const std::vector<std::string_view>& types);

class event_log {
 public:
  virtual ~event_log() = default;

  // Appends one batch of a case's events atomically: all or nothing. The first event's seq must follow the
  // case's last recorded seq (1 for a new case), else failed_precondition naming both numbers. When this
  // returns ok, the events are recorded (for a durable log: on disk).
  virtual status append(const std::string& case_id, const std::vector<event>& events) = 0;

  // Group commit: the batches of several cases in one atomic write (a durable log: one synced write), with
  // what was derived from each (snapshot, entry, timers) and the outbox records of their notification events.
  // Each batch must continue its case's sequence; otherwise failed_precondition naming the case, and nothing of
  // the group is written. A notification whose key is already in the outbox is not recorded again.
  virtual status append_group(const std::vector<case_events>& batches) = 0;

  // The case's whole history, in order. not_found for an unknown case.
  virtual expected<std::vector<event>> read(const std::string& case_id) const = 0;
  // The same history as the batches it was recorded in, shared with the log where it keeps them (the memory
  // log: no event is copied); by default read() as one batch.
  virtual expected<std::vector<event_batch>> read_batches(const std::string& case_id) const;
  // The case's state: its latest snapshot with the events recorded after it folded in (the whole history
  // folded when it has no snapshot). not_found for an unknown case.
  virtual expected<case_state> load(const std::string& case_id) const = 0;
  virtual bool contains(const std::string& case_id) const = 0;

  // Every case id recorded, in no particular order (tools and tests; not used on open).
  virtual std::vector<std::string> case_ids() const = 0;
  // The greatest case id that starts with `prefix`, "" when there is none (case numbers after a restart).
  virtual std::string last_case_id(const std::string& prefix) const = 0;
  // Every history, consistent as of this call (figures recount on open, tools).
  virtual std::unique_ptr<history_cursor> histories() const = 0;

  // Directory: entries matching `q` in id order (cases appended without a derived entry are not listed).
  virtual std::vector<case_entry> list(const entry_query& q) const = 0;
  virtual expected<case_entry> entry(const std::string& case_id) const = 0;
  // The open cases at places (case_entry::at_place), for the place index (R6.12): in id order, at most `limit`,
  // with ids after `after` (paged: the registry loads them a page at a time after an open).
  virtual std::vector<case_entry> open_at_places(std::size_t limit, const std::string& after = {}) const = 0;
  // The closed cases with a finding (case_entry::has_finding) in closing order, for R6.13.
  virtual std::vector<case_entry> findings() const = 0;

  // Pending timers of every case in (due, case id, timer name) order, at most `limit`, after `after`.
  virtual std::vector<stored_timer> timers(std::size_t limit, const std::optional<stored_timer>& after = {}) const = 0;

  // The outbox: records from `position` on, at most `limit`; mark_sent records the delivery of `key`.
  virtual std::vector<notification_record> notifications(std::uint64_t position, std::size_t limit) const = 0;
  virtual std::uint64_t notification_count() const = 0;
  virtual status mark_sent(const std::string& key, instant at) = 0;

  // Small durable values beside the histories (e.g. "calendar/closures"); not_found for a missing key.
  virtual status put_meta(const std::string& key, const std::string& value) = 0;
  virtual expected<std::string> get_meta(const std::string& key) const = 0;

  // The log's own machinery: errors that stopped its writes, write stalls (health.hpp). Cheap and
  // non-blocking: an exporter calls it on every scrape. Default: nothing to report.
  virtual storage_health health() const { return {}; }

  // Whether append_group needs case_derived::snapshot. A log that rebuilds a case from the events it holds (the
  // memory log) does not, and the runtime then leaves the snapshot empty. Default: true.
  virtual bool keeps_snapshots() const { return true; }
};

class memory_event_log final : public event_log {
 public:
  status append(const std::string& case_id, const std::vector<event>& events) override;
  status append_group(const std::vector<case_events>& batches) override;
  expected<std::vector<event>> read(const std::string& case_id) const override;
  expected<std::vector<event_batch>> read_batches(const std::string& case_id) const override;
  expected<case_state> load(const std::string& case_id) const override;
  bool contains(const std::string& case_id) const override;
  std::vector<std::string> case_ids() const override;
  std::string last_case_id(const std::string& prefix) const override;
  std::unique_ptr<history_cursor> histories() const override;
  std::vector<case_entry> list(const entry_query& q) const override;
  expected<case_entry> entry(const std::string& case_id) const override;
  std::vector<case_entry> open_at_places(std::size_t limit, const std::string& after = {}) const override;
  std::vector<case_entry> findings() const override;
  // Orders every case's pending timers when a case's timers changed since the last call (n log n for n
  // timers): appends keep no order, and a pass of pages over a log no one appends to sorts once.
  std::vector<stored_timer> timers(std::size_t limit, const std::optional<stored_timer>& after = {}) const override;
  std::vector<notification_record> notifications(std::uint64_t position, std::size_t limit) const override;
  std::uint64_t notification_count() const override;
  status mark_sent(const std::string& key, instant at) override;
  status put_meta(const std::string& key, const std::string& value) override;
  expected<std::string> get_meta(const std::string& key) const override;
  // load() folds a case's events after its snapshot, or all of them when the batches came without one.
  bool keeps_snapshots() const override { return false; }
  // Events recorded in all, for tests and figures.
  std::size_t size() const;
  // Duplicate notification keys refused, for tests.
  std::size_t duplicate_notifications() const;

 private:
  struct stored_case {
    std::vector<event_batch> batches;   // the history, as appended (the runtime's batches, shared)
    std::shared_ptr<const case_derived> derived;
  };

  using case_map = std::map<std::string, stored_case>;   // ordered: listings, pages and id prefixes
  // The case with id `id`, or null: by hash (`by_id_`), not by the map's string comparisons, which grow with
  // every case a long run takes (a simulated year holds 170,000).
  stored_case* find_case(std::string_view id) const;

  mutable std::mutex mu_;
  case_map cases_;
  hash_index<case_map::iterator> by_id_;   // by the id's hash; find_case checks the iterator's key
  // Every pending timer in (due, case, timer) order, as timers() last took it; taken again once a case's
  // timers changed (timers_changed_ counts those appends).
  mutable std::optional<std::vector<stored_timer>> timer_order_;
  mutable std::uint64_t timers_ordered_ = 0;
  std::uint64_t timers_changed_ = 0;
  std::map<std::pair<std::int64_t, std::string>, case_entry> findings_;   // (closed ms, id)
  struct outbox_entry {   // a record, as the event it is read from (notifications_of)
    std::string case_id;
    event_batch batch;      // shared with the case's history
    std::size_t index = 0;  // the notification event's place in it
    std::optional<instant> sent_at;
  };
  std::vector<outbox_entry> outbox_;
  // A record's place in outbox_ by its key's hash; the key itself is read from the event (find_outbox), so the
  // index holds no copy of it.
  hash_index<std::size_t> outbox_keys_;
  std::size_t find_outbox(std::string_view key) const;   // outbox_.size() when no record has that key
  std::unordered_map<std::string, std::string> meta_;
  std::size_t events_ = 0;
  std::size_t duplicates_ = 0;
};

}  // namespace casework
