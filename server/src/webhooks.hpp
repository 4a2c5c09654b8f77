// Webhook delivery of the notification outbox: each record POSTed as a CloudEvents 1.0 structured JSON event
// to the integrator's URL, in outbox order, with its idempotency key; retried with exponential backoff; after
// max_attempts failures moved to the dead letters. Delivered keys and dead letters are kept in the store's
// metadata, so a restart neither re-sends what was acknowledged nor loses what was not (docs/server.md).
#pragma once

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <boost/json/array.hpp>

#include "casework/engine.hpp"
#include "casework/event_log.hpp"
#include "casework/server.hpp"
#include "server_log.hpp"
#include "server_metrics.hpp"

namespace casework::server_detail {

class webhook_sender {
 public:
  // Errors: invalid_argument naming webhook.url when it is not http://host[:port][/path].
  // `metrics` (may be null) counts failed attempts and dead letters.
  static expected<std::unique_ptr<webhook_sender>> create(engine& eng, event_log& meta, webhook_options opt,
                                                          server_log& log, server_metrics* metrics = nullptr);
  ~webhook_sender();  // stop()

  void start();
  void stop();  // interrupts a backoff wait; a POST in flight finishes (bounded by the timeout)
  void wake();  // new records are in the outbox

  expected<boost::json::array> dead_letters() const;

 private:
  webhook_sender(engine& eng, event_log& meta, webhook_options opt, server_log& log, server_metrics* metrics);
  void run();
  bool post(const notification_record& n, std::string& why) const;
  bool delivered(const std::string& key);
  void deliver(const notification_record& n);
  bool wait_for(duration d);  // false when stopping

  engine& eng_;
  event_log& meta_;
  webhook_options opt_;
  server_log& log_;
  server_metrics* metrics_;
  std::string host_, port_, path_;
  std::set<std::string> done_;  // delivered or dead, known to this process
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

// The CloudEvents 1.0 JSON form of a notification record.
boost::json::object cloud_event(const notification_record& n, const std::string& source);

}  // namespace casework::server_detail
