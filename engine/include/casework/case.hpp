// casework/case.hpp: a case's state, the events that make its history, and the commands that ask for change.
//
// The state is what the history folds to: apply(state, event) is the only way a state changes, and events
// carry every computed value (deadline instants, resolved recipients), so folding needs no definition,
// calendar or clock and replays the same on any machine.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/error.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "casework/error.hpp"
#include "casework/flat_map.hpp"
#include "casework/time.hpp"

namespace casework {

// Event types (event::type).
namespace event_type {
inline constexpr const char* created = "created";                    // id, workflow, version, agency, item
inline constexpr const char* command = "command";                    // name, input (validated fields)
inline constexpr const char* fields_set = "fields_set";              // fields (deep-merged)
inline constexpr const char* state_changed = "state_changed";        // from, to, stage, cause
inline constexpr const char* agency_changed = "agency_changed";      // from, to
inline constexpr const char* deadline_set = "deadline_set";          // name, at, calendar_version, basis, previous
inline constexpr const char* timer_fired = "timer_fired";            // timer, due, late_ms
inline constexpr const char* notification = "notification";          // key, kind, channels, recipients, due
inline constexpr const char* link_requested = "link_requested";      // relation, workflow, agency, fields
inline constexpr const char* linked = "linked";                      // relation, case
inline constexpr const char* link_failed = "link_failed";            // relation, error (the linked case was refused)
}  // namespace event_type

struct event {
  std::uint64_t seq = 0;          // 1-based position in the case's history
  std::string type;
  instant at{};                   // when it was recorded (engine clock)
  std::string actor;              // "duty_officer:pwd-do-1", "timer:sign-renotify", "system"
  std::string rule;               // rule id the event enforces, or empty
  boost::json::object data;

  // type == t, for the event_type constants: their length is known where the call is inlined (comparing a
  // std::string with a const char* measures the literal on every call, in a hot fold).
  bool is(std::string_view t) const { return type == t; }

  friend bool operator==(const event& a, const event& b) {
    return a.seq == b.seq && a.type == b.type && a.at == b.at && a.actor == b.actor && a.rule == b.rule &&
           a.data == b.data;
  }
};

// A batch of events as recorded, shared instead of copied: the case actor, the store writer's message, the
// memory log and the answer hold the same immutable vector. Reads as a const std::vector<event>.
class event_batch {
 public:
  event_batch() = default;
  event_batch(std::vector<event> events);   // implicit: a vector of events is a batch
  event_batch(std::initializer_list<event> events);
  const std::vector<event>& events() const;   // empty for a default-constructed batch
  operator const std::vector<event>&() const { return events(); }
  std::vector<event>::const_iterator begin() const { return events().begin(); }
  std::vector<event>::const_iterator end() const { return events().end(); }
  std::size_t size() const { return events().size(); }
  bool empty() const { return events().empty(); }
  const event& operator[](std::size_t i) const { return events()[i]; }
  const event& front() const { return events().front(); }
  const event& back() const { return events().back(); }
  friend bool operator==(const event_batch& a, const event_batch& b) { return a.events() == b.events(); }

 private:
  std::shared_ptr<const std::vector<event>> events_;
};

struct deadline {
  instant at{};
  std::uint64_t calendar_version = 0;  // calendar version that computed it
  std::string basis;                   // how it was computed, for explanations
  std::string rule;
};

struct case_state {
  std::string id;
  std::string workflow;
  int definition_version = 0;
  int stage = 0;                           // (beside definition_version: one word for both)
  std::string state;                       // empty before the first state_changed
  std::string agency;
  std::string item;
  instant created_at{};
  instant updated_at{};
  std::uint64_t seq = 0;                   // events applied
  boost::json::object fields;
  // A handful of entries each for as long as the case's actor is active: sorted vectors (flat_map.hpp), which
  // iterate, compare and serialize as std::map/std::set would, without a node allocation per entry.
  flat_map<std::string, deadline> deadlines;
  flat_map<std::string, instant> entered;        // state -> last time it was entered
  flat_map<std::string, instant> first_entered;  // state -> first time it was entered (compliance)
  flat_set<std::pair<std::string, instant>> fired;   // (timer, due) already fired
  flat_map<std::string, instant> last_fired;         // timer -> latest due fired
  std::vector<std::pair<std::string, std::string>> links;   // (relation, case id)
  bool terminal = false;                   // set by state_changed when the state is terminal
  instant closed_at{};

