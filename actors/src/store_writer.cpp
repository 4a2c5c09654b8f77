// The store writer: appends each case's event batch to the event log and answers when it is recorded. With
// the in-memory log this is immediate; the RocksDB store groups waiting batches into one synced write.
#include <caf/all.hpp>

#include "actors.hpp"

namespace casework::detail {

caf::behavior store_writer_actor(caf::event_based_actor* self, std::shared_ptr<runtime_context> rt) {
  return {
      [=](append_atom, const std::string& case_id, const std::vector<event>& events) -> status {
        return rt->log->append(case_id, events);
      },
  };
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
