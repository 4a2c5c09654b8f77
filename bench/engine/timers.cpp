// Timer backlog (a clock jump makes 1,000,000 durable timers due at once) and steady-state timer lateness on
// the real clock.
#include <atomic>
#include <cmath>
#include <iostream>
#include <mutex>
#include <thread>

#include "bare_caf.hpp"
#include "casework/rocksdb_store.hpp"
#include "latency.hpp"
#include "process.hpp"
#include "raw_rocksdb.hpp"
#include "scenarios.hpp"
#include "workload.hpp"

namespace casework::bench {

// The backlog on the real clock, as after a downtime: a store of n cases whose sign-renotify timers (R6.3)
// all fell due while no engine ran. The engine opens, its recovery puts every timer in the index, and the
// timer service finds all of them due at once (the "clock jump"). Measured from the end of recovery (the
// registry answers nothing before it) to the last timer_fired event.
void run_timer_backlog(const run_options& o, bench_report& rep) {
  auto rules = taipei_rules();
  scratch_dir dir(o.scratch);
  const instant first = due_backlog_start(o.timers);
  note(o, "timers.backlog: filling a store with " + std::to_string(o.timers) + " unsigned dispatch cases");
  fill_result filled;
  {
    store_options so;
    so.path = dir.sub("store");
    so.sync = false;   // the fill is set-up, not measured
    auto store = rocksdb_store::open(so);
    if (!store) throw std::runtime_error(store.error().to_string());
    auto f = fill_store(**store, *rules, fill_plan{o.timers, first, 1000}, [&](std::size_t n) {
      if (n % 100000 == 0) note(o, "  " + std::to_string(n) + " cases stored");
    });
    if (!f) throw std::runtime_error(f.error().to_string());
    filled = *f;
  }
  note(o, "  filled in " + std::to_string(filled.seconds) + " s; opening the engine (real clock, synced store)");
  double recovered_s = 0, fired_s = 0, cpu_s = 0;
  std::uint64_t fired = 0;
  engine::store_counts counts;
  {
    store_options so;
    so.path = dir.sub("store");
    so.sync = true;
    auto store = rocksdb_store::open(so);
    if (!store) throw std::runtime_error(store.error().to_string());
    engine_options opt;
    opt.rules = rules;
    opt.mode = clock_mode::real;
    opt.log = std::shared_ptr<rocksdb_store>(std::move(*store));
    opt.worker_threads = o.workers;
    std::atomic<std::uint64_t> fires{0};
    stopwatch open_watch;
    auto eng = engine::open(opt);
    if (!eng) throw std::runtime_error(eng.error().to_string());
    (*eng)->subscribe([&](const std::string&, const event& e) {
      if (e.type != event_type::timer_fired) return;
      fires.fetch_add(1, std::memory_order_relaxed);
    });
    wait_recovered(**eng);
    recovered_s = open_watch.seconds();
    auto before = (*eng)->store_stats();
    note(o, "  recovered in " + std::to_string(recovered_s) + " s (" + std::to_string(fires.load()) +
                " fired so far); waiting for every due timer");
    stopwatch watch;
    const double cpu0 = process_cpu_seconds();
    std::uint64_t last = 0;
    stopwatch stalled;
    while (fires.load() < o.timers && stalled.seconds() < 60) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (fires.load() != last) last = fires.load(), stalled = stopwatch();
    }
    fired_s = watch.seconds();
    fired = fires.load();
    cpu_s = process_cpu_seconds() - cpu0;
    auto after = (*eng)->store_stats();
    counts.writes = after.writes - before.writes;
    counts.batches = after.batches - before.batches;
  }
  // The baseline: the records the fires wrote (timer_fired and its notification), written straight into
  // RocksDB in synced batches of the fires' mean group size.
  auto all = read_event_records(dir.sub("store"));
  raw_records fire_records;
  for (auto& kv : all.kv)
    if (kv.second.find("\"actor\":\"timer:") != std::string::npos) {
      fire_records.value_bytes += kv.second.size();
      fire_records.kv.push_back(std::move(kv));
    }
  all.kv.clear();
  const double n = static_cast<double>(fire_records.kv.size());
  auto per_write = static_cast<std::size_t>(std::max(1.0, std::round(n / std::max<double>(1, counts.writes))));
  auto raw_runs = best_synced_batches(dir.sub("raw"), fire_records, per_write);
  double raw_s = raw_runs.best;
  auto& r = rep.add("timers.backlog", "fires/s", static_cast<double>(fired) / fired_s,
                    "raw RocksDB synced batches of the fires' records, best of 2", static_cast<double>(fired) / raw_s);
  r.target = "1,000,000 fired in < 10 s";
  r.met = fired >= 1000000 && fired_s < 10;
  r.detail["timers"] = o.timers;
  r.detail["fired"] = fired;
  r.detail["seconds_after_recovery"] = fired_s;
  // The whole process's CPU time while the timers fired (the figures recount after the open included), per fire.
  r.detail["cpu_seconds"] = cpu_s;
  r.detail["cpu_us_per_fire"] = fired > 0 ? cpu_s * 1e6 / static_cast<double>(fired) : 0.0;
  r.detail["recovery_seconds"] = recovered_s;
  r.detail["fill_seconds"] = filled.seconds;
  r.detail["records_written"] = fire_records.kv.size();
  r.detail["synced_writes"] = counts.writes;
  r.detail["records_per_write"] = per_write;
  r.detail["baseline_seconds"] = raw_s;
  r.detail["baseline_passes_seconds"] = boost::json::value_from(raw_runs.seconds);
  rep.print_one(std::cout, r);
  std::cout << "  " << fired << " of " << o.timers << " due timers fired in " << fired_s
            << " s after a recovery of " << recovered_s << " s; " << fire_records.kv.size() << " records in "
            << counts.writes << " synced writes; " << (fired > 0 ? cpu_s * 1e6 / static_cast<double>(fired) : 0.0)
            << " us of CPU per fire (the whole process)\n";
}

