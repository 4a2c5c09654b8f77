// casework/engine.hpp: the embedding API. Start here.
//
// An engine runs every open case as an actor (CAF 0.17, hidden behind this header): commands are answered
// once their events are recorded in the event log, and each case schedules its own reminders through the
// engine's timer service.
//
//   casework::engine_options opt;
//   opt.rules = *casework::load_bundle(casework::bundle_paths::taipei(dir));
//   auto eng = casework::engine::open(std::move(opt));               // expected<std::unique_ptr<engine>>
//   auto created = (*eng)->create_case("dispatch", {"create", "call_taker", "ct-1", input}).get();
//   auto signed_ = (*eng)->issue(created->state.id, {"sign", "duty_officer", "do-1", {}}).get();
//
// A command's answer means its events are recorded. An errc::storage answer means "in doubt", not "refused":
// the write failed, but its bytes may still be found when the store reopens, so re-read the case before
// repeating the command. Calls return std::future (or a value for reads that need no actor); create_case,
// issue and get_case also take a callback instead. In deterministic mode (tests) nothing runs until
// run_pending() is called, so futures must be read after it (and callbacks are called inside it).
#pragma once

#include <functional>
#include <future>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "casework/bundle.hpp"
#include "casework/case.hpp"
#include "casework/clock.hpp"
#include "casework/event_log.hpp"
#include "casework/figures.hpp"
#include "casework/health.hpp"
#include "casework/interpreter.hpp"
#include "casework/report_routing.hpp"

namespace casework {

enum class clock_mode {
  real,           // the system clock; timers fire when their time comes
  virtual_time,   // a manual clock that moves only with advance_to(); timers fire as fast as the machine allows
  deterministic,  // CAF's test coordinator and its clock: nothing runs until run_pending() (tests)
};

struct engine_options {
  std::shared_ptr<const bundle> rules;             // REQUIRES: non-null (load_bundle)
  clock_mode mode = clock_mode::real;
  instant start{};                                 // virtual_time and deterministic: the clock's start
  std::shared_ptr<event_log> log;                  // default: a memory_event_log
  std::size_t worker_threads = 0;                  // CAF scheduler threads; 0: one per core, at least 2
  duration passivate_after = std::chrono::minutes(10);  // idle case actors stop; 0: never
  // Between requests an active case keeps its fields and deadlines packed (about half their parsed size,
  // docs/performance.md 19.), unpacked and packed again by each request. false: kept parsed, for a run that
  // would rather spend memory than CPU (`casework simulate`: ~8% of a simulated month's instructions).
  bool pack_idle_cases = true;
  // With pack_idle_cases: how often the registry has the case actors it handed requests to since its last sweep
  // pack their state (docs/performance.md 42.). A case busy with several requests in a row is unpacked once and
  // packed once, not once per request; an active case is packed about this long after its last request (the
  // registry sends a sweep's messages 64 at a time between its other work). 0: each case packs after every
  // request.
  duration pack_sweep = std::chrono::seconds(1);
  // After an open, the registry reads the open cases at places (R6.12's place index) this many at a time,
  // between other requests: commands on existing cases and creates that need no place are taken at once;
  // reports wait until the whole index is in (at least 1).
  std::size_t place_page = 4096;
  routing_options routing;                         // repeat-report radius (R6.12)
};

// A case as the engine shows it. `state` is never null in an answer: the case as the request left it, shared
// with the case's actor instead of copied (a case's state is ~100 allocations of fields, deadlines and entries).
// It is immutable and stays valid for as long as the caller holds it; a later request that finds it still held
// changes a copy (docs/design.md, "Answers share the case's state").
struct case_view {
  std::shared_ptr<const case_state> state;
  std::vector<pending_timer> timers;   // what the case waits for now
  event_batch recorded;                // the events the call recorded (empty for reads), shared with the log
  bool merged = false;                 // create_case: the report joined an open case (R6.12)
};

struct case_query {
  std::string agency, workflow, state, item;   // empty: any
  bool overdue_only = false;
  std::string after;                           // page after this case id (ids ascending)
  std::size_t limit = 100;
};

struct case_listing {
  std::string id, workflow, agency, item, state;
  int stage = 0;
  bool terminal = false;
  instant created_at{};
};

class engine {
 public:
  // Starts the actors. On a log that holds cases it reads only what routing needs (restrictions, open cases at
  // places, findings) and accepts commands at once; cases load from their snapshots when a command or a timer
  // reaches them, the timer service reads the durable timers in due order (reminders that fell due meanwhile
  // fire oldest first, recorded as late), and the agencies' figures are recounted from the histories in the
  // background (health().recovering until done; figures() shows them once complete). Errors: invalid_argument
  // for missing rules; storage when the recorded closures cannot be read. Histories that cannot be read or
  // folded are counted in recovery_failures().
  static expected<std::unique_ptr<engine>> open(engine_options options);
  // Stops every actor. Calls not answered yet are answered with errc::unavailable; a command may have been
  // recorded without its answer reaching the caller (re-read the case), never answered without being recorded.
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // Creates a case (cmd.name "create"; the item, for dispatch, in cmd.input["item"]). A dispatch report at
  // the place of an open case of the same item joins it (merged = true, R6.12); at a restricted place it
  // becomes a petition (R6.13).
  std::future<expected<case_view>> create_case(const std::string& workflow, command cmd);
  std::future<expected<case_view>> issue(const std::string& case_id, command cmd);
  std::future<expected<case_view>> get_case(const std::string& case_id);
  // The same three calls with a callback instead of a future, for callers that keep many requests in flight
  // (an asynchronous server, `casework simulate`): `done` is called exactly once with the answer (or
  // errc::unavailable if the engine stops first) on one of the engine's threads (in deterministic mode, inside
  // the call that runs the actors: run_pending(), advance_time(), figures()), without a promise or a waiting
  // thread to wake. Answers come in the order they are ready, not the order asked. It may make
  // further callback calls; it must not wait for a future of this engine (its thread may be the one that
  // would answer) and must not throw (an exception from it ends the program, as from a std::thread's
  // function). An empty `done` is refused with std::invalid_argument.
  using case_callback = std::function<void(expected<case_view>)>;
  void create_case(const std::string& workflow, command cmd, case_callback done);
  void issue(const std::string& case_id, command cmd, case_callback done);
  void get_case(const std::string& case_id, case_callback done);
  std::future<expected<std::vector<case_listing>>> list_cases(case_query q);
  expected<std::vector<event>> history(const std::string& case_id) const;
  // The same history as its recorded batches, shared with the log instead of copied where the log keeps them
  // (the memory log); fold() takes either.
  expected<std::vector<event_batch>> history_batches(const std::string& case_id) const;

