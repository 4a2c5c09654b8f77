// The timer service: one ordered index of every pending timer of every case (not one CAF message per timer).
// Case actors (and fire workers) tell it what a case waits for after each change; it fires what falls due
// through the registry, which fires a case with an active actor there and the others in bulk, without
// activating them (bulk_fire.cpp).
//
// real and deterministic mode: one delayed tick is armed for the earliest due instant of the engine clock
//   (the system clock, or CAF's test clock in deterministic mode); a tick fires everything due by then, in pages
//   to the registry (which fires cases without an active actor in bulk: bulk_fire.cpp).
// virtual_time mode: advance(t) fires every timer due up to t in due order, moving the manual clock to each
//   due instant first, as fast as the cases answer; the timers of one instant fire concurrently.
//
// On open it reads the durable timers from the log, a page at a time in due order (not by reading cases).
// Timers that fell due while the engine was down fire oldest first, at most max_in_flight at once; each case
// records how late (timer_fired.late_ms). A case that sets its timers while the pages are being read wins over
// what the pages say of it.
#include <caf/all.hpp>

#include "actors.hpp"

namespace casework::detail {

using timer_self = caf::stateful_actor<timer_service_state>*;

namespace {

// Due timers go to the registry in pages (which fires the cases without an active actor in bulk, without
// activating them: bulk_fire.cpp); up to max_in_flight fires are awaiting their page's answer at once, so that
// loading and deciding one page overlaps writing another.
constexpr std::size_t fire_page_size = 256;
constexpr std::size_t max_in_flight = 4 * fire_page_size;
constexpr std::size_t load_page = 4096;

void count(timer_self self) { self->state.rt->pending_timers = self->state.index.size(); }

// Fires a page through the registry. A fire that could not be recorded (a storage error) is retried a second
// later; a case actor that died re-registers its timers when it restarts.
void fire(timer_self self, const std::vector<due_timer>& page, std::function<void()> done) {
  std::vector<fire_request> fires;
  fires.reserve(page.size());
  for (const auto& t : page) fires.push_back(fire_request{t.case_id, t.timer, t.due});
  self->request(self->state.registry, caf::infinite, fire_atom::value, std::move(fires))
      .then(
          [=](std::vector<fire_request>& retry) {
            for (auto& f : retry)
              self->delayed_send(self, std::chrono::seconds(1), retry_atom::value, f.case_id, f.timer, f.due);
            done();
          },
          [=](caf::error&) { done(); });
}

// `due` in pages of fire_page_size, `done(n)` after each page's answer with its size.
void fire_in_pages(timer_self self, std::vector<due_timer> due, std::function<void(std::size_t)> done) {
  for (std::size_t i = 0; i < due.size(); i += fire_page_size) {
    std::vector<due_timer> page(due.begin() + i, due.begin() + std::min(due.size(), i + fire_page_size));
    auto n = page.size();
    fire(self, page, [=] { done(n); });
  }
}

std::size_t pages(std::size_t n) { return (n + fire_page_size - 1) / fire_page_size; }

void arm(timer_self self) {
  auto& st = self->state;
  auto next = st.index.next_due();
  if (!next || (st.armed && *st.armed <= *next)) return;
  st.armed = next;
  auto delay = std::max(duration{0}, std::chrono::duration_cast<duration>(*next - st.rt->clk->now()));
  self->delayed_send(self, delay, tick_atom::value, *next);
}

// Fires what is due, oldest first, keeping at most max_in_flight unanswered; each answer lets the next one go.
void fire_due(timer_self self) {
  auto& st = self->state;
  if (st.in_flight >= max_in_flight) return;
  auto due = st.index.take_due(st.rt->clk->now(), max_in_flight - st.in_flight);
  st.in_flight += due.size();
  count(self);
  fire_in_pages(self, std::move(due), [=](std::size_t n) {
    self->state.in_flight -= n;
    fire_due(self);
    if (self->state.in_flight < max_in_flight) arm(self);
  });
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
  count(self);
  st.waiting = pages(batch.size());
  fire_in_pages(self, std::move(batch), [=](std::size_t) {
    if (--self->state.waiting == 0) step(self);
  });
}

// Reads the next page of durable timers. Cases are grouped across pages: a case's timers may span two.
void load_page_of_timers(timer_self self) {
  auto& st = self->state;
  auto page = st.rt->log->timers(load_page, st.loaded_up_to);
  std::map<std::string, std::vector<pending_timer>> by_case;
  for (const auto& t : page)
    if (!st.touched.count(t.case_id)) by_case[t.case_id].push_back(t.timer);
  for (auto& [id, timers] : by_case) {
    auto merged = st.index.timers_of(id);
    merged.insert(merged.end(), timers.begin(), timers.end());
    st.index.set(id, merged);
  }
  count(self);
  if (page.size() == load_page) {
    st.loaded_up_to = page.back();
    self->send(self, load_atom::value);
    return;
  }
  st.loading = false;
  st.touched.clear();
  st.loaded_up_to.reset();
}

}  // namespace

caf::behavior timer_service_actor(timer_self self, std::shared_ptr<runtime_context> rt, caf::actor registry) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.registry = std::move(registry);
  st.manual = std::dynamic_pointer_cast<manual_clock>(st.rt->clk);
  bool virtual_time = st.rt->options.mode == clock_mode::virtual_time;
  // The registry sends the first load_atom once it has restored routing, so the first commands come first.
  return {
      [=](load_atom) {
        load_page_of_timers(self);
        if (self->state.loading) return;
        if (!virtual_time) arm(self);
        else step(self);   // an advance asked for while loading
      },
      [=](timers_atom, const std::string& case_id, const std::vector<pending_timer>& timers) {
        auto& s = self->state;
        if (s.loading) s.touched.insert(case_id);
        s.index.set(case_id, timers);
        count(self);
        if (!virtual_time && !s.loading) arm(self);
      },
      [=](timers_atom, const std::vector<case_timers>& cases) {   // a bulk fire's
        auto& s = self->state;
        for (const auto& [case_id, timers] : cases) {
          if (s.loading) s.touched.insert(case_id);
          s.index.set(case_id, timers);
        }
        count(self);
        if (!virtual_time && !s.loading) arm(self);
      },
      [=](tick_atom, instant armed_for) {
        auto& s = self->state;
        if (s.armed && *s.armed == armed_for) s.armed.reset();
        fire_due(self);
        if (s.in_flight < max_in_flight) arm(self);   // otherwise each answer fires the next due timer
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
          if (!s.loading) step(self);
        }
        return rp;
      },
      [=](count_atom) { return self->state.index.size(); },
      [=](retry_atom, const std::string& case_id, const std::string& timer, instant due) {
        fire(self, {due_timer{case_id, timer, due}}, [] {});
      },
  };
}

}  // namespace casework::detail
