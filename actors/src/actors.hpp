// Private: the actors of one engine and how they find each other.
//
//   registry          finds or activates the actor of a case; allocates case ids; routes new reports
//                     (R6.12, R6.13); keeps the case directory (agency/state/item) and the place index
//   case actor        one per active case: runs the interpreter, records events, schedules its timers
//   agency supervisor one per agency: restarts its failed case actors, keeps the figures
//   timer service     the ordered index of every pending timer; fires them by the engine clock
//   store writer      appends event batches to the event log; a command is answered after it
//   fire workers      fire the due timers of cases without an active actor, in bulk, without activating them
//   notifier          takes new notification records to their delivery (webhooks come with the server)
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "casework/figures.hpp"
#include "casework/intake.hpp"
#include "messages.hpp"
#include "packed_json.hpp"
#include "runtime_context.hpp"
#include "timer_index.hpp"

namespace casework::detail {

struct actor_refs {
  caf::actor registry;
  caf::actor timers;
  caf::actor store;
  caf::actor notifier;
  std::map<std::string, caf::actor> supervisors;   // by agency id (every agency of the directory)
  caf::actor recount;                              // the figures recount on open, until it ends
  std::vector<caf::actor> fire_workers;            // bulk fires of inactive cases (bulk_fire.cpp)
};

// The state after `events` and what the log keeps derived from it (snapshot, timers, directory entry), computed
// before the append so that they are written in the same batch as the events.
struct staged {
  case_state after;
  std::shared_ptr<const case_derived> derived;
};
expected<staged> stage(const runtime_context& rt, const definition* def, case_state from,
                       const std::vector<event>& events);
// The same for a state the interpreter already folded the events into (decide's and fire_timer's `after`).
staged stage_folded(const runtime_context& rt, const definition& def, case_state after);

// A copy of what the supervisors' figures read of the case's state (figures_aggregator::observe lists it): not
// its fields, fired timers or links, nor its deadlines and first entries unless the case is closed (its
// compliance at closing reads them).
case_state figures_view(const case_state& s);

// What every recorded batch tells the rest of the runtime, sent by `self` (a case actor or a fire worker): the
// notifier its new notification records, the supervisor(s) of the case's agency before and after, the
// subscribers its events, and the registry the linked cases to open (R6.11, R5.3). The registry's summary and
// the timer service's timers are the sender's to send (a fire worker sends them for many cases at once).
void announce_recorded(caf::event_based_actor* self, runtime_context& rt, const actor_refs& refs,
                       const shared_batch& batch);

struct case_actor_state {
  std::shared_ptr<runtime_context> rt;
  std::shared_ptr<const actor_refs> refs;
  // The case's definition (null until a new case's creation is recorded). Not owning: definitions live in the
  // rules bundle, immutable and held by `rt`, for as long as the engine.
  const definition* def = nullptr;
  std::string id;   // the case's, also while its state is packed
  // The case's state while a request works on it (and always when engine_options::pack_idle_cases is off);
  // null while the actor waits for its next request, when the whole state is packed in `parked`
  // (packed_json.hpp: its fields as one compact allocation, the other members as its head; about half of what
  // they take parsed, and this actor object a jemalloc size class smaller) and the next request unpacks it
  // (case_actor.cpp: park, unpark, working_copy). Exactly one of the two holds the case. It is packed when the
  // registry's sweep asks (park_atom, engine_options::pack_sweep), or after every request without a sweep.
  // Shared with the answers that hold it (case_view::state): changed in place only while this actor is its one
  // owner, otherwise copied first (case_actor.cpp, own).
  std::shared_ptr<case_state> s;
  packed_json parked;
  // The agency's supervisor, once the case's agency is known (after its creation is recorded, or loaded): a
  // request whose handling throws tells it, which restarts the case (case_actor's exception handler). Not a
  // monitor: the supervisor would keep an entry per active case and the actor a monitor record, ~130 bytes.
  caf::actor supervisor;
  // A new case's first events, until its create request records them; null (no allocation) for a case
  // re-activated from the log, which is most active actors.
  struct new_case {
    std::vector<event> events;
    case_state folded;   // the events folded (decide_create's `after`): staged without applying them again
  };
  std::unique_ptr<new_case> pending_create;
  std::uint64_t handled = 0;   // requests handled, for the passivation handshake with the registry
  // Passivation after engine_options::passivate_after without a request. Not CAF's receive timeout, which
  // re-arms a timeout on CAF's clock thread after every message (a cross-thread wake-up and two tree updates
  // per message, ~14% of the command path's CPU): one check at a time is pending, the first sent by the
  // registry (registry_state::first_idle_checks), the next armed by the actor for the rest of the span when
  // the case was busy meanwhile.
  caf::actor_clock::time_point last_active{};
  bool idle_check_armed = false;
  bool recording = false;      // events handed to the store writer, the answer not back yet (await)
  bool park_asked = false;     // the registry's sweep asked for a pack while a record was in flight
  static inline const char* name = "casework.case";
  ~case_actor_state() {
    if (rt && !s && !parked.empty()) --rt->packed_actors;
  }
};

struct registry_state {
  std::shared_ptr<runtime_context> rt;
  std::shared_ptr<actor_refs> refs;
  // The active case actors, and the requests handed to each (for the passivation handshake): one entry per
  // active case, so one hash node and one bucket each, not two. Two 32-bit counts keep the node in jemalloc's
  // 64-byte class (the handshake compares the low 32 bits of the actor's count).
  struct active_case {
    caf::actor actor;
    std::uint32_t delegated = 0;
    std::uint32_t swept = 0;   // the last sweep round the actor was listed for (to_park)
  };
  std::unordered_map<std::string, active_case> active;
  // The packing sweep (engine_options::pack_sweep): the actors handed a request since the last
  // sweep, each listed once per round; every pack_sweep the registry sends them park_atom, a chunk at a time
  // (`parking` from `parking_next`, the rest after what waits in its mailbox: registry.cpp, send_parks).
  std::vector<caf::actor> to_park;
  std::vector<caf::actor> parking;
  std::size_t parking_next = 0;
  std::uint32_t sweep_round = 1;
  bool sweep_armed = false;
  bool sweep_continuing = false;   // a (sweep_atom, true) for the next chunk is in the mailbox
  place_index places;                                         // open dispatch cases by place (R6.12)
  place_restrictions restrictions;                            // R6.13
  std::vector<std::pair<std::string, std::string>> restricted;  // (normalised place, item), as recorded
  case_id_sequence ids;
  std::set<std::string> id_days_read;                         // prefix + day whose last number was read
  // After an open the place index is loaded a page at a time; reports (R6.12) wait for it meanwhile.
  struct waiting_create {
    std::string workflow;
    command cmd;
    caf::response_promise rp;
  };
  bool places_loading = false;
  std::string places_loaded_up_to;                            // the last case id of the pages read
  std::vector<waiting_create> waiting_for_places;
  // Cases leased to a fire worker (bulk_fire.cpp): what reaches one meanwhile waits, in order, for the lease's
  // end. A case is leased only while it has no active actor, and no actor is activated for it while leased.
  std::unordered_map<std::string, std::vector<std::function<void()>>> leased;
  std::size_t next_fire_worker = 0;
  // Each case actor's first idle check (passivate_after after its activation), oldest first: the registry
  // keeps one delayed message for the head, where a delayed message per activated actor woke CAF's clock
  // thread once per create (docs/performance.md, 52.). Weak addresses: an actor that ended meanwhile is skipped.
  std::deque<std::pair<caf::actor_clock::time_point, caf::actor_addr>> first_idle_checks;
  bool first_idle_checks_armed = false;
  static inline const char* name = "casework.registry";
  // However the registry ends, its case actors end with it (they are not linked to it: see spawn_case).
  ~registry_state() {
    for (const auto& kv : active) caf::anon_send_exit(kv.second.actor, caf::exit_reason::user_shutdown);
  }
};

struct supervisor_state {
  std::shared_ptr<runtime_context> rt;
  std::string agency;
  caf::actor registry;
  std::unique_ptr<figures_aggregator> figures;
  std::map<std::string, int> restarts;               // per case, to stop a case that cannot start
  bool recovering = true;                            // until the recount on open is done
  std::vector<shared_batch> held;                    // live batches that arrived during the recount
  bool flush_queued = false;                         // a flush (publication) is waiting in the mailbox
  std::chrono::steady_clock::time_point published_at{};
  static inline const char* name = "casework.supervisor";
};

struct timer_service_state {
  std::shared_ptr<runtime_context> rt;
  caf::actor registry;
  timer_index index;
  std::optional<instant> armed;              // the due instant the pending tick was armed for
  std::shared_ptr<manual_clock> manual;      // virtual_time mode
  std::optional<instant> target;             // virtual_time: the advance in progress
  caf::response_promise advancing;
  bool loading = true;                       // reading the durable timers on open
  std::optional<stored_timer> loaded_up_to;  // the last timer read
  std::set<std::string> touched;             // cases that set their timers while loading (theirs win)
  std::size_t in_flight = 0;                 // fires not answered yet (real and deterministic mode)
  std::size_t waiting = 0;                   // fire requests of the current instant not answered yet
  static inline const char* name = "casework.timers";
};

// A case actor. `initial` holds the first events of a new case (decided by the registry, not yet recorded) and
// `folded` the state they fold to; otherwise (both empty) the case is rebuilt from the event log.
caf::behavior case_actor(caf::stateful_actor<case_actor_state>* self, std::shared_ptr<runtime_context> rt,
                         std::shared_ptr<const actor_refs> refs, std::string id, std::vector<event> initial,
                         case_state folded);

caf::behavior registry_actor(caf::stateful_actor<registry_state>* self, std::shared_ptr<runtime_context> rt,
                             std::shared_ptr<actor_refs> refs);

caf::behavior supervisor_actor(caf::stateful_actor<supervisor_state>* self,
                               std::shared_ptr<runtime_context> rt, std::string agency, caf::actor registry);

caf::behavior timer_service_actor(caf::stateful_actor<timer_service_state>* self,
                                  std::shared_ptr<runtime_context> rt, caf::actor registry);

// Appends `batches` to the log in one append_group, counted in the store's figures and health (the store
// writer's append; case actors call it themselves when runtime_context::append_in_place).
status append_now(runtime_context& rt, const std::vector<case_events>& batches);

caf::behavior store_writer_actor(caf::event_based_actor* self, std::shared_ptr<runtime_context> rt);
void group_writer_actor(caf::blocking_actor* self, std::shared_ptr<runtime_context> rt);

// A fire worker: fires a bulk_fire's timers on the cases' stored states, records them as one group through the
// store writer, and answers with what the registry keeps (bulk_fire.cpp).
caf::behavior fire_worker_actor(caf::event_based_actor* self, std::shared_ptr<runtime_context> rt,
                                std::shared_ptr<const actor_refs> refs);

caf::behavior notifier_actor(caf::event_based_actor* self, std::shared_ptr<runtime_context> rt);

// The figures recount on open: folds every history of `cursor` (consistent as of the open) into the agency
// supervisors' figures, a page at a time, and reopens the links a crash left unresolved.
caf::behavior recount_actor(caf::event_based_actor* self, std::shared_ptr<runtime_context> rt,
                            std::shared_ptr<const actor_refs> refs, std::shared_ptr<history_cursor> cursor);

}  // namespace casework::detail