  // Adds a closure day (a typhoon day): a new calendar version; open cases' deadlines move (R5.5).
  std::future<status> add_closure(closure c);
  // Restricts a place and item after 3 consecutive no-violation findings (R6.13).
  std::future<status> restrict_place(const std::string& address, const std::string& item);

  // virtual_time only: moves the clock to `t`, firing every timer due on the way in due order.
  std::future<status> advance_to(instant t);
  instant now() const;
  std::shared_ptr<const business_calendar> calendar() const;

  // deterministic only: runs everything runnable; then advances CAF's test clock by `d` (firing what falls
  // due) and runs again. Returns the number of messages processed.
  std::size_t run_pending();
  std::size_t advance_time(duration d);

  // Subscriptions run on actor threads after the events are recorded; keep them short.
  std::uint64_t subscribe(std::function<void(const std::string& case_id, const event&)> fn);
  void unsubscribe(std::uint64_t id);
  // Delivery: the notifier calls `fn` once per notification record (never twice for one key) and marks it
  // sent. Without a delivery function records stay unsent in the outbox for pull readers; so do those of
  // batches recorded before `fn` was set (set it before the first command for every record to be pushed).
  void on_notification(std::function<void(const notification_record&)> fn);

  // The outbox, from a position (notification_record::position) on.
  std::vector<notification_record> notifications(std::size_t from = 0, std::size_t limit = 1000) const;
  // An agency's figures as last published (at most every 100 ms). In deterministic mode they are published
  // when read: this runs what is pending, as run_pending() does, and answers with every batch counted.
  std::shared_ptr<const agency_figures> figures(const std::string& agency) const;
  std::vector<std::string> agencies() const;
  std::size_t active_case_actors() const;
  // Active case actors whose state is packed now (engine_options::pack_idle_cases): after a pack_sweep, the
  // active cases without a request since.
  std::size_t packed_case_actors() const;
  std::size_t restarts() const;            // case actors restarted by their supervisors after a failure
  std::size_t recovery_failures() const;   // cases that could not be loaded or folded (on open or activation)
  // The engine's own health figures (metrics); `recovering` while the figures recount after open runs.
  engine_health health() const;
  struct store_counts {
    std::uint64_t writes = 0;    // synced writes to the event log
    std::uint64_t batches = 0;   // case batches they carried; batches / writes is the group-commit size
  };
  store_counts store_stats() const;

  // Fault injection for crash tests: the case's actor throws while handling a message; its supervisor
  // restarts it from the recorded history.
  void inject_failure(const std::string& case_id);

 private:
  struct impl;
  explicit engine(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace casework
