// The case actor: one per active case. It runs commands and timers through the pure interpreter, has the
// store writer record the events, and only then answers, folds the events into its state, reschedules its
// timers and tells the registry, its supervisor(s) and the notifier.
#include <caf/all.hpp>

#include "actors.hpp"

namespace casework::detail {

using case_self = caf::stateful_actor<case_actor_state>*;

namespace {

case_reply view(case_self self, std::vector<event> recorded = {}) {
  auto& st = self->state;
  auto cal = st.rt->calendar.get();
  case_reply r;
  r.state = st.s;
  if (st.def) r.timers = pending_timers(*st.def, st.rt->ctx(*cal), st.s);
  r.recorded = std::move(recorded);
  return r;
}

void tell_supervisor(case_self self, const std::string& agency, const recorded_batch& b) {
  auto it = self->state.refs->supervisors.find(agency);
  if (it != self->state.refs->supervisors.end()) self->send(it->second, batch_atom::value, b);
}

// Everything that follows a durable append.
void after_recorded(case_self self, std::vector<event>& events) {
  auto& st = self->state;
  recorded_batch b;
  b.before = st.s;
  for (const auto& e : events) (void)apply(st.s, e);
  if (!st.def) st.def = st.rt->def(st.s.workflow, st.s.definition_version);
  b.after = st.s;
  b.events = events;
  auto now = st.rt->clk->now();
  auto fresh = st.rt->notifications.record(st.s.id, events, now);
  if (!fresh.empty()) self->send(st.refs->notifier, st.s.id, std::move(fresh));
  tell_supervisor(self, b.after.agency, b);
  if (!b.before.agency.empty() && b.before.agency != b.after.agency) tell_supervisor(self, b.before.agency, b);
  self->send(st.refs->registry, summary_atom::value, summarize(st.s));
  auto cal = st.rt->calendar.get();
  self->send(st.refs->timers, timers_atom::value, st.s.id, pending_timers(*st.def, st.rt->ctx(*cal), st.s));
  st.rt->bus.publish(st.s.id, events);
  for (const auto& e : events)
    if (e.type == event_type::link_requested) self->send(st.refs->registry, open_link_atom::value, link_request{st.s.id, e});
}

// Records `events` and answers `rp` once they are in the log. Other requests wait meanwhile (await), so a
// command never decides on a state that is about to change.
void record(case_self self, std::vector<event> events, caf::response_promise rp, bool merged = false) {
  if (events.empty()) {
    rp.deliver(case_result{view(self)});
    return;
  }
  self->request(self->state.refs->store, caf::infinite, append_atom::value, self->state.s.id, events)
      .await(
          [=](status& st) mutable {
            if (!st.ok()) {
              rp.deliver(case_result{st.error()});
              if (self->state.s.seq == 0) {   // a new case whose creation was not recorded: it does not exist
                self->send(self->state.refs->registry, down_atom::value, self->state.s.id, false);
                self->quit();
              }
              return;
            }
            after_recorded(self, events);
            auto r = view(self, events);
            r.merged = merged;
            rp.deliver(case_result{std::move(r)});
          },
          [=](caf::error& err) mutable {
            rp.deliver(case_result{error(errc::storage, "the store writer failed: " + self->system().render(err),
                                         "store")});
          });
}

caf::duration idle_timeout(const runtime_context& rt) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(rt.options.passivate_after).count();
  return ms > 0 ? caf::duration{std::chrono::milliseconds(ms)} : caf::infinite;
}

bool load(case_self self, const std::vector<event>& initial) {
  auto& st = self->state;
  if (!initial.empty()) return true;   // a new case: recorded by the first create request
  auto history = st.rt->log->read(st.s.id);
  if (!history) return false;
  auto folded = fold(*history);
  if (!folded) return false;
  st.s = std::move(*folded);
  st.def = st.rt->def(st.s.workflow, st.s.definition_version);
  return st.def != nullptr;
}

}  // namespace

