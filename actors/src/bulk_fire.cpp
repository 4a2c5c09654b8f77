// Bulk fires: the due timers of cases that have no active actor, fired on their stored states without
// activating them (docs/design.md, "One timer").
//
// Activating a case for each fire (spawn, load, fire, record, tell the supervisor, the registry and the timer
// service, then the passivation handshake) cost ~330 us of CPU per fire in a backlog of a million reminders.
// Instead the registry leases a page of such cases to a fire worker (requests for them wait for the lease's
// end), and the worker loads each case, runs the interpreter's fire_timer and derives the snapshot, timers and
// directory entry as a case actor would, then has the store writer record the whole page as one group. What
// follows a record is what a case actor does after one (announce_recorded), the registry's summaries and the
// timer service's timers sent once per page. A case loads from the log again when a request next reaches it.
//
// Also here: stage() and announce_recorded(), which case actors and fire workers share.
#include <algorithm>

#include <caf/all.hpp>

#include "actors.hpp"

namespace casework::detail {

expected<staged> stage(const runtime_context& rt, const definition* def, case_state from,
                       const std::vector<event>& events) {
  staged out{std::move(from), nullptr};
  for (const auto& e : events)
    if (auto applied = apply(out.after, e); !applied.ok()) return applied.error();
  std::shared_ptr<const definition> found;
  if (!def) {   // a new case: its definition is the one its first events name
    found = rt.def(out.after.workflow, out.after.definition_version);
    def = found.get();
  }
  if (!def) return error(errc::internal, "no definition " + out.after.workflow, "workflow");
  return stage_folded(rt, *def, std::move(out.after));
}

staged stage_folded(const runtime_context& rt, const definition& def, case_state after) {
  auto cal = rt.calendar.get();
  auto timers = pending_timers(def, rt.ctx(*cal), after);
  auto derived = std::make_shared<const case_derived>(derive(after, std::move(timers), rt.log->keeps_snapshots()));
  return staged{std::move(after), std::move(derived)};
}

case_state figures_view(const case_state& s) {
  case_state out;
  out.id = s.id;
  out.workflow = s.workflow;
  out.definition_version = s.definition_version;
  out.stage = s.stage;
  out.state = s.state;
  out.agency = s.agency;
  out.item = s.item;
  out.created_at = s.created_at;
  out.updated_at = s.updated_at;
  out.seq = s.seq;
  out.entered = s.entered;
  out.terminal = s.terminal;
  if (s.terminal) {   // compliance at closing
    out.deadlines = s.deadlines;
    out.first_entered = s.first_entered;
    out.closed_at = s.closed_at;
  }
  return out;
}

namespace {

void tell_supervisor(caf::event_based_actor* self, const actor_refs& refs, const std::string& agency,
                     const shared_batch& b) {
  auto it = refs.supervisors.find(agency);
  if (it != refs.supervisors.end()) self->send(it->second, batch_atom::value, b);
}

}  // namespace

void announce_recorded(caf::event_based_actor* self, runtime_context& rt, const actor_refs& refs,
                       const shared_batch& batch) {
  const auto& id = batch->after.id;
  if (rt.delivering.load(std::memory_order_acquire)) {   // else the notifier would drop them
    auto fresh = notifications_of(id, batch->events);
    if (!fresh.empty()) self->send(refs.notifier, id, std::move(fresh));
  }
  tell_supervisor(self, refs, batch->after.agency, batch);
  if (!batch->before.agency.empty() && batch->before.agency != batch->after.agency)
    tell_supervisor(self, refs, batch->before.agency, batch);
  rt.bus.publish(id, batch->events);
  for (const auto& e : batch->events)
    if (e.type == event_type::link_requested) self->send(refs.registry, open_link_atom::value, link_request{id, e});
}

namespace {

using steady = std::chrono::steady_clock;

// A case whose fires produced events, waiting for the store writer.
struct fired_case {
  std::vector<fire_request> fires;
  std::size_t recorded_fires = 0;   // fires that produced events (each counts as a command in the health figures)
  case_state before;                // without fields: what the supervisors read
  case_state after;
  event_batch events;
  std::shared_ptr<const case_derived> derived;
  std::vector<pending_timer> timers;   // for the timer service: derived->timers but those this page tried
};

struct fire_job {
  caf::response_promise rp;
  bulk_fire_result result;
  std::vector<fired_case> recorded;   // in the order of the append's batches
  std::vector<case_timers> timers;    // for the timer service, once per page
  steady::time_point since;
};

// The case's pending timers after a record but the (timer, due) pairs its page tried to fire: one refused (for
// any reason but staleness, which leaves a timer no longer pending) would otherwise be handed out again at once.
// As on a case actor, a refused fire is dropped until the case next changes.
std::vector<pending_timer> without_tried(std::vector<pending_timer> timers, const std::vector<fire_request>& fires) {
  timers.erase(std::remove_if(timers.begin(), timers.end(),
                              [&](const pending_timer& t) {
                                return std::any_of(fires.begin(), fires.end(), [&](const fire_request& f) {
                                  return f.timer == t.name && f.due == t.due;
                                });
                              }),
               timers.end());
  return timers;
}

// Fires one case's timers (`fires`, in due order) on its stored state. Adds the case to job.recorded when
// events came of them. Otherwise (stale: the case moved on; or refused) nothing is sent: the timer service took
// the fires out of its index and holds the case's other timers, as when a case actor answers such a fire.
void fire_case(runtime_context& rt, const context& ctx, std::vector<fire_request> fires, fire_job& job) {
  const std::string id = fires.front().case_id;
  auto loaded = rt.log->load(id);
  if (!loaded) {
    if (loaded.error().code() == errc::storage) {
      job.result.retry.insert(job.result.retry.end(), fires.begin(), fires.end());
    } else if (loaded.error().code() != errc::not_found) {
      ++rt.recovery_failures;   // as a case actor that cannot load the case counts it
    }
    return;
  }
  auto def = rt.def(loaded->workflow, loaded->definition_version);
  if (!def) {
    ++rt.recovery_failures;
    return;
  }
  fired_case fc;
  std::vector<event> recorded;
  case_state s = std::move(*loaded);
  for (const auto& f : fires) {
    auto now = std::max(rt.clk->now(), f.due);
    case_state after;
    auto events = fire_timer(*def, ctx, s, f.timer, f.due, now, &after);
    if (!events) continue;   // stale (failed_precondition: the case moved on), or refused, as a case actor does
    if (events->empty()) continue;
    rt.health.fired(std::chrono::duration<double>(now - f.due).count());
    if (recorded.empty()) fc.before = figures_view(s);
    s = std::move(after);   // the interpreter folded its events into it
    for (auto& e : *events) recorded.push_back(std::move(e));
    ++fc.recorded_fires;
  }
  if (recorded.empty()) return;
  fc.events = std::move(recorded);
  auto timers = pending_timers(*def, ctx, s);
  fc.timers = without_tried(timers, fires);
  fc.derived = std::make_shared<const case_derived>(derive(s, std::move(timers), rt.log->keeps_snapshots()));
  s.fields = {};
  fc.after = std::move(s);
  fc.fires = std::move(fires);
  job.recorded.push_back(std::move(fc));
}

void finish(caf::event_based_actor* self, runtime_context& rt, const actor_refs& refs, fire_job& job) {
  if (!job.timers.empty()) self->send(refs.timers, timers_atom::value, std::move(job.timers));
  job.rp.deliver(std::move(job.result));
}

// What follows the page's append: per case, what a case actor does after a record, or the fires to retry.
void recorded(caf::event_based_actor* self, runtime_context& rt, const actor_refs& refs, fire_job& job,
              const std::vector<status>& results) {
  double took = std::chrono::duration<double>(steady::now() - job.since).count();
  for (std::size_t k = 0; k < job.recorded.size(); ++k) {
    auto& fc = job.recorded[k];
    const status& st = k < results.size() ? results[k] : status{error(errc::storage, "not answered", "store")};
    for (std::size_t n = 0; n < fc.recorded_fires; ++n) rt.health.command(took, st.ok());
    if (!st.ok()) {
      if (st.error().code() == errc::storage) job.result.retry.insert(job.result.retry.end(), fc.fires.begin(), fc.fires.end());
      continue;
    }
    auto b = std::make_shared<recorded_batch>();
    b->before = std::move(fc.before);
    b->after = std::move(fc.after);
    b->events = std::move(fc.events);
    shared_batch batch = std::move(b);
    announce_recorded(self, rt, refs, batch);
    if (entry_may_change(batch->events))   // as a case actor (after_recorded)
      job.result.summaries.emplace_back(fc.derived->entry, batch->before.terminal);
    job.timers.emplace_back(batch->after.id, std::move(fc.timers));
  }
  finish(self, rt, refs, job);
}

}  // namespace

caf::behavior fire_worker_actor(caf::event_based_actor* self, std::shared_ptr<runtime_context> rt,
                                std::shared_ptr<const actor_refs> refs) {
  return {
      [=](fire_atom, bulk_fire& page) {
        auto job = std::make_shared<fire_job>();
        job->rp = self->make_response_promise();
        job->since = steady::now();
        auto cal = rt->calendar.get();
        auto ctx = rt->ctx(*cal);
        auto& fires = page.fires;
        for (std::size_t i = 0; i < fires.size();) {
          std::size_t j = i + 1;
          while (j < fires.size() && fires[j].case_id == fires[i].case_id) ++j;
          job->result.cases.push_back(fires[i].case_id);
          fire_case(*rt, ctx, std::vector<fire_request>(fires.begin() + i, fires.begin() + j), *job);
          i = j;
        }
        if (job->recorded.empty()) {
          finish(self, *rt, *refs, *job);
          return job->rp;
        }
        std::vector<case_events> batches;
        batches.reserve(job->recorded.size());
        for (const auto& fc : job->recorded) batches.push_back(case_events{fc.after.id, fc.events, fc.derived});
        self->request(refs->store, caf::infinite, append_atom::value, std::move(batches))
            .then([=](std::vector<status>& results) { recorded(self, *rt, *refs, *job, results); },
                  [=](caf::error& e) {
                    recorded(self, *rt, *refs, *job,
                             std::vector<status>(job->recorded.size(),
                                                 status{error(errc::storage, "the store writer failed: " +
                                                                                 self->system().render(e), "store")}));
                  });
        return job->rp;
      },
  };
}

}  // namespace casework::detail