  friend bool operator==(const case_state& a, const case_state& b);
};

// Folds one event into the state. Events must come in sequence (seq == state.seq + 1), else
// errc::internal naming both numbers.
status apply(case_state& s, const event& e);
// Folds a whole history into a fresh state.
expected<case_state> fold(const std::vector<event>& history);
// The same for a history as its recorded batches (event_log::read_batches).
expected<case_state> fold(const std::vector<event_batch>& history);

// A command: a request for change by an actor.
struct command {
  std::string name;               // "sign", "release", ...
  std::string role;               // the actor's role ("duty_officer")
  std::string actor_id;           // the actor's id (a directory person id, a token id, "system")
  boost::json::object input;      // the command's fields, as nested JSON objects
  std::string actor() const { return role + ":" + actor_id; }
};

// JSON forms (for the store, the API and the auditors' tools).
boost::json::object to_json(const event& e);
// boost::json::serialize(to_json(e)), byte for byte, written without building the object (the store's payload).
std::string event_text(const event& e);
// The type of an event text as event_text writes it (`{"seq":N,"type":"...",`), read without parsing the
// text; nullopt for a text that does not start that way, or whose type holds an escape (parse those). It
// trusts the text not to name a second "type" further on, which event_text never writes: readers that skip
// events by this type (history_cursor::next_state) leave checking the texts to verify.
std::optional<std::string_view> event_type_of_text(std::string_view text);
expected<event> event_from_json(const boost::json::value& v);
// The same, moving the event's `data` out of `v` instead of copying it. The data keeps v's storage: an event
// made from a value parsed into an arena must not outlive the arena (the const overload copies into the
// default storage).
expected<event> event_from_json(boost::json::value&& v);
// An event's JSON text parsed straight into the event: what event_from_json(parse_json(text, ec)) returns,
// without building the text's top-level object (histories are read event by event). A text that is not JSON
// sets `ec` (and returns an error naming "event"). The data is allocated from `sp` (see event_from_json).
expected<event> event_from_text(std::string_view text, boost::json::error_code& ec,
                                boost::json::storage_ptr sp = {});
boost::json::object to_json(const case_state& s);   // for people: what the API and the tools show

// The complete state, for snapshots: from_snapshot(to_snapshot(s)) == s. Versioned ("snapshot_version": 1);
// errors name the field.
boost::json::object to_snapshot(const case_state& s);
// boost::json::serialize(to_snapshot(s)), byte for byte, written without building the object: snapshots in
// encoding 1, as derive wrote them until 2026-12-07 (it now writes case_bytes.hpp's encoding 2; verify compares
// a stored JSON snapshot with this).
std::string snapshot_text(const case_state& s);
expected<case_state> from_snapshot(const boost::json::value& v);
// The same, moving the case's `fields` out of `v` instead of copying them.
expected<case_state> from_snapshot(boost::json::value&& v);

// Reads a dotted path ("reporter.phone") in a JSON object; nullptr when absent or null.
const boost::json::value* find_path(const boost::json::object& o, std::string_view path);
// Sets a dotted path, creating intermediate objects.
void set_path(boost::json::object& o, std::string_view path, boost::json::value v);
// Deep-merges `from` into `into` (objects merge, everything else replaces).
void deep_merge(boost::json::object& into, const boost::json::object& from);

}  // namespace casework