caf::behavior case_actor(case_self self, std::shared_ptr<runtime_context> rt, std::shared_ptr<const actor_refs> refs,
                         std::string id, std::vector<event> initial) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.refs = std::move(refs);
  st.s.id = id;
  if (!load(self, initial)) {
    self->quit(caf::sec::invalid_argument);
    return {};
  }
  if (initial.empty()) {  // restarted or re-activated: the timer service learns what this case waits for
    auto cal = st.rt->calendar.get();
    self->send(st.refs->timers, timers_atom::value, st.s.id, pending_timers(*st.def, st.rt->ctx(*cal), st.s));
  }
  auto pending_create = std::make_shared<std::vector<event>>(std::move(initial));
  return {
      [=](create_atom, bool merged) {
        ++self->state.handled;
        auto rp = self->make_response_promise();
        record(self, std::move(*pending_create), rp, merged);
        pending_create->clear();
        return rp;
      },
      [=](command_atom, const std::string& id, const command& cmd) {
        ++self->state.handled;
        auto rp = self->make_response_promise();
        auto& s = self->state;
        if (!s.def) {   // not recorded yet (its creation is still being written or failed)
          rp.deliver(case_result{error(errc::not_found, "no such case", "case " + id)});
          return rp;
        }
        auto cal = s.rt->calendar.get();
        auto events = decide(*s.def, s.rt->ctx(*cal), s.s, cmd, s.rt->clk->now());
        if (!events) rp.deliver(case_result{std::move(events).error()});
        else record(self, std::move(*events), rp, cmd.name == "add-report");
        return rp;
      },
      [=](get_atom, const std::string& id) {
        ++self->state.handled;
        if (!self->state.def) return case_result{error(errc::not_found, "no such case", "case " + id)};
        return case_result{view(self)};
      },
      [=](fire_atom, const fire_request& f) {
        ++self->state.handled;
        auto rp = self->make_response_promise();
        auto& s = self->state;
        if (!s.def) {
          rp.deliver(case_result{error(errc::not_found, "no such case", "case " + f.case_id)});
          return rp;
        }
        auto cal = s.rt->calendar.get();
        auto now = std::max(s.rt->clk->now(), f.due);
        auto events = fire_timer(*s.def, s.rt->ctx(*cal), s.s, f.timer, f.due, now);
        if (events) record(self, std::move(*events), rp);
        else if (events.error().code() == errc::failed_precondition) rp.deliver(case_result{view(self)});  // stale
        else rp.deliver(case_result{std::move(events).error()});
        return rp;
      },
      [=](recompute_atom, const std::string& id) {
        ++self->state.handled;
        auto rp = self->make_response_promise();
        auto& s = self->state;
        if (!s.def) {
          rp.deliver(case_result{error(errc::not_found, "no such case", "case " + id)});
          return rp;
        }
        auto cal = s.rt->calendar.get();
        auto events = recompute_deadlines(*s.def, s.rt->ctx(*cal), s.s, s.rt->clk->now());
        if (!events) rp.deliver(case_result{std::move(events).error()});
        else record(self, std::move(*events), rp);
        return rp;
      },
      [=](link_atom, const std::string&, const std::string& relation, const std::string& linked,
          const std::string& failure) {
        ++self->state.handled;
        auto rp = self->make_response_promise();
        auto& s = self->state;
        event e;
        e.seq = s.s.seq + 1;
        e.at = s.rt->clk->now();
        e.actor = "system:registry";
        if (failure.empty()) {
          e.type = event_type::linked;
          e.data = boost::json::object{{"relation", relation}, {"case", linked}};
        } else {
          e.type = event_type::link_failed;
          e.data = boost::json::object{{"relation", relation}, {"error", failure}};
        }
        record(self, {std::move(e)}, rp);
        return rp;
      },
      [=](crash_atom) {   // fault injection for crash tests: the supervisor restarts the case from its history
        throw std::runtime_error("injected failure");
      },
      caf::after(idle_timeout(*self->state.rt)) >> [=] {
        self->request(self->state.refs->registry, caf::infinite, idle_atom::value, self->state.s.id,
                      self->state.handled)
            .then([=](bool stop) {
              if (stop) self->quit();
            });
      },
  };
}

case_summary summarize(const case_state& s) {
  case_summary out;
  out.id = s.id;
  out.workflow = s.workflow;
  out.agency = s.agency;
  out.item = s.item;
  out.state = s.state;
  out.stage = s.stage;
  out.terminal = s.terminal;
  out.created_at = s.created_at;
  const char* stage_limit = s.stage == 1 ? "stage-one" : s.stage == 2 ? "stage-two" : nullptr;
  if (stage_limit && s.state != "released") {
    auto it = s.deadlines.find(stage_limit);
    if (it != s.deadlines.end()) out.limit = it->second.at;
  }
  if (auto* a = find_path(s.fields, "location.address"); a && a->is_string()) out.address = a->get_string();
  auto* lat = find_path(s.fields, "location.lat");
  auto* lng = find_path(s.fields, "location.lng");
  if (lat && lng && lat->is_number() && lng->is_number())
    out.where = geo_point{lat->to_number<double>(), lng->to_number<double>()};
  if (auto* f = find_path(s.fields, "finding"); f && f->is_string()) out.finding = f->get_string();
  return out;
}

}  // namespace casework::detail
