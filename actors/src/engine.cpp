// engine: the embedding API over the actor runtime (see casework/engine.hpp and docs/design.md).
#include "casework/engine.hpp"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <tuple>

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors.hpp"
#include "casework/json_text.hpp"

namespace casework {
using namespace detail;

namespace {

// The engine clock in deterministic mode: CAF's test clock, read as instants from `start`.
class caf_test_clock final : public clock {
 public:
  caf_test_clock(caf::actor_clock& c, instant start) : clock_(c), t0_(c.now()), start_(start) {}
  instant now() const override {
    return start_ + std::chrono::duration_cast<duration>(clock_.now() - t0_);
  }

 private:
  caf::actor_clock& clock_;
  caf::actor_clock::time_point t0_;
  instant start_;
};

constexpr std::size_t max_throughput = 32;

caf::actor_system_config make_config(const engine_options& o) {
  caf::actor_system_config cfg;
  // Work sharing, not CAF's default work stealing: idle stealing workers poll (spin), which on the 2-core
  // machines we target takes the CPU from the store writer's thread and the case actors (docs/performance.md).
  cfg.set("scheduler.policy", o.mode == clock_mode::deterministic ? caf::atom("testing") : caf::atom("sharing"));
  // One worker per core, not CAF's default of at least 4: each message to an idle actor wakes a sleeping
  // worker (a futex call), and on 2 cores caseworkd's 4 workers took 23 wake-ups per create and 5-10% more CPU
  // than 2 (docs/performance.md, 51.).
  cfg.set("scheduler.max-threads",
          o.worker_threads > 0 ? o.worker_threads
                               : std::max<std::size_t>(2, std::thread::hardware_concurrency()));
  // An actor yields its worker after this many messages (CAF's default: never while its mailbox has any). The
  // registry, the timer service and the recount read the store a page per message after an open; without a
  // bound each kept a worker until its last page, and with 2 workers a command on a stored case waited 4.3 s
  // behind 1,000,000 open cases' pages (docs/performance.md).
  cfg.set("scheduler.max-throughput", max_throughput);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  return cfg;
}

// Re-applies the closures recorded by an earlier run (R5.5 deadlines depend on them).
status restore_closures(runtime_context& rt) {
  auto text = rt.log->get_meta(closures_key);
  if (!text) return text.error().code() == errc::not_found ? status{} : status{text.error()};
  boost::json::error_code ec;
  auto v = parse_json(*text, ec);
  if (ec) return error(errc::storage, "recorded closures are not JSON", closures_key);
  auto closures = closures_from_json(v);
  if (!closures) return closures.error();
  auto cal = *rt.calendar.get();
  for (auto& c : *closures) {
    auto next = cal.with_closure(c);
    if (!next) return next.error();
    cal = std::move(*next);
  }
  rt.calendar.set(std::make_shared<const business_calendar>(std::move(cal)));
  return {};
}

// Runs each request function it is sent (engine::impl::ask) as itself.
caf::behavior gateway_actor(caf::event_based_actor* self) {
  return {[=](const request_fn& f) { f(self); }};
}

}  // namespace

struct engine::impl {
  explicit impl(engine_options o) : cfg(make_config(o)), sys(cfg) {}
  caf::actor_system_config cfg;
  caf::actor_system sys;
  std::shared_ptr<runtime_context> rt;
  std::shared_ptr<actor_refs> refs;

  caf::scheduler::test_coordinator* coordinator() {
    return dynamic_cast<caf::scheduler::test_coordinator*>(&sys.scheduler());
  }

  // The actors that send the embedding API's requests and fulfil their futures: long-lived, so that a request
  // costs no actor spawn and cleanup (CAF's cleanup also posts to its clock thread), taken in turn.
  std::vector<caf::actor> gateways;
  std::atomic<std::size_t> next_gateway{0};

