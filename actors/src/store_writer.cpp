// The store writer: appends each case's event batch to the event log and answers when it is recorded.
//
// In real and virtual time it is a detached actor on its own thread (fsync blocks) doing group commit: it
// takes one batch, then every batch already waiting in its mailbox (up to max_group), writes them in ONE
// synced append_group, and answers them all. A group that fails because of one case's batch (a sequence
// conflict) is retried case by case so that the other cases are not refused with it. In deterministic mode
// (CAF's test coordinator) it is an ordinary actor appending one batch at a time.
#include <caf/all.hpp>

#include "actors.hpp"

namespace casework::detail {

namespace {

constexpr std::size_t max_group = 512;

struct pending_append {
  caf::response_promise rp;
  case_events batch;
};

void commit(runtime_context& rt, std::vector<pending_append>& group) {
  std::vector<case_events> batches;
  batches.reserve(group.size());
  for (auto& p : group) batches.push_back(p.batch);
  status st = rt.log->append_group(batches);
  ++rt.store_writes;
  rt.store_batches += batches.size();
  if (!st.ok() && st.error().code() == errc::failed_precondition && group.size() > 1) {
    for (auto& p : group) p.rp.deliver(rt.log->append(p.batch.case_id, p.batch.events));
    return;
  }
  for (auto& p : group) p.rp.deliver(st);
}

}  // namespace

caf::behavior store_writer_actor(caf::event_based_actor* self, std::shared_ptr<runtime_context> rt) {
  return {
      [=](append_atom, const std::string& case_id, const std::vector<event>& events) -> status {
        ++rt->store_writes;
        ++rt->store_batches;
        return rt->log->append(case_id, events);
      },
  };
}

void group_writer_actor(caf::blocking_actor* self, std::shared_ptr<runtime_context> rt) {
  bool running = true;
  self->receive_while(running)(
      [&](append_atom, std::string& case_id, std::vector<event>& events) {
        std::vector<pending_append> group;
        group.push_back({self->make_response_promise(), case_events{std::move(case_id), std::move(events)}});
        bool more = true;
        while (more && group.size() < max_group) {
          self->receive(
              [&](append_atom, std::string& id, std::vector<event>& evs) {
                group.push_back({self->make_response_promise(), case_events{std::move(id), std::move(evs)}});
              },
              [&](caf::exit_msg& m) {   // finish what was taken, then stop
                more = false;
                running = false;
                self->fail_state(m.reason);
              },
              caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
        }
        commit(*rt, group);
      },
      [&](caf::exit_msg& m) {
        running = false;
        self->fail_state(m.reason);
      });
}

// The notifier: receives the notification records a case just recorded (already de-duplicated by key in the
// outbox, so a reminder for one due instant is never sent twice) and hands them to delivery. Delivery adapters
// (webhooks, SMS gateways) come with the server and plug in through engine::on_notification; without one a
// record stays unsent in the outbox for pull readers.
caf::behavior notifier_actor(caf::event_based_actor* self, std::shared_ptr<runtime_context> rt) {
  return {
      [=](const std::string&, const std::vector<notification_record>& records) {
        std::lock_guard<std::mutex> lock(rt->delivery_mu);
        if (!rt->delivery) return;
        for (const auto& r : records) {
          rt->delivery(r);
          rt->notifications.mark_sent(r.key, rt->clk->now());
        }
      },
  };
}

}  // namespace casework::detail
