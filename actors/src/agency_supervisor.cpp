// The agency supervisor: monitors its agency's case actors, restarts a failed one from its recorded history
// (through the registry, which owns the handles), and keeps the agency's figures from the recorded batches the
// case actors send it, publishing a snapshot after each (figures are never gathered by asking case actors).
#include <caf/all.hpp>

#include "actors.hpp"

namespace casework::detail {

using supervisor_self = caf::stateful_actor<supervisor_state>*;

namespace {

constexpr int max_restarts_per_case = 5;

bool failed(const caf::error& reason) {
  return reason && reason != caf::exit_reason::normal && reason != caf::exit_reason::user_shutdown;
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
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& s = self->state;
    auto it = s.watched.find(dm.source);
    if (it == s.watched.end()) return;
    std::string id = it->second;
    s.watched.erase(it);
    if (!failed(dm.reason)) return;   // passivated or stopped with the engine
    bool restart = ++s.restarts[id] <= max_restarts_per_case;   // a case that keeps failing stays stopped
    if (restart) ++s.rt->restarts;
    self->send(s.registry, down_atom::value, id, restart);
  });
  return {
      [=](adopt_atom, const std::string& id, const caf::actor& a) {
        self->monitor(a);
        self->state.watched[a.address()] = id;
      },
      [=](batch_atom, const recorded_batch& b) {
        auto& s = self->state;
        s.figures->observe(b.before, b.after, b.events);
        s.rt->figures.publish(s.agency, std::make_shared<const agency_figures>(s.figures->figures()));
      },
  };
}

}  // namespace casework::detail