  // A request's answer, always given exactly once: by the answer, else (the engine stopped with the request in
  // flight, and the gateway dropped it) by an `unavailable` error when the last handler holding it is gone.
  // `Sink` takes it: a promise (the std::future calls) or the caller's callback.
  template <class T, class Sink>
  struct answer_slot {
    explicit answer_slot(Sink s) : sink(std::move(s)) {}
    Sink sink;
    bool kept = false;
    void keep(T v) noexcept {   // a callback that throws ends the program, as a std::thread's function would
      if (kept) return;
      kept = true;
      sink(std::move(v));
    }
    ~answer_slot() { keep(T{error(errc::unavailable, "the engine stopped before answering", "engine")}); }
  };

  template <class T>
  struct promise_sink {
    std::promise<T> promise;
    void operator()(T v) { promise.set_value(std::move(v)); }
  };

  // Sends a request from a gateway actor; `slot` (a shared answer_slot) takes the answer.
  template <class T, class Slot, class... Ts>
  void send_request(std::shared_ptr<Slot> slot, const caf::actor& dest, Ts... xs) {
    const auto& gateway = gateways[next_gateway.fetch_add(1, std::memory_order_relaxed) % gateways.size()];
    // The arguments are moved into the request (a gateway runs each request_fn once).
    auto args = std::make_tuple(std::move(xs)...);
    caf::anon_send(gateway, request_fn{[=, args = std::move(args)](caf::event_based_actor* self) mutable {
      std::apply([&](auto&... x) { return self->request(dest, caf::infinite, std::move(x)...); }, args)
          .then([=](T& r) { slot->keep(std::move(r)); },
                [=](caf::error& e) {
                  slot->keep(T{error(errc::unavailable, "no answer: " + self->system().render(e), "engine")});
                });
    }});
  }

  // Asks and fulfils a future with the answer.
  template <class T, class... Ts>
  std::future<T> ask(const caf::actor& dest, Ts... xs) {
    auto slot = std::make_shared<answer_slot<T, promise_sink<T>>>(promise_sink<T>{});
    auto f = slot->sink.promise.get_future();
    send_request<T>(std::move(slot), dest, std::move(xs)...);
    return f;
  }

