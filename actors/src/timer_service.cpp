// The timer service: one ordered index of every pending timer of every case (not one CAF message per timer).
// Case actors tell it what they wait for after each change; it fires what falls due through the registry,
// which activates passivated cases.
//
// real and deterministic mode: one delayed tick is armed for the earliest due instant of the engine clock
//   (the system clock, or CAF's test clock in deterministic mode); a tick fires everything due by then.
// virtual_time mode: advance(t) fires every timer due up to t in due order, moving the manual clock to each
//   due instant first, as fast as the cases answer; the timers of one instant fire concurrently.
#include <caf/all.hpp>

#include "actors.hpp"

namespace casework::detail {

using timer_self = caf::stateful_actor<timer_service_state>*;

namespace {

// Fires through the registry (which activates a passivated case). A fire that could not be recorded (a
// storage error) is retried a second later; a case actor that died re-registers its timers when it restarts.
void fire(timer_self self, const due_timer& t, std::function<void()> done) {
  self->request(self->state.registry, caf::infinite, fire_atom::value, fire_request{t.case_id, t.timer, t.due})
      .then(
          [=](case_result& r) {
            if (!r && r.error().code() == errc::storage)
              self->delayed_send(self, std::chrono::seconds(1), retry_atom::value, t.case_id, t.timer, t.due);
            done();
          },
          [=](caf::error&) { done(); });
}

void arm(timer_self self) {
  auto& st = self->state;
  auto next = st.index.next_due();
  if (!next || (st.armed && *st.armed <= *next)) return;
  st.armed = next;
  auto delay = std::max(duration{0}, std::chrono::duration_cast<duration>(*next - st.rt->clk->now()));
  self->delayed_send(self, delay, tick_atom::value, *next);
}

void fire_due(timer_self self) {
  auto& st = self->state;
  for (auto& t : st.index.take_due(st.rt->clk->now())) fire(self, t, [] {});
}

void step(timer_self self) {
  auto& st = self->state;
  if (st.waiting > 0 || !st.target) return;
  auto next = st.index.next_due();
  if (!next || *next > *st.target) {
    (void)st.manual->set(std::max(st.manual->now(), *st.target));
    st.target.reset();
    st.advancing.deliver(status{});
    return;
  }
  (void)st.manual->set(std::max(st.manual->now(), *next));
  auto batch = st.index.take_due(*next);
  st.waiting = batch.size();
  for (auto& t : batch)
    fire(self, t, [=] {
      if (--self->state.waiting == 0) step(self);
    });
}

}  // namespace

caf::behavior timer_service_actor(timer_self self, std::shared_ptr<runtime_context> rt, caf::actor registry) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.registry = std::move(registry);
  st.manual = std::dynamic_pointer_cast<manual_clock>(st.rt->clk);
  bool virtual_time = st.rt->options.mode == clock_mode::virtual_time;
  return {
      [=](timers_atom, const std::string& case_id, const std::vector<pending_timer>& timers) {
        self->state.index.set(case_id, timers);
        if (!virtual_time) arm(self);
      },
      [=](tick_atom, instant armed_for) {
        auto& s = self->state;
        if (s.armed && *s.armed == armed_for) s.armed.reset();
        fire_due(self);
        arm(self);
      },
      [=](advance_atom, instant to) {
        auto& s = self->state;
        auto rp = self->make_response_promise();
        if (!virtual_time || !s.manual) {
          rp.deliver(status{error(errc::failed_precondition,
                                  "the clock moves by itself unless the engine runs on virtual time", "clock")});
        } else if (s.target) {
          rp.deliver(status{error(errc::failed_precondition, "an advance is already running", "clock")});
        } else if (to < s.manual->now()) {
          rp.deliver(status{error(errc::invalid_argument, "is before the engine's time " + format_utc(s.manual->now()), "to")});
        } else {
          s.target = to;
          s.advancing = rp;
          step(self);
        }
        return rp;
      },
      [=](count_atom) { return self->state.index.size(); },
      [=](retry_atom, const std::string& case_id, const std::string& timer, instant due) {
        fire(self, due_timer{case_id, timer, due}, [] {});
      },
  };
}

}  // namespace casework::detail
