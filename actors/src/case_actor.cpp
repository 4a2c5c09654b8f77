// The case actor: one per active case. It runs commands and timers through the pure interpreter, has the
// store writer record the events, and only then answers, folds the events into its state, reschedules its
// timers and tells the registry, its supervisor(s) and the notifier.
#include <atomic>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include <boost/json.hpp>
#include <caf/all.hpp>

#include "actors.hpp"

namespace casework::detail {

using case_self = caf::stateful_actor<case_actor_state>*;

namespace {

void unpack_parked(const std::string& id, const packed_json& parked, case_state& s);

// The answer: the case as it stands, its pending timers (`timers` when the caller has them, as after a record,
// whose derived values hold them) and the events just recorded. A parsed case shares its state with the answer
// (case_view::state: no copy). A packed case stays packed: the answer gets a state unpacked from it (a read
// changes nothing to pack again).
case_reply view(case_self self, event_batch recorded = {}, const std::vector<pending_timer>* timers = nullptr) {
  auto& st = self->state;
  case_reply r;
  if (st.s) {
    r.state = st.s;
  } else {
    auto unpacked = std::make_shared<case_state>();
    unpack_parked(st.id, st.parked, *unpacked);
    r.state = std::move(unpacked);
  }
  if (timers) {
    r.timers = *timers;
  } else if (st.def) {
    auto cal = st.rt->calendar.get();
    r.timers = pending_timers(*st.def, st.rt->ctx(*cal), *r.state);
  }
  r.recorded = std::move(recorded);
  return r;
}

// An idle case keeps its whole state packed (actors.hpp, parked): for a report, ~500 bytes in one allocation
// instead of ~1,000 of parsed objects, keys, vector entries and strings, and no case_state (376 bytes) in the
// actor object, which then fits jemalloc's 1,280-byte class instead of 1,536. Not before the case's creation
// is recorded, nor while a record is in flight: its answer needs the state. With `reply`, the state goes there
// once packed instead of being destroyed (an answer needs it: no copy), and park returns whether it did.
bool park(case_self self, std::shared_ptr<const case_state>* reply = nullptr) {
  auto& st = self->state;
  if (!st.rt->options.pack_idle_cases || !st.s) return false;
  if (st.recording) {   // the answer needs the state: packed once it is recorded (appended)
    st.park_asked = true;
    return false;
  }
  if (!st.def) return false;
  st.park_asked = false;
  st.parked = packed_json::pack(*st.s);
  if (reply) *reply = std::move(st.s);
  st.s.reset();
  ++st.rt->packed_actors;
  return true;
}

// After a request: packed at once without a sweep (engine_options::pack_sweep 0), or when a sweep asked during
// a record; otherwise left parsed until the registry's next sweep (park_atom), so that a case with several
// requests in a row is unpacked and packed once, not once per request (docs/performance.md 42.).
bool settle(case_self self, std::shared_ptr<const case_state>* reply = nullptr) {
  auto& st = self->state;
  if (st.rt->options.pack_sweep.count() > 0 && !st.park_asked) return false;
  return park(self, reply);
}

// What park packed, into `s` (a fresh state).
void unpack_parked(const std::string& id, const packed_json& parked, case_state& s) {
  s.id = id;
  unpack_case_head(parked.head(), s);
  s.fields = parked.unpack();
}

// The state back in the actor, before a request reads or changes it.
void unpark(case_self self) {
  auto& st = self->state;
  if (st.s) return;
  st.s = std::make_shared<case_state>();
  unpack_parked(st.id, st.parked, *st.s);
  st.parked = packed_json{};
  --st.rt->packed_actors;
}

// A copy of the case's state to decide on, unpacked from the packed one; the case's own state stays packed as it
// was until the events are recorded (after_recorded), so that a refused command or a failed append leaves it
// untouched. The interpreter folds the events into the copy itself instead of a copy of its own: one copy of the
// state per request, not two. Nothing (the interpreter copies) when the case's state is parsed
// (engine_options::pack_idle_cases off, or a record in flight).
std::optional<case_state> working_copy(case_self self) {
  auto& st = self->state;
  if (st.s) return std::nullopt;
  std::optional<case_state> w{std::in_place};
  unpack_parked(st.id, st.parked, *w);
  return w;
}

// The case's state, to change it. An answer still held by its caller shares it (case_view::state), and what an
// answer holds never changes: the actor changes a copy then. Otherwise (the caller let the answer go, as most do
// before their next request) it is changed in place. The caller's release (an acq_rel decrement) happens before
// the fence's acquire, so its reads of the state happen before the changes.
case_state& own(case_self self) {
  auto& s = self->state.s;
  if (s.use_count() > 1) s = std::make_shared<case_state>(*s);
  else std::atomic_thread_fence(std::memory_order_acquire);
  return *s;
}

// The actor's state becomes `next`: in place when the actor is its one owner (its allocations reused).
void replace(case_self self, case_state&& next) {
  auto& s = self->state.s;
  if (s && s.use_count() == 1) {
    std::atomic_thread_fence(std::memory_order_acquire);
    *s = std::move(next);
  } else {
    s = std::make_shared<case_state>(std::move(next));
  }
}

// The case's state once a decision that consumed it failed (a guard's refusal after admission, a failed stage or
// append): its last recorded state, read back from the log, which has all of it (an append either records the
// batch or nothing). A log that cannot give it back fails the actor: its supervisor restarts the case from the
// log, as after any failure.
void restore(case_self self) {
  auto& st = self->state;
  auto loaded = st.rt->log->load(st.id);
  if (!loaded) throw std::runtime_error("case " + st.id + " cannot be read back: " + loaded.error().to_string());
  replace(self, std::move(*loaded));
}

expected<staged> stage(case_self self, const std::vector<event>& events) {
  auto& st = self->state;
  return detail::stage(*st.rt, st.def, *st.s, events);
}

// The same for a state the interpreter folded the events into; a new case's definition is the one it names.
expected<staged> stage_folded(case_self self, case_state folded) {
  auto& st = self->state;
  const definition* def = st.def ? st.def : st.rt->def(folded.workflow, folded.definition_version).get();
  if (!def) return error(errc::internal, "no definition " + folded.workflow, "workflow");
  return detail::stage_folded(*st.rt, *def, std::move(folded));
}

// The case's agency is known: its supervisor is the one told should a request fail (see case_actor).
void adopt(case_self self, const std::string& agency) {
  auto it = self->state.refs->supervisors.find(agency);
  if (it != self->state.refs->supervisors.end()) self->state.supervisor = it->second;
}

// Everything that follows a durable append. Returns the batch as the supervisors got it (its events answer).
// `before`: the state before as the supervisors read it (figures_view), when the decision consumed the case's own.
shared_batch after_recorded(case_self self, event_batch events, staged& next, std::optional<case_state>& before) {
  auto& st = self->state;
  auto b = std::make_shared<recorded_batch>();
  if (before) {
    b->before = std::move(*before);
    replace(self, std::move(next.after));
  } else if (st.s) {
    b->before = figures_view(*st.s);
    replace(self, std::move(next.after));
  } else {   // parked (working_copy): the old state but its fields, from the packed head
    b->before.id = st.id;
    unpack_case_head(st.parked.head(), b->before, /*deadlines=*/false);
    st.s = std::make_shared<case_state>(std::move(next.after));
    st.parked = packed_json{};
    --st.rt->packed_actors;
  }
  b->before.deadlines = {};
  bool created = !st.def;
  if (created) st.def = st.rt->def(st.s->workflow, st.s->definition_version).get();
  b->after = figures_view(*st.s);
  b->events = std::move(events);
  shared_batch batch = std::move(b);
  if (created) adopt(self, st.s->agency);
  announce_recorded(self, *st.rt, *st.refs, batch);
  if (entry_may_change(batch->events))   // a reminder changes nothing the registry keeps (R6.12, R6.13)
    self->send(st.refs->registry, summary_atom::value, next.derived->entry, batch->before.terminal);
  self->send(st.refs->timers, timers_atom::value, st.id, next.derived->timers);
  return batch;
}

using steady = std::chrono::steady_clock;

void answer(case_self self, caf::response_promise& rp, case_result r, steady::time_point since) {
  std::chrono::duration<double> took = steady::now() - since;
  self->state.rt->health.command(took.count(), r.has_value());
  rp.deliver(std::move(r));
}

// What follows the append of `events` (`st`: its outcome): the answer, and after a record everything
// after_recorded does.
void appended(case_self self, const status& st, event_batch events, staged& next, caf::response_promise& rp,
              steady::time_point since, bool merged, std::optional<case_state>& before) {
  self->state.recording = false;
  if (!st.ok()) {
    if (before) restore(self);
    answer(self, rp, case_result{st.error()}, since);
    if (!self->state.def) {   // a new case whose creation was not recorded: it does not exist
      self->send(self->state.refs->registry, down_atom::value, self->state.id, false);
      self->quit();
    }
    settle(self);
    return;
  }
  auto batch = after_recorded(self, std::move(events), next, before);
  case_reply r;
  if (!settle(self, &r.state)) r.state = self->state.s;   // shared (no copy); park hands it over once packed
  r.timers = next.derived->timers;
  r.recorded = batch->events;
  r.merged = merged;
  answer(self, rp, case_result{std::move(r)}, since);
}

// Records `events` and answers `rp` once they are in the log. Other requests wait meanwhile (await), so a
// command never decides on a state that is about to change. A log that appends in memory (append_in_place) is
// appended to here, on the case's thread, without the store writer's round trip.
// `before` (with `folded`): the decision consumed the case's own state (decided); this is the state before, as the
// supervisors read it, and a failure restores the case's state from the log.
void record(case_self self, std::vector<event> decided, caf::response_promise rp, steady::time_point since,
            bool merged = false, case_state* folded = nullptr, std::optional<case_state> before = std::nullopt) {
  if (decided.empty()) {
    if (before) replace(self, std::move(*folded));   // nothing decided: the state it was decided on
    unpark(self);
    answer(self, rp, case_result{view(self)}, since);
    return;
  }
  event_batch events(std::move(decided));   // shared by the store's message, the supervisors and the answer
  // `folded` (a command's, a fire's): the state the interpreter folded the events into, taken as the state after
  // them instead of applying them to another copy of the case's.
  auto next = folded ? stage_folded(self, std::move(*folded)) : stage(self, events);
  if (!next) {
    if (before) restore(self);
    answer(self, rp, case_result{next.error()}, since);
    return;
  }
  auto& rt = *self->state.rt;
  if (rt.append_in_place) {
    auto st = append_now(rt, {case_events{self->state.id, events, next->derived}});
    appended(self, st, std::move(events), *next, rp, since, merged, before);
    return;
  }
  struct in_flight {
    staged next;
    std::optional<case_state> before;
  };
  auto flight = std::make_shared<in_flight>(in_flight{std::move(*next), std::move(before)});
  self->state.recording = true;
  self->request(self->state.refs->store, caf::infinite, append_atom::value,
                case_events{self->state.id, events, flight->next.derived})
      .await(
          [=](status& st) mutable {
            appended(self, st, std::move(events), flight->next, rp, since, merged, flight->before);
          },
          [=](caf::error& err) mutable {
            self->state.recording = false;
            if (flight->before) restore(self);
            // A writer that stopped before answering (the engine is stopping) may or may not have written the
            // batch: the engine's answer for that doubt is `unavailable`, as for a request the engine dropped.
            const bool stopped = err == caf::sec::request_receiver_down;
            answer(self, rp,
                   case_result{stopped ? error(errc::unavailable, "the store writer stopped before answering", "store")
                                       : error(errc::storage,
                                               "the store writer failed: " + self->system().render(err), "store")},
                   since);
            settle(self);
          });
}

caf::actor_clock::duration_type passivate_after(const runtime_context& rt) {
  return std::chrono::duration_cast<caf::actor_clock::duration_type>(rt.options.passivate_after);
}

void arm_idle_check(case_self self, caf::actor_clock::duration_type in) {
  self->state.idle_check_armed = true;
  self->delayed_send(self, in, idle_check_atom::value);
}

// A request reached the case: it stays active for passivate_after from now.
void touch(case_self self) {
  auto& st = self->state;
  st.last_active = self->clock().now();
  if (!st.idle_check_armed && st.rt->options.passivate_after.count() > 0)
    arm_idle_check(self, passivate_after(*st.rt));
}

// The passivation handshake: the registry agrees when it has handed this actor no request it has not handled.
void ask_to_passivate(case_self self) {
  self->request(self->state.refs->registry, caf::infinite, idle_atom::value, self->state.id, self->state.handled)
      .then([=](bool stop) {
        if (stop) self->quit();
      });
}

// A case re-activated (or restarted) from its snapshot and the events after it.
status load(case_self self, const std::vector<event>& initial) {
  auto& st = self->state;
  if (!initial.empty()) return {};   // a new case: recorded by the first create request
  auto loaded = st.rt->log->load(st.id);
  if (!loaded) return loaded.error();
  replace(self, std::move(*loaded));
  st.def = st.rt->def(st.s->workflow, st.s->definition_version).get();
  if (!st.def)
    return error(errc::internal, "no definition " + st.s->workflow + " v" + std::to_string(st.s->definition_version),
                 "workflow");
  return {};
}

// A case whose history or snapshot cannot be loaded: every request waiting for it is answered with the reason
// (never a silent drop), the registry forgets the actor, and the next request tries to load the case again.
caf::behavior unloadable(case_self self, const error& why) {
  auto& st = self->state;
  ++st.rt->recovery_failures;
  case_result refusal{error(errc::internal, "the case cannot be loaded: " + why.to_string(), "case " + st.id)};
  self->send(st.refs->registry, down_atom::value, st.id, false);
  return {
      [=](create_atom, bool) { return refusal; },
      [=](command_atom, const std::string&, const command&) { return refusal; },
      [=](get_atom, const std::string&) { return refusal; },
      [=](fire_atom, const fire_request&) { return refusal; },
      [=](recompute_atom, const std::string&) { return refusal; },
      [=](link_atom, const std::string&, const std::string&, const std::string&, const std::string&) { return refusal; },
      caf::after(std::chrono::seconds(0)) >> [=] { self->quit(); },
  };
}

// ---- the requests ----

caf::result<caf::message> reply_now(case_result r) { return caf::make_message(std::move(r)); }

caf::result<caf::message> on_create(case_self self, bool merged) {
  ++self->state.handled;
  touch(self);
  auto rp = self->make_response_promise();
  auto pending = std::move(self->state.pending_create);   // null for a create answered already (a join)
  unpark(self);
  if (!pending) record(self, {}, rp, steady::now(), merged);
  else record(self, std::move(pending->events), rp, steady::now(), merged, &pending->folded);
  settle(self);
  return rp;
}

// `cmd` is the message's own when no one else holds the message (dispatch): its input is moved into the
// `command` event instead of copied.
caf::result<caf::message> on_command(case_self self, const std::string& asked, command&& cmd) {
  ++self->state.handled;
  touch(self);
  auto& s = self->state;
  if (!s.def)   // not recorded yet (its creation is still being written or failed)
    return reply_now(case_result{error(errc::not_found, "no such case", "case " + asked)});
  auto rp = self->make_response_promise();
  auto cal = s.rt->calendar.get();
  auto since = steady::now();
  case_state after;
  auto ctx = s.rt->ctx(*cal);
  const bool merged = cmd.name == "add-report";
  if (auto work = working_copy(self)) {   // packed: decides on a copy unpacked from it
    auto events = decide(*s.def, ctx, std::move(*work), std::move(cmd), s.rt->clk->now(), &after);
    if (!events) answer(self, rp, case_result{std::move(events).error()}, since);
    else record(self, std::move(*events), rp, since, merged, &after);
    settle(self);
    return rp;
  }
  // Parsed: decides on the case's own state, without a copy of it (interpreter.hpp, admit), keeping only what the
  // supervisors read of it before (figures_view: no fields). A refusal on admission leaves it untouched; after
  // admission it is consumed, and a failure restores it (record, restore).
  auto admitted = admit(*s.def, *s.s, cmd);
  if (!admitted) {
    answer(self, rp, case_result{std::move(admitted).error()}, since);
    settle(self);
    return rp;
  }
  auto& own_state = own(self);
  auto before = figures_view(own_state);
  auto events =
      decide_admitted(*s.def, ctx, **admitted, std::move(own_state), std::move(cmd), s.rt->clk->now(), &after);
  if (!events) {
    restore(self);
    answer(self, rp, case_result{std::move(events).error()}, since);
  } else {
    record(self, std::move(*events), rp, since, merged, &after, std::move(before));
  }
  settle(self);
  return rp;
}

caf::result<caf::message> on_get(case_self self, const std::string& asked) {
  ++self->state.handled;
  touch(self);
  if (!self->state.def) return reply_now(case_result{error(errc::not_found, "no such case", "case " + asked)});
  case_result r{view(self)};
  settle(self);
  return reply_now(std::move(r));
}

caf::result<caf::message> on_fire(case_self self, const fire_request& f) {
  ++self->state.handled;
  auto& s = self->state;
  if (!s.def) return reply_now(case_result{error(errc::not_found, "no such case", "case " + f.case_id)});
  auto rp = self->make_response_promise();
  auto cal = s.rt->calendar.get();
  auto since = steady::now();
  auto now = std::max(s.rt->clk->now(), f.due);
  case_state after;
  auto ctx = s.rt->ctx(*cal);
  std::optional<case_state> before;
  expected<std::vector<event>> events{std::vector<event>{}};
  if (auto work = working_copy(self)) {   // packed: fires on a copy unpacked from it
    events = fire_timer(*s.def, ctx, std::move(*work), f.timer, f.due, now, &after);
  } else if (auto t = fireable(*s.def, ctx, *s.s, f.timer, f.due, now); !t) {   // parsed: on its own state
    events = std::move(t).error();
  } else {
    auto& own_state = own(self);
    before = figures_view(own_state);
    events = fire_fireable(*s.def, ctx, **t, std::move(own_state), f.due, now, &after);
    if (!events) {
      restore(self);
      before.reset();
    }
  }
  if (events) s.rt->health.fired(std::chrono::duration<double>(now - f.due).count());
  if (events) {
    record(self, std::move(*events), rp, since, false, &after, std::move(before));
  } else if (events.error().code() == errc::failed_precondition) {   // stale
    rp.deliver(case_result{view(self)});
  } else {
    rp.deliver(case_result{std::move(events).error()});
  }
  touch(self);
  settle(self);
  return rp;
}

caf::result<caf::message> on_recompute(case_self self, const std::string& asked) {
  ++self->state.handled;
  touch(self);
  auto& s = self->state;
  if (!s.def) return reply_now(case_result{error(errc::not_found, "no such case", "case " + asked)});
  auto rp = self->make_response_promise();
  auto cal = s.rt->calendar.get();
  unpark(self);
  auto events = recompute_deadlines(*s.def, s.rt->ctx(*cal), *s.s, s.rt->clk->now());
  if (!events) rp.deliver(case_result{std::move(events).error()});
  else record(self, std::move(*events), rp, steady::now());
  settle(self);
  return rp;
}

caf::result<caf::message> on_link(case_self self, const std::string& relation, const std::string& linked,
                                   const std::string& failure) {
  ++self->state.handled;
  touch(self);
  auto rp = self->make_response_promise();
  auto& s = self->state;
  unpark(self);
  event e;
  e.seq = s.s->seq + 1;
  e.at = s.rt->clk->now();
  e.actor = "system:registry";
  if (failure.empty()) {
    e.type = event_type::linked;
    e.data = boost::json::object{{"relation", relation}, {"case", linked}};
  } else {
    e.type = event_type::link_failed;
    e.data = boost::json::object{{"relation", relation}, {"error", failure}};
  }
  record(self, {std::move(e)}, rp, steady::now());
  settle(self);
  return rp;
}

void on_idle_check(case_self self) {   // passivate_after without a request since the last one?
  auto& cs = self->state;
  cs.idle_check_armed = false;
  auto idle = self->clock().now() - cs.last_active;
  auto span = passivate_after(*cs.rt);
  if (span.count() <= 0) return;
  if (idle >= span) ask_to_passivate(self);
  else arm_idle_check(self, span - idle);
}

// Every message of a case actor, matched by hand. CAF keeps a behaviour per actor: eight handlers, each with
// its captures and its entry in the dispatch table, were ~400 bytes of every active case (its own allocation,
// next to the 2 KB target of issue 7). The default handler is a plain function held in the actor object, and
// the behaviour all case actors share matches nothing: no per-actor allocation. Most frequent first.
caf::result<caf::message> dispatch(caf::scheduled_actor* p, caf::message_view& x) {
  auto self = static_cast<case_self>(p);
  auto& xs = x.content();
  if (xs.match_elements<command_atom, std::string, command>()) {
    // A message no one else holds (the registry's delegation builds a fresh one) gives its command up; a shared
    // one is copied.
    if (!xs.shared()) return on_command(self, xs.get_as<std::string>(1), std::move(xs.get_mutable_as<command>(2)));
    return on_command(self, xs.get_as<std::string>(1), command(xs.get_as<command>(2)));
  }
  if (xs.match_elements<fire_atom, fire_request>()) return on_fire(self, xs.get_as<fire_request>(1));
  if (xs.match_elements<get_atom, std::string>()) return on_get(self, xs.get_as<std::string>(1));
  if (xs.match_elements<create_atom, bool>()) return on_create(self, xs.get_as<bool>(1));
  if (xs.match_elements<idle_check_atom>()) {
    on_idle_check(self);
    return caf::message{};
  }
  if (xs.match_elements<park_atom>()) {   // the registry's sweep
    park(self);
    return caf::message{};
  }
  if (xs.match_elements<link_atom, std::string, std::string, std::string, std::string>())
    return on_link(self, xs.get_as<std::string>(2), xs.get_as<std::string>(3), xs.get_as<std::string>(4));
  if (xs.match_elements<recompute_atom, std::string>()) return on_recompute(self, xs.get_as<std::string>(1));
  if (xs.match_elements<crash_atom>())   // fault injection for crash tests: the supervisor restarts the case
    throw std::runtime_error("injected failure");
  return caf::print_and_drop(p, x);
}

// Shared by every case actor (a reference count, not a copy): a handler no message matches, so that the actor
// has a behaviour and everything reaches dispatch.
const caf::behavior& shared_behavior() {
  static const caf::behavior b{[](unmatched_atom) {}};
  return b;
}

}  // namespace

caf::behavior case_actor(case_self self, std::shared_ptr<runtime_context> rt, std::shared_ptr<const actor_refs> refs,
                         std::string id, std::vector<event> initial, case_state folded) {
  // A handler that throws (a bug, or crash_atom's injected failure) ends the actor; its supervisor restarts the
  // case from its history (agency_supervisor.cpp). A new case whose creation is not recorded has none: the
  // registry forgets it, as after a failed append. CAF's own handler still reports the exception and gives the
  // exit reason.
  self->set_exception_handler([](caf::scheduled_actor* p, std::exception_ptr& x) -> caf::error {
    auto* me = static_cast<case_self>(p);
    auto& s = me->state;
    if (s.supervisor) me->send(s.supervisor, failed_atom::value, s.id);
    else if (s.refs) me->send(s.refs->registry, down_atom::value, s.id, false);
    return caf::scheduled_actor::default_exception_handler(p, x);
  });
  auto& st = self->state;
  st.rt = std::move(rt);
  st.refs = std::move(refs);
  st.id = id;
  st.s = std::make_shared<case_state>();
  st.s->id = std::move(id);
  if (auto loaded = load(self, initial); !loaded.ok()) return unloadable(self, loaded.error());
  if (initial.empty()) {  // restarted or re-activated: the timer service learns what this case waits for
    adopt(self, st.s->agency);
    auto cal = st.rt->calendar.get();
    self->send(st.refs->timers, timers_atom::value, st.id, pending_timers(*st.def, st.rt->ctx(*cal), *st.s));
  } else {   // a new case: its first events, until its create request records them
    st.pending_create = std::make_unique<case_actor_state::new_case>(
        case_actor_state::new_case{std::move(initial), std::move(folded)});
  }
  // The registry sends the first idle check, passivate_after after this activation (registry_state::
  // first_idle_checks); touch() arms the next ones.
  st.last_active = self->clock().now();
  st.idle_check_armed = st.rt->options.passivate_after.count() > 0;
  // Packed at once: a case activated for a read stays packed (view), and a command decides on a copy unpacked
  // from it. A new case (its creation not recorded yet) is packed by the sweep after its create.
  park(self);
  self->set_default_handler(dispatch);
  return shared_behavior();
}

}  // namespace casework::detail