  // Asks and calls `done` with the answer: no promise, no shared state, no wake-up of a waiting thread.
  template <class T, class... Ts>
  void ask_then(std::function<void(T)> done, const caf::actor& dest, Ts... xs) {
    if (!done) throw std::invalid_argument("casework::engine: a callback is required (done)");
    auto slot = std::make_shared<answer_slot<T, std::function<void(T)>>>(std::move(done));
    send_request<T>(std::move(slot), dest, std::move(xs)...);
  }
};

engine::engine(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

expected<std::unique_ptr<engine>> engine::open(engine_options options) {
  if (!options.rules) return error(errc::invalid_argument, "required", "rules");
  if (!options.log) options.log = std::make_shared<memory_event_log>();
  auto p = std::make_unique<impl>(options);
  std::shared_ptr<clock> clk;
  switch (options.mode) {
    case clock_mode::real: clk = std::make_shared<real_clock>(); break;
    case clock_mode::virtual_time: clk = std::make_shared<manual_clock>(options.start); break;
    case clock_mode::deterministic: clk = std::make_shared<caf_test_clock>(p->sys.clock(), options.start); break;
  }
  p->rt = std::make_shared<runtime_context>(options.rules, std::move(clk), options.log, options);
  p->rt->append_in_place = dynamic_cast<const memory_event_log*>(options.log.get()) != nullptr;
  if (auto restored = restore_closures(*p->rt); !restored.ok()) return restored.error();
  auto& rt = p->rt;
  // Taken before any new event: the figures recount folds exactly what was recorded before this open.
  std::shared_ptr<history_cursor> recorded = rt->log->histories();
  p->refs = std::make_shared<actor_refs>();
  auto& refs = *p->refs;
  refs.store = options.mode == clock_mode::deterministic
                   ? p->sys.spawn(store_writer_actor, rt)
                   : p->sys.spawn<caf::detached>(group_writer_actor, rt);
  refs.notifier = p->sys.spawn(notifier_actor, rt);
  refs.registry = p->sys.spawn(registry_actor, rt, p->refs);
  refs.timers = p->sys.spawn(timer_service_actor, rt, refs.registry);
  for (const auto& a : options.rules->people.agencies())
    refs.supervisors[a.id] = p->sys.spawn(supervisor_actor, rt, a.id, refs.registry);
  refs.recount = p->sys.spawn(recount_actor, rt, std::const_pointer_cast<const actor_refs>(p->refs), std::move(recorded));
  const std::size_t workers = std::max<std::size_t>(2, options.worker_threads);
  // Deterministic mode has one gateway, so that requests reach the registry in the order they were issued: the
  // test coordinator drains one actor's mailbox at a time, and two gateways taken in turn would hand the
  // registry requests 1, 3, 5 before 2, 4, 6 (two same-instant requests on one case would apply out of order).
  const std::size_t gateways = options.mode == clock_mode::deterministic ? 1 : workers;
  for (std::size_t i = 0; i < gateways; ++i) p->gateways.push_back(p->sys.spawn(gateway_actor));
  for (std::size_t i = 0; i < workers; ++i)
    refs.fire_workers.push_back(p->sys.spawn(fire_worker_actor, rt, std::const_pointer_cast<const actor_refs>(p->refs)));
  caf::anon_send(refs.registry, recover_atom::value);
  std::unique_ptr<engine> e(new engine(std::move(p)));
  e->run_pending();
  return e;
}

engine::~engine() {
  auto& refs = *impl_->refs;
  for (const auto& a : {refs.recount, refs.registry, refs.timers, refs.store, refs.notifier})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  for (const auto& [agency, a] : refs.supervisors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  for (const auto& g : impl_->gateways) caf::anon_send_exit(g, caf::exit_reason::user_shutdown);
  for (const auto& w : refs.fire_workers) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  if (auto* c = impl_->coordinator()) c->run();
}

std::future<expected<case_view>> engine::create_case(const std::string& workflow, command cmd) {
  return impl_->ask<case_result>(impl_->refs->registry, create_atom::value, workflow, std::move(cmd));
}

std::future<expected<case_view>> engine::issue(const std::string& case_id, command cmd) {
  return impl_->ask<case_result>(impl_->refs->registry, command_atom::value, case_id, std::move(cmd));
}

std::future<expected<case_view>> engine::get_case(const std::string& case_id) {
  return impl_->ask<case_result>(impl_->refs->registry, get_atom::value, case_id);
}

void engine::create_case(const std::string& workflow, command cmd, case_callback done) {
  impl_->ask_then<case_result>(std::move(done), impl_->refs->registry, create_atom::value, workflow, std::move(cmd));
}

void engine::issue(const std::string& case_id, command cmd, case_callback done) {
  impl_->ask_then<case_result>(std::move(done), impl_->refs->registry, command_atom::value, case_id, std::move(cmd));
}

void engine::get_case(const std::string& case_id, case_callback done) {
  impl_->ask_then<case_result>(std::move(done), impl_->refs->registry, get_atom::value, case_id);
}

// Listings read the log's directory (written with each batch), not the actors.
std::future<expected<std::vector<case_listing>>> engine::list_cases(case_query q) {
  entry_query eq{q.agency, q.workflow, q.overdue_only ? std::string("overdue") : q.state, q.item, q.after,
                 std::min<std::size_t>(q.limit, 1000)};
  if (q.overdue_only && !q.state.empty() && q.state != "overdue") eq.limit = 0;   // no case is in both states
  std::vector<case_listing> out;
  if (eq.limit > 0)
    for (auto& e : impl_->rt->log->list(eq))
      out.push_back(case_listing{e.id, e.workflow, e.agency, e.item, e.state, e.stage, e.terminal, e.created_at});
  std::promise<expected<std::vector<case_listing>>> p;
  p.set_value(std::move(out));
  return p.get_future();
}

expected<std::vector<event>> engine::history(const std::string& case_id) const {
  return impl_->rt->log->read(case_id);
}

expected<std::vector<event_batch>> engine::history_batches(const std::string& case_id) const {
  return impl_->rt->log->read_batches(case_id);
}

std::future<status> engine::add_closure(closure c) {
  if (c.announced_at == instant{}) c.announced_at = now();
  return impl_->ask<status>(impl_->refs->registry, closure_atom::value, std::move(c));
}

std::future<status> engine::restrict_place(const std::string& address, const std::string& item) {
  return impl_->ask<status>(impl_->refs->registry, restrict_atom::value, address, item);
}

std::future<status> engine::advance_to(instant t) {
  return impl_->ask<status>(impl_->refs->timers, advance_atom::value, t);
}

instant engine::now() const { return impl_->rt->clk->now(); }

std::shared_ptr<const business_calendar> engine::calendar() const { return impl_->rt->calendar.get(); }

std::size_t engine::run_pending() {
  auto* c = impl_->coordinator();
  return c ? c->run() : 0;
}

std::size_t engine::advance_time(duration d) {
  auto* c = impl_->coordinator();
  if (!c) return 0;
  // Step from one scheduled timeout to the next, so that each fires at its own instant (not at the end).
  std::size_t n = c->run();
  auto target = c->clock().now() + d;
  while (true) {
    const auto& schedule = c->clock().schedule();
    if (schedule.empty() || schedule.begin()->first > target) break;
    auto next = schedule.begin()->first;
    if (next > c->clock().now()) c->clock().advance_time(next - c->clock().now());
    else c->clock().trigger_timeout();   // the earliest only: trigger_timeouts() would fire future ones too
    n += c->run();
  }
  if (target > c->clock().now()) c->clock().advance_time(target - c->clock().now());
  return n + c->run();
}

std::uint64_t engine::subscribe(std::function<void(const std::string&, const event&)> fn) {
  return impl_->rt->bus.add(std::move(fn));
}

void engine::unsubscribe(std::uint64_t id) { impl_->rt->bus.remove(id); }

void engine::on_notification(std::function<void(const notification_record&)> fn) {
  std::lock_guard<std::mutex> lock(impl_->rt->delivery_mu);
  impl_->rt->delivering.store(static_cast<bool>(fn), std::memory_order_release);
  impl_->rt->delivery = std::move(fn);
}

std::vector<notification_record> engine::notifications(std::size_t from, std::size_t limit) const {
  return impl_->rt->log->notifications(from, limit);
}

std::shared_ptr<const agency_figures> engine::figures(const std::string& agency) const {
  if (auto* c = impl_->coordinator()) {   // deterministic mode: the supervisor publishes when asked (flush)
    auto it = impl_->refs->supervisors.find(agency);
    if (it != impl_->refs->supervisors.end()) {
      caf::anon_send(it->second, flush_atom::value);
      c->run();
    }
  }
  return impl_->rt->figures.get(agency);
}

std::vector<std::string> engine::agencies() const { return impl_->rt->figures.agencies(); }

std::size_t engine::active_case_actors() const { return impl_->rt->active_actors; }
std::size_t engine::packed_case_actors() const { return impl_->rt->packed_actors; }

std::size_t engine::restarts() const { return impl_->rt->restarts; }

std::size_t engine::recovery_failures() const { return impl_->rt->recovery_failures; }

engine_health engine::health() const {
  auto h = impl_->rt->health.get();
  h.pending_timers = impl_->rt->pending_timers;
  h.active_case_actors = impl_->rt->active_actors;
  h.restarts_total = impl_->rt->restarts;
  h.recovery_failures_total = impl_->rt->recovery_failures;
  h.recovering = impl_->rt->recovering;
  h.storage = impl_->rt->log->health();
  return h;
}

engine::store_counts engine::store_stats() const { return {impl_->rt->store_writes, impl_->rt->store_batches}; }

void engine::inject_failure(const std::string& case_id) {
  caf::anon_send(impl_->refs->registry, crash_atom::value, case_id);
}

}  // namespace casework
