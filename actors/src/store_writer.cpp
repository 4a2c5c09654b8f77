// The store writer: appends each case's event batch to the event log and answers when it is recorded.
//
// In real and virtual time it is a detached actor on its own thread (fsync blocks) doing group commit: it
// takes one request (a case actor's batch, or a fire worker's page of batches), then every one already waiting in
// its mailbox (up to max_group batches), writes them in ONE synced append_group, and answers them all. A group
// that fails because of one case's batch (a sequence conflict) is retried case by case so that the other cases
// are not refused with it. In deterministic mode (CAF's test coordinator) it is an ordinary actor appending one
// request at a time.
#include <algorithm>
#include <iterator>

#include <caf/all.hpp>

#include "actors.hpp"

namespace casework::detail {

namespace {

constexpr std::size_t max_group = 512;

// One request: a case actor's batch (answered with a status), or a fire worker's page of case batches
// (answered with a status per batch).
struct pending_append {
  caf::response_promise rp;
  std::vector<case_events> batches;
  bool many = false;
  std::size_t size = 0;   // batches.size() (the batches are moved into the group's write)
};

}  // namespace

status append_now(runtime_context& rt, const std::vector<case_events>& batches) {
  auto t0 = std::chrono::steady_clock::now();
  status st = rt.log->append_group(batches);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
  ++rt.store_writes;
  rt.store_batches += batches.size();
  rt.health.write(took.count(), batches.size(), st.ok() || st.error().code() != errc::storage);
  return st;
}

namespace {

// Appends a group in ONE write. A group that fails because of one case's batch (a sequence conflict) is
// retried batch by batch, so that the other cases are not refused with it. One status per batch.
std::vector<status> append_all(runtime_context& rt, const std::vector<case_events>& batches) {
  status st = append_now(rt, batches);
  if (st.ok() || st.error().code() != errc::failed_precondition || batches.size() < 2)
    return std::vector<status>(batches.size(), st);
  std::vector<status> results;
  for (const auto& b : batches) results.push_back(append_now(rt, {b}));
  return results;
}

void commit(runtime_context& rt, std::vector<pending_append>& group) {
  std::vector<case_events> batches;
  for (auto& p : group) std::move(p.batches.begin(), p.batches.end(), std::back_inserter(batches));
  auto results = append_all(rt, batches);
  std::size_t k = 0;
  for (auto& p : group) {
    if (!p.many) {
      p.rp.deliver(results[k++]);
      continue;
    }
    std::vector<status> mine(results.begin() + k, results.begin() + k + p.size);
    k += p.size;
    p.rp.deliver(std::move(mine));
  }
}

}  // namespace

caf::behavior store_writer_actor(caf::event_based_actor* self, std::shared_ptr<runtime_context> rt) {
  return {
      [=](append_atom, const case_events& batch) -> status { return append_now(*rt, {batch}); },
      [=](append_atom, const std::vector<case_events>& batches) { return append_all(*rt, batches); },
  };
}

void group_writer_actor(caf::blocking_actor* self, std::shared_ptr<runtime_context> rt) {
  bool running = true;
  std::vector<pending_append> group;
  std::size_t batches = 0;
  auto take_one = [&](case_events& b) {
    group.push_back({self->make_response_promise(), {}, false, 1});
    group.back().batches.push_back(std::move(b));
    ++batches;
  };
  auto take_many = [&](std::vector<case_events>& bs) {
    batches += bs.size();
    group.push_back({self->make_response_promise(), std::move(bs), true, 0});
    group.back().size = group.back().batches.size();
  };
  auto stop = [&](caf::exit_msg& m) {
    running = false;
    self->fail_state(m.reason);
  };
  // One request, then every one already waiting (up to max_group batches), in one synced write.
  auto take_waiting = [&] {
    bool more = running;
    while (more && batches < max_group) {
      self->receive([&](append_atom, case_events& b) { take_one(b); },
                    [&](append_atom, std::vector<case_events>& bs) { take_many(bs); },
                    [&](caf::exit_msg& m) {   // finish what was taken, then stop
                      more = false;
                      stop(m);
                    },
                    caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
    }
    commit(*rt, group);
    group.clear();
    batches = 0;
  };
  self->receive_while(running)(
      [&](append_atom, case_events& b) {
        take_one(b);
        take_waiting();
      },
      [&](append_atom, std::vector<case_events>& bs) {
        take_many(bs);
        take_waiting();
      },
      [&](caf::exit_msg& m) { stop(m); });
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
