// casework/interpreter.hpp: runs workflow definitions. Pure functions of (definition, context, state, input,
// time) -> events or a precise error; nothing here reads a clock, a file or a socket.
//
//   decide_create   request + time           -> the new case's first events
//   decide          state + command + time   -> events (or an error naming the field, state or rule); each
//                   decision has an overload taking its command (request) by rvalue, which moves the input
//                   into the `command` event instead of copying it
//   admit, decide_admitted   decide in two steps, on the caller's own state (no copy of it)
//   pending_timers  state                    -> the timers the case is waiting for, each with its due instant
//   fire_timer      state + timer + due      -> events
//   fireable, fire_fireable  fire_timer in two steps, likewise
//   recompute       state + new calendar     -> deadline_set events for deadlines that moved
//
// Each returned event has already been folded into a working copy by apply(), so folding the returned events
// onto the input state gives exactly the state the interpreter saw when it produced the next one.
#pragma once

#include <string>
#include <vector>

#include "casework/calendar.hpp"
#include "casework/case.hpp"
#include "casework/definition.hpp"
#include "casework/directory.hpp"
#include "casework/item_table.hpp"

namespace casework {

// What the interpreter reads besides the case. All references must outlive the call.
struct context {
  const business_calendar& calendar;
  const item_table& items;
  const directory& people;
};

struct create_request {
  std::string id;                 // the case id (allocated by the caller, see intake.hpp)
  std::string agency;             // required unless the definition takes it from the item
  std::string item;               // item code, for definitions with uses_items
  command cmd;                    // name "create", the actor, and the input fields
};

// `after`, when given, receives the new case's state: its events folded (as for decide).
[[nodiscard]] expected<std::vector<event>> decide_create(const definition& def, const context& ctx,
                                                         const create_request& req, instant now,
                                                         case_state* after = nullptr);
// The same, moving req.cmd.input into the `command` event instead of copying it: the input is consumed (left
// empty), whatever the outcome; the rest of `req` is left as it was.
[[nodiscard]] expected<std::vector<event>> decide_create(const definition& def, const context& ctx,
                                                         create_request&& req, instant now,
                                                         case_state* after = nullptr);

// `after`, when given, receives the state the events fold `s` to (the interpreter folds them as it decides:
// the caller need not copy `s` and apply them again). Left as it was on an error.
[[nodiscard]] expected<std::vector<event>> decide(const definition& def, const context& ctx,
                                                  const case_state& s, const command& cmd, instant now,
                                                  case_state* after = nullptr);
// The same, deciding on `s` itself instead of a copy of it, for a caller that has a copy to spare (the case
// actor unpacks one from its packed fields): `s` is consumed, whatever the outcome.
[[nodiscard]] expected<std::vector<event>> decide(const definition& def, const context& ctx, case_state&& s,
                                                  const command& cmd, instant now, case_state* after = nullptr);
// The same, moving cmd.input into the `command` event instead of copying it: the input is consumed (left empty)
// once the command is admitted, whatever the outcome; the command's other members are left as they were.
[[nodiscard]] expected<std::vector<event>> decide(const definition& def, const context& ctx, case_state&& s,
                                                  command&& cmd, instant now, case_state* after = nullptr);

// decide in its two steps, for a caller that keeps no other copy of the case (the case actor while its state is
// parsed: a copy would cost about what the decision does). admit reads the case without changing it: the command
// is known, allowed in the case's state and for the actor's role, and its input is valid; its errors are
// decide's for those. decide_admitted then decides on `s` itself (`c`: what admit returned for the same case and
// command), which it consumes whatever the outcome: a guard may still refuse the command (R6.10) after its input
// was folded into `s`.
[[nodiscard]] expected<const command_def*> admit(const definition& def, const case_state& s, const command& cmd);
[[nodiscard]] expected<std::vector<event>> decide_admitted(const definition& def, const context& ctx,
                                                           const command_def& c, case_state&& s,
                                                           const command& cmd, instant now,
                                                           case_state* after = nullptr);
// The same, moving cmd.input into the `command` event (consumed, left empty, whatever the outcome).
[[nodiscard]] expected<std::vector<event>> decide_admitted(const definition& def, const context& ctx,
                                                           const command_def& c, case_state&& s, command&& cmd,
                                                           instant now, case_state* after = nullptr);

struct pending_timer {
  std::string name;
  instant due{};
  std::string rule;
  bool operator==(const pending_timer& o) const { return name == o.name && due == o.due; }
};

// The timers the case waits for, in due order (then definition order). Empty for terminal cases.
std::vector<pending_timer> pending_timers(const definition& def, const context& ctx, const case_state& s);

// Fires `timer` for `due` (due <= now). Errors: failed_precondition when the timer is no longer pending for
// that due instant (the case moved on, or it already fired: at most once per (case, timer, due)). `after` as
// for decide.
[[nodiscard]] expected<std::vector<event>> fire_timer(const definition& def, const context& ctx,
                                                      const case_state& s, const std::string& timer,
                                                      instant due, instant now, case_state* after = nullptr);
// The same, firing on `s` itself instead of a copy of it (see decide): `s` is consumed, whatever the outcome.
[[nodiscard]] expected<std::vector<event>> fire_timer(const definition& def, const context& ctx, case_state&& s,
                                                      const std::string& timer, instant due, instant now,
                                                      case_state* after = nullptr);

// fire_timer in its two steps (see admit and decide_admitted): fireable reads the case without changing it (the
// timer is pending for `due`, and due by `now`; fire_timer's errors for those); fire_fireable fires `t` on `s`
// itself, consumed whatever the outcome.
[[nodiscard]] expected<const timer_def*> fireable(const definition& def, const context& ctx, const case_state& s,
                                                  const std::string& timer, instant due, instant now);
[[nodiscard]] expected<std::vector<event>> fire_fireable(const definition& def, const context& ctx,
                                                         const timer_def& t, case_state&& s, instant due,
                                                         instant now, case_state* after = nullptr);

// Fires, in due order, every timer of the case that falls due at or before `until`, each at its own due
// instant (virtual time), folding as it goes. A definition whose timers keep rescheduling at the same
// instant stops with errc::internal after `max_fires`.
[[nodiscard]] expected<std::vector<event>> fire_due_timers(const definition& def, const context& ctx,
                                                           const case_state& s, instant until,
                                                           std::size_t max_fires = 10000);

// Re-evaluates the case's deadlines under ctx.calendar (e.g. after a typhoon closure was added) and returns a
// deadline_set event, with the previous instant and the reason, for each one that moved.
[[nodiscard]] expected<std::vector<event>> recompute_deadlines(const definition& def, const context& ctx,
                                                               const case_state& s, instant now);

// The commands `role` may issue in the case's current state (guards not evaluated).
std::vector<std::string> allowed_commands(const definition& def, const case_state& s, const std::string& role);

// Deadline compliance of a case: for each deadline, "met" (closed on time), "missed" (closed late or still
// open past it) or "pending".
std::map<std::string, std::string> compliance(const definition& def, const case_state& s, instant now);

}  // namespace casework
