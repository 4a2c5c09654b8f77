// Private: what every actor of one engine shares: the rules, the current calendar, the clock, the event log,
// the subscribers, the notification outbox and the published figures. Each part guards itself; actors never
// block on one another through it.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "casework/bundle.hpp"
#include "casework/clock.hpp"
#include "casework/engine.hpp"
#include "casework/event_log.hpp"
#include "casework/figures.hpp"
#include "casework/health.hpp"

namespace casework::detail {

// The calendar in force; replaced (never mutated) when a closure is added.
class calendar_holder {
 public:
  explicit calendar_holder(business_calendar c) : cal_(std::make_shared<const business_calendar>(std::move(c))) {}
  std::shared_ptr<const business_calendar> get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return cal_;
  }
  void set(std::shared_ptr<const business_calendar> c) {
    std::lock_guard<std::mutex> lock(mu_);
    cal_ = std::move(c);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const business_calendar> cal_;
};

// Subscribers to recorded events; called on actor threads, after the events are in the log.
class event_bus {
 public:
  std::uint64_t add(std::function<void(const std::string&, const event&)> fn);
  void remove(std::uint64_t id);
  void publish(const std::string& case_id, const std::vector<event>& events) const;

 private:
  mutable std::mutex mu_;
  std::uint64_t next_ = 1;
  std::map<std::uint64_t, std::function<void(const std::string&, const event&)>> subs_;
};

// The engine's health figures (casework/health.hpp), observed by the actors that see them happen.
class health_board {
 public:
  void command(double seconds, bool ok);
  void write(double seconds, std::size_t batches, bool ok);
  void fired(double late_seconds);
  engine_health get() const;

 private:
  mutable std::mutex mu_;
  engine_health h_;
};

// The agency supervisors' figures, as snapshots readers take without asking an actor.
class figures_board {
 public:
  void publish(const std::string& agency, std::shared_ptr<const agency_figures> f);
  std::shared_ptr<const agency_figures> get(const std::string& agency) const;
  std::vector<std::string> agencies() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const agency_figures>> by_agency_;
};

// Where the engine keeps the calendar closures in the event log's metadata.
inline const std::string closures_key = "calendar/closures";

struct runtime_context {
  runtime_context(std::shared_ptr<const bundle> r, std::shared_ptr<clock> c, std::shared_ptr<event_log> l,
                  engine_options o)
      : rules(std::move(r)), calendar(rules->calendar), clk(std::move(c)), log(std::move(l)), options(std::move(o)) {}

  std::shared_ptr<const bundle> rules;
  calendar_holder calendar;
  std::shared_ptr<clock> clk;
  std::shared_ptr<event_log> log;
  engine_options options;
  event_bus bus;
  health_board health;
  figures_board figures;
  std::mutex delivery_mu;
  std::function<void(const notification_record&)> delivery;   // set by engine::on_notification
  // Whether `delivery` is set, read without the lock: without a delivery function no case actor builds its
  // batches' records for the notifier (they stay in the log's outbox for pull readers either way).
  std::atomic<bool> delivering{false};
  std::atomic<std::size_t> active_actors{0};
  std::atomic<std::size_t> packed_actors{0};   // case actors whose state is packed (case_actor.cpp, park)
  std::atomic<std::size_t> restarts{0};
  std::atomic<std::size_t> recovery_failures{0};   // cases that could not be loaded
  std::atomic<bool> recovering{false};             // the figures recount after open is running
  std::atomic<std::size_t> pending_timers{0};      // in the timer service's index
  std::atomic<std::uint64_t> store_writes{0};    // synced writes to the log
  std::atomic<std::uint64_t> store_batches{0};   // case batches they carried (group commit: batches >= writes)
  // The log appends in memory (memory_event_log): case actors append their batches themselves instead of through
  // the store writer's thread, whose group commit saves nothing without a synced write (two thread hand-offs
  // per command).
  bool append_in_place = false;

  context ctx(const business_calendar& cal) const { return context{cal, rules->items, rules->people}; }
  std::shared_ptr<const definition> def(const std::string& workflow, int version) const {
    return rules->definitions.find(workflow, version);
  }
};

}  // namespace casework::detail
