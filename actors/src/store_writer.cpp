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

status timed_append(runtime_context& rt, const std::vector<case_events>& batches) {
  auto t0 = std::chrono::steady_clock::now();
  status st = rt.log->append_group(batches);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
  ++rt.store_writes;
  rt.store_batches += batches.size();
  rt.health.write(took.count(), batches.size(), st.ok() || st.error().code() != errc::storage);
  return st;
}

void commit(runtime_context& rt, std::vector<pending_append>& group) {
  std::vector<case_events> batches;
  batches.reserve(group.size());
  for (auto& p : group) batches.push_back(p.batch);
  status st = timed_append(rt, batches);
  if (!st.ok() && st.error().code() == errc::failed_precondition && group.size() > 1) {
    for (auto& p : group) p.rp.deliver(timed_append(rt, {p.batch}));
    return;
  }
  for (auto& p : group) p.rp.deliver(st);
}

}  // namespace

caf::behavior store_writer_actor(caf::event_based_actor* self, std::shared_ptr<runtime_context> rt) {
  return {
      [=](append_atom, const case_events& batch) -> status { return timed_append(*rt, {batch}); },
  };
}

void group_writer_actor(caf::blocking_actor* self, std::shared_ptr<runtime_context> rt) {
  bool running = true;
  self->receive_while(running)(
      [&](append_atom, case_events& batch) {
        std::vector<pending_append> group;
        group.push_back({self->make_response_promise(), std::move(batch)});
        bool more = true;
        while (more && group.size() < max_group) {
          self->receive(
              [&](append_atom, case_events& b) {
                group.push_back({self->make_response_promise(), std::move(b)});
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

// The notifier: receives the notification records a case just recorded (in the log's outbox, where each key is
// recorded once) and hands them to delivery. Delivery adapters (webhooks, SMS gateways) plug in through
// engine::on_notification; without one a record stays unsent in the outbox for pull readers.
caf::behavior notifier_actor(caf::event_based_actor* self, std::shared_ptr<runtime_context> rt) {
  return {
      [=](const std::string&, const std::vector<notification_record>& records) {
        std::lock_guard<std::mutex> lock(rt->delivery_mu);
        if (!rt->delivery) return;
        for (const auto& r : records) {
          rt->delivery(r);
          (void)rt->log->mark_sent(r.key, rt->clk->now());   // a failed mark leaves it unsent: pull readers see it
        }
      },
  };
}

}  // namespace casework::detail
