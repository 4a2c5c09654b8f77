// Private: the messages the runtime's actors exchange (CAF 0.17 atoms and payload types).
//
// Payloads are sent only between actors of one process, so they are allowed as "unsafe" (not serializable)
// message types; nothing here crosses a network.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "casework/case.hpp"
#include "casework/calendar.hpp"
#include "casework/interpreter.hpp"
#include "casework/engine.hpp"
#include "casework/intake.hpp"

namespace casework::detail {

// What a case actor answers: the case_view of the public API (state, pending timers, recorded events).
using case_reply = casework::case_view;

// What a case tells the registry after every recorded batch (place index, restrictions): its entry.
using case_summary = casework::case_entry;

struct fire_request {
  std::string case_id;
  std::string timer;
  instant due{};
};

// What a supervisor's figures read of a recorded change: the case before and after it, without the case's
// `fields` from a case actor (no figure reads them; the recount on open sends whole states), and the events.
struct recorded_batch {
  case_state before;    // the case before and after the batch, as the figures read them: at least what
  case_state after;     // figures_aggregator::observe reads (figures_view, actors.hpp)
  event_batch events;   // the very batch the log recorded and the answer carries
};
// A case's recorded batch as its supervisor(s) receive it: built once and shared (a case that changes agency
// tells two supervisors), never copied into a mailbox.
using shared_batch = std::shared_ptr<const recorded_batch>;

// Due timers of cases that have no active actor, fired without activating them (bulk_fire.cpp): the registry
// leases the cases (requests for them wait) and hands them to a fire worker, grouped by case.
struct bulk_fire {
  std::vector<fire_request> fires;   // a case's fires are adjacent, in due order
};
// What the worker did: every leased case (to release), what the registry keeps of each recorded case, and the
// fires to try again (a storage error).
struct bulk_fire_result {
  std::vector<std::string> cases;
  std::vector<std::pair<case_entry, bool>> summaries;   // the entry after a batch that may change it
                                                        // (entry_may_change), and whether it was terminal
  std::vector<fire_request> retry;
};
// A case's pending timers, as the timer service's index takes them.
using case_timers = std::pair<std::string, std::vector<pending_timer>>;

// A request the embedding API has a gateway actor send (engine.cpp): the function runs as the gateway.
using request_fn = std::function<void(caf::event_based_actor*)>;

struct link_request {
  std::string origin;      // the case that asked for the link
  event request;           // its link_requested event
};

}  // namespace casework::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<casework::event>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::closure)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::instant)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::error)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::case_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::case_entry)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::case_events)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<casework::history_cursor>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::detail::fire_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<casework::detail::fire_request>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::detail::bulk_fire)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::detail::bulk_fire_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<casework::detail::case_timers>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<casework::case_events>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<casework::status>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::detail::recorded_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::detail::shared_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::detail::link_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::detail::request_fn)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<casework::pending_timer>)

namespace casework::detail {

// Requests answered with a case_reply (or an error).
using create_atom = caf::atom_constant<caf::atom("create")>;    // (workflow, command)
using command_atom = caf::atom_constant<caf::atom("command")>;  // (case id, command)
using get_atom = caf::atom_constant<caf::atom("get")>;          // (case id)
using fire_atom = caf::atom_constant<caf::atom("fire")>;        // fire_request; a page: vector<fire_request> ->
                                                                // the fires to retry; bulk_fire -> bulk_fire_result
using recompute_atom = caf::atom_constant<caf::atom("recompute")>;  // (case id) after a calendar change
using link_atom = caf::atom_constant<caf::atom("link")>;        // (case id, relation, linked id, error text)
// Fire-and-forget.
using timers_atom = caf::atom_constant<caf::atom("timers")>;    // (case id, pending timers), or vector<case_timers>
using summary_atom = caf::atom_constant<caf::atom("summary")>;  // (case_entry, bool was terminal)
using batch_atom = caf::atom_constant<caf::atom("batch")>;      // shared_batch
using open_link_atom = caf::atom_constant<caf::atom("openlink")>;  // link_request
using idle_atom = caf::atom_constant<caf::atom("idle")>;        // (case id, messages handled)
using idle_check_atom = caf::atom_constant<caf::atom("idlecheck")>;  // a case actor: idle for passivate_after?
using idle_checks_atom = caf::atom_constant<caf::atom("idlechecks")>;  // registry: send the first checks due
using park_atom = caf::atom_constant<caf::atom("park")>;        // a case actor: pack your state (the sweep)
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;      // registry: (bool next chunk) park the cases touched
using down_atom = caf::atom_constant<caf::atom("casedown")>;    // (case id)
using failed_atom = caf::atom_constant<caf::atom("casefail")>;  // (case id): a case actor's handler threw
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using advance_atom = caf::atom_constant<caf::atom("advance")>;  // (instant): virtual clock
using append_atom = caf::atom_constant<caf::atom("append")>;    // case_events -> status; vector -> vector<status>
using recount_atom = caf::atom_constant<caf::atom("recount")>;  // shared_batch of the figures recount on open
using sync_atom = caf::atom_constant<caf::atom("sync")>;        // -> true: flow control of the recount
using done_atom = caf::atom_constant<caf::atom("done")>;        // the recount has ended
using flush_atom = caf::atom_constant<caf::atom("flush")>;      // supervisor: publish the figures
using load_atom = caf::atom_constant<caf::atom("load")>;        // timer service: load the next page of timers
using closure_atom = caf::atom_constant<caf::atom("closure")>;  // (closure)
using restrict_atom = caf::atom_constant<caf::atom("restrict")>;  // (address, item)
using list_atom = caf::atom_constant<caf::atom("list")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using recover_atom = caf::atom_constant<caf::atom("recover")>;
using places_atom = caf::atom_constant<caf::atom("places")>;   // registry: load the next page of the place index
using crash_atom = caf::atom_constant<caf::atom("crash")>;   // fault injection (tests)
using unmatched_atom = caf::atom_constant<caf::atom("unmatched")>;   // sent by nobody: case actors' shared behaviour
using count_atom = caf::atom_constant<caf::atom("count")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;

// Every request is answered with a value: CAF 0.17 responses carry a value or a caf::error, and ours travel as
// values so that the error's code, field and rule survive intact.
using case_result = expected<case_reply>;

}  // namespace casework::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::detail::case_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::optional<casework::geo_point>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<casework::notification_record>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::case_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(casework::expected<std::vector<casework::case_listing>>)