void run_timer_lateness(const run_options& o, bench_report& rep) {
  auto base = taipei_rules();
  auto heartbeat = load_definition(CASEWORK_BENCH_DATA_DIR "/heartbeat.json");
  if (!heartbeat) throw std::runtime_error(heartbeat.error().to_string());
  auto rules = std::make_shared<bundle>(*base);
  if (auto st = rules->definitions.add(std::make_shared<const definition>(std::move(*heartbeat))); !st.ok())
    throw std::runtime_error(st.error().to_string());
  scratch_dir dir(o.scratch);
  const auto total = static_cast<std::size_t>(o.lateness_rate * o.lateness_seconds);
  note(o, "timers.lateness: " + std::to_string(total) + " heartbeat cases at " + std::to_string(o.lateness_rate) +
              "/s on the real clock, each with a timer due 1 s later (durable store)");
  latency_sample late;
  std::size_t failures = 0;
  std::string first_failure;
  {
    store_options so;
    so.path = dir.sub("store");
    auto store = rocksdb_store::open(so);
    if (!store) throw std::runtime_error(store.error().to_string());
    engine_options opt;
    opt.rules = rules;
    opt.mode = clock_mode::real;
    opt.log = std::shared_ptr<rocksdb_store>(std::move(*store));
    opt.worker_threads = o.workers;
    auto eng = engine::open(opt);
    if (!eng) throw std::runtime_error(eng.error().to_string());
    std::mutex mu;
    std::atomic<std::size_t> fired{0};
    (*eng)->subscribe([&](const std::string&, const event& e) {
      if (e.type != event_type::timer_fired) return;
      auto ms = e.data.at("late_ms").to_number<std::int64_t>();
      std::lock_guard<std::mutex> lock(mu);
      late.add(std::chrono::milliseconds(ms));
      fired.fetch_add(1);
    });
    // Open loop: cases are created on schedule whatever the engine's answers do; answers are read afterwards.
    std::vector<std::future<expected<case_view>>> answers;
    answers.reserve(total);
    auto period = std::chrono::duration<double>(1.0 / o.lateness_rate);
    auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < total; ++i) {
      std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                period * static_cast<double>(i)));
      answers.push_back((*eng)->create_case("bench-heartbeat", {"create", "system", "bench", {{"agency", "dot"}}}));
    }
    for (auto& a : answers) {
      auto r = a.get();
      if (!r && failures++ == 0) first_failure = r.error().to_string();
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (fired.load() + failures < total && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto bare = bare_timer_lateness(o.workers, o.lateness_rate, o.lateness_seconds, 1000);
  auto& r = rep.add("timers.lateness.p99", "ms", late.percentile_ms(99),
                    "bare CAF delayed_send at the same rate", bare.percentile_ms(99));
  r.target = "p99 < 10 ms";
  r.met = late.count() > 0 && late.percentile_ms(99) < 10;
  r.detail["rate_per_s"] = o.lateness_rate;
  r.detail["seconds"] = o.lateness_seconds;
  r.detail["lateness"] = late.summary();
  r.detail["baseline_lateness"] = bare.summary();
  r.detail["create_failures"] = failures;
  if (!first_failure.empty()) r.detail["first_failure"] = first_failure;
  rep.print_one(std::cout, r);
  std::cout << "  engine lateness (ms resolution): p50 " << late.percentile_ms(50) << ", p99 " << late.percentile_ms(99)
            << ", p99.9 " << late.percentile_ms(99.9) << ", max " << late.max_ms() << " over " << late.count()
            << " fires; bare CAF: p50 " << bare.percentile_ms(50) << ", p99 " << bare.percentile_ms(99) << ", max "
            << bare.max_ms() << "\n";
}

}  // namespace casework::bench
