// The figures recount on open. The agency supervisors' figures are sums over every event ever recorded, so
// after a restart they are rebuilt from the histories, in the background: the engine takes commands
// meanwhile. Of each history it reads the case's state and the events the figures and the open links need (a
// store answers that from the case's snapshot without decoding the rest; history_cursor::next_state). The
// cursor is consistent as of the open, before any new event; the supervisors hold the live batches that
// arrive during the recount and apply them after it, so every event counts once.
//
// Flow control: a page of histories at a time, then a sync request to every supervisor; the next page starts
// when all have answered, so no mailbox grows with the size of the store.
#include <caf/all.hpp>

#include "actors.hpp"

namespace casework::detail {

namespace {

constexpr std::size_t page_size = 256;

// The agencies a history concerns: where it was created and every agency it was forwarded to or from.
std::set<std::string> agencies_of(const std::vector<event>& history) {
  std::set<std::string> out;
  for (const auto& e : history) {
    if (e.type == event_type::created) {
      if (auto* v = e.data.if_contains("agency"); v && v->is_string()) out.insert(std::string(v->get_string()));
    } else if (e.type == event_type::agency_changed) {
      for (const char* key : {"from", "to"})
        if (auto* v = e.data.if_contains(key); v && v->is_string()) out.insert(std::string(v->get_string()));
    }
  }
  return out;
}

// The link requests of a history that were neither linked nor refused (the engine stopped in between).
std::vector<event> unresolved_links(const std::vector<event>& history) {
  std::vector<event> requested;
  std::size_t resolved = 0;
  for (const auto& e : history) {
    if (e.type == event_type::link_requested) requested.push_back(e);
    if (e.type == event_type::linked || e.type == event_type::link_failed) ++resolved;
  }
  if (resolved >= requested.size()) return {};
  return std::vector<event>(requested.begin() + static_cast<std::ptrdiff_t>(resolved), requested.end());
}

// What the recount reads of each history (history_cursor::next_state): the events the figures count, and the
// link events (unresolved_links); agencies_of reads `created` and `agency_changed`, which the figures read
// too.
const std::vector<std::string_view>& read_types() {
  static const std::vector<std::string_view> types = [] {
    auto t = figures_event_types();
    t.insert(t.end(), {event_type::link_requested, event_type::linked, event_type::link_failed});
    return t;
  }();
  return types;
}

}  // namespace

caf::behavior recount_actor(caf::event_based_actor* self, std::shared_ptr<runtime_context> rt,
                            std::shared_ptr<const actor_refs> refs, std::shared_ptr<history_cursor> cursor) {
  rt->recovering = true;   // the registry sends the first load_atom once it has restored routing
  return {
      [=](load_atom) {
        std::string id;
        expected<case_state> s{case_state{}};
        std::vector<event> events;
        std::size_t n = 0;
        bool more = true;
        while (n < page_size && (more = cursor->next_state(id, s, events, read_types()))) {
          ++n;
          if (!s) {
            ++rt->recovery_failures;
            continue;
          }
          for (auto& e : unresolved_links(events))
            self->send(refs->registry, open_link_atom::value, link_request{id, e});
          // One immutable batch per history, shared by its agencies' supervisors, without the case's fields
          // (no figure reads them): not a deep copy of the state and the history in every mailbox.
          auto agencies = agencies_of(events);
          auto b = std::make_shared<recorded_batch>();
          b->after = std::move(*s);
          b->after.fields = {};
          b->events = std::move(events);
          shared_batch batch = std::move(b);
          for (const auto& agency : agencies) {
            auto sup = refs->supervisors.find(agency);
            if (sup != refs->supervisors.end()) self->send(sup->second, recount_atom::value, batch);
          }
        }
        // Waits for every supervisor: to take the next page, or at the end to have published its figures.
        auto waiting = std::make_shared<std::size_t>(refs->supervisors.size());
        auto next = [=] {
          if (more) {
            self->send(self, load_atom::value);
          } else {
            rt->recovering = false;
            self->quit();
          }
        };
        if (refs->supervisors.empty()) return next();
        for (const auto& [agency, sup] : refs->supervisors) {
          auto answered = [=](bool) {
            if (--*waiting == 0) next();
          };
          if (more) self->request(sup, caf::infinite, sync_atom::value).then(answered);
          else self->request(sup, caf::infinite, done_atom::value).then(answered);
        }
      },
  };
}

}  // namespace casework::detail
