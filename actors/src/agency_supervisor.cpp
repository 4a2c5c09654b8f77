// The agency supervisor: restarts its agency's failed case actors from their recorded history (through the
// registry, which owns the handles; a case actor whose handler throws tells its supervisor, see case_actor.cpp),
// and keeps the agency's figures from the recorded batches the case actors send it, publishing a snapshot after
// each (figures are never gathered by asking case actors).
// After an open, the recount (recount.cpp) first folds the histories recorded before it; live batches wait.
// Publishing copies the figures, so one publication covers every batch waiting in the mailbox (flush).
#include <caf/all.hpp>

#include "actors.hpp"

namespace casework::detail {

using supervisor_self = caf::stateful_actor<supervisor_state>*;

namespace {

constexpr int max_restarts_per_case = 5;

// Publishing copies the figures (the open cases' creation instants among them: O(open cases)), so it is not
// done per batch: the first batch after a publication queues a flush behind the batches already waiting, and
// the flush publishes them all at once. Under load each copy covers the batches that arrived during the last.
// At most one publication per publish_every in real and virtual time (a copy may cost milliseconds with 100,000
// open cases). In deterministic mode the figures are published when they are read: engine::figures() sends the
// flush and runs it (a copy after every batch was 9% of a simulated month's instructions).
constexpr auto publish_every = std::chrono::milliseconds(100);

bool deterministic(supervisor_self self) { return self->state.rt->options.mode == clock_mode::deterministic; }

void publish(supervisor_self self) {
  auto& s = self->state;
  s.rt->figures.publish(s.agency, std::make_shared<const agency_figures>(s.figures->figures()));
  s.flush_queued = false;
  s.published_at = std::chrono::steady_clock::now();
}

void flush(supervisor_self self) {
  auto& s = self->state;
  if (deterministic(self)) {   // asked by engine::figures(): publish what changed since the last
    if (s.flush_queued) publish(self);
    return;
  }
  auto since = std::chrono::steady_clock::now() - s.published_at;
  if (since >= publish_every) return publish(self);
  self->delayed_send(self, publish_every - since, flush_atom::value);
}

// `flush_queued`: the figures changed since the last publication (in deterministic mode no flush is queued).
void changed(supervisor_self self) {
  if (self->state.flush_queued) return;
  self->state.flush_queued = true;
  if (!deterministic(self)) self->send(self, flush_atom::value);
}

}  // namespace

caf::behavior supervisor_actor(supervisor_self self, std::shared_ptr<runtime_context> rt, std::string agency,
                               caf::actor registry) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.agency = std::move(agency);
  st.registry = std::move(registry);
  st.figures = std::make_unique<figures_aggregator>(st.agency, st.rt->rules->definitions);
  st.rt->figures.publish(st.agency, std::make_shared<const agency_figures>(st.figures->figures()));
  return {
      [=](failed_atom, const std::string& id) {
        auto& s = self->state;
        bool restart = ++s.restarts[id] <= max_restarts_per_case;   // a case that keeps failing stays stopped
        if (restart) ++s.rt->restarts;
        self->send(s.registry, down_atom::value, id, restart);
      },
      [=](batch_atom, const shared_batch& b) {
        auto& s = self->state;
        if (s.recovering) {   // after the recount, which counts everything recorded before the open
          s.held.push_back(b);
          return;
        }
        s.figures->observe(b->before, b->after, b->events);
        changed(self);
      },
      [=](flush_atom) { flush(self); },
      [=](recount_atom, const shared_batch& b) { self->state.figures->observe(b->before, b->after, b->events); },
      [=](sync_atom) { return true; },
      [=](done_atom) {
        auto& s = self->state;
        for (const auto& b : s.held) s.figures->observe(b->before, b->after, b->events);
        s.held.clear();
        s.held.shrink_to_fit();
        s.recovering = false;
        publish(self);
        return true;
      },

  };
}

}  // namespace casework::detail
