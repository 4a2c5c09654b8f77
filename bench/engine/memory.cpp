// Memory: resident bytes per active case actor (against a bare CAF actor), and the engine's resident memory
// over a store of many cases with passivation on (against RocksDB's own for the same store).
#include <iostream>
#include <thread>

#include "bare_caf.hpp"
#include "casework/rocksdb_store.hpp"
#include "clients.hpp"
#include "latency.hpp"
#include "process.hpp"
#include "raw_rocksdb.hpp"
#include "scenarios.hpp"
#include "stored_fixture.hpp"
#include "workload.hpp"

namespace casework::bench {

void run_memory_active(const run_options& o, bench_report& rep) {
  auto rules = taipei_rules();
  lifecycle work(rules);
  scratch_dir dir(o.scratch);
  const std::size_t n = std::min<std::size_t>(o.active, 99999);
  note(o, "memory.active: " + std::to_string(n) + " cases created and kept active, then passivated");
  std::uint64_t rss0 = 0, rss_active = 0, rss_passive = 0;
  std::size_t active = 0, after = 0;
  {
    store_options so;
    so.path = dir.sub("store");
    so.sync = false;   // the histories live on disk, not in this process; syncing is not what is measured
    auto store = rocksdb_store::open(so);
    if (!store) throw std::runtime_error(store.error().to_string());
    engine_options opt;
    opt.rules = rules;
    opt.mode = clock_mode::virtual_time;
    opt.start = bench_start(*rules);
    opt.log = std::shared_ptr<rocksdb_store>(std::move(*store));
    opt.worker_threads = o.workers;
    opt.passivate_after = std::chrono::seconds(20);   // wall time (CAF's idle timeout)
    auto eng = engine::open(opt);
    if (!eng) throw std::runtime_error(eng.error().to_string());
    wait_recovered(**eng);
    rss0 = resident_bytes_trimmed();
    stopwatch watch;
    auto run = run_clients(o.clients, n, [&](std::size_t i, latency_sample&, std::size_t& commands) -> std::string {
      auto r = (*eng)->create_case("dispatch", work.create(i)).get();
      if (!r) return r.error().to_string();
      ++commands;
      return "";
    });
    if (run.failures) throw std::runtime_error("create: " + run.first_failure);
    active = (*eng)->active_case_actors();
    rss_active = resident_bytes_trimmed();
    note(o, "  " + std::to_string(active) + " active actors after " + std::to_string(watch.seconds()) +
                " s; waiting for passivation");
    while ((*eng)->active_case_actors() > 0 && watch.seconds() < 300)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    after = (*eng)->active_case_actors();
    rss_passive = resident_bytes_trimmed();
  }
  double per_actor = active ? static_cast<double>(rss_active - std::min(rss_active, rss_passive)) / active : 0;
  double per_case = static_cast<double>(rss_passive - std::min(rss_passive, rss0)) / n;
  double bare = bare_actor_bytes(o.workers, n);
  auto& r = rep.add("memory.per_active_case", "bytes", per_actor, "bare CAF actor", bare);
  r.target = "<= 2048 bytes";
  r.met = per_actor <= 2048;
  r.detail["cases"] = n;
  r.detail["active_actors"] = active;
  r.detail["active_after_passivation"] = after;
  r.detail["rss_start"] = rss0;
  r.detail["rss_active"] = rss_active;
  r.detail["rss_passivated"] = rss_passive;
  auto& c = rep.add("memory.per_known_case", "bytes", per_case);
  c.detail["what"] = "resident growth per created case that stays after its actor passivated (registry directory, "
                     "place index, timer index, outbox, figures)";
  rep.print_one(std::cout, r);
  rep.print_one(std::cout, c);
  std::cout << "  RSS: start " << mb(rss0) << ", " << active << " active " << mb(rss_active) << ", passivated ("
            << after << " left) " << mb(rss_passive) << "\n";
}

void run_memory_stored(const run_options& o, bench_report& rep) {
  auto& fixture = stored_fixture::get(o);
  auto rules = taipei_rules();
  scratch_dir dir(o.scratch);
  auto path = fixture.clone_into(dir.path());
  const auto n = fixture.filled().cases;
  note(o, "memory.stored: an engine over " + std::to_string(n) + " stored open cases");
  auto raw = open_resident_bytes(path);
  std::uint64_t before = resident_bytes_trimmed(), after = 0;
  double recovered_s = 0;
  {
    store_options so;
    so.path = path;
    auto store = rocksdb_store::open(so);
    if (!store) throw std::runtime_error(store.error().to_string());
    engine_options opt;
    opt.rules = rules;
    opt.mode = clock_mode::virtual_time;
    opt.start = bench_start(*rules) + std::chrono::hours(1);
    opt.log = std::shared_ptr<rocksdb_store>(std::move(*store));
    opt.worker_threads = o.workers;   // passivate_after: the default (10 minutes)
    stopwatch watch;
    auto eng = engine::open(opt);
    if (!eng) throw std::runtime_error(eng.error().to_string());
    wait_recovered(**eng);
    recovered_s = watch.seconds();
    after = resident_bytes_trimmed();
  }
  double grown = static_cast<double>(after - std::min(after, before));
  auto& r = rep.add("memory.stored_cases", "bytes", grown, "raw RocksDB open of the same store", static_cast<double>(raw));
  r.target = "< 1 GiB with 10,000,000 stored cases";
  double per_case = grown / static_cast<double>(n);
  r.met = per_case * 1e7 < 1024.0 * 1024 * 1024;   // linear extrapolation from n cases, see the detail
  r.detail["stored_cases"] = n;
  r.detail["bytes_per_stored_case"] = per_case;
  r.detail["extrapolated_10m_bytes"] = per_case * 1e7;
  r.detail["recovered_s"] = recovered_s;
  r.detail["store_disk_bytes"] = fixture.disk_bytes();
  rep.print_one(std::cout, r);
  std::cout << "  " << n << " stored cases: engine resident growth " << mb(grown) << " (" << per_case
            << " bytes per case; 10,000,000 cases at that rate: " << mb(per_case * 1e7) << "), recovery "
            << recovered_s << " s; RocksDB alone: " << mb(static_cast<double>(raw)) << "\n";
}

}  // namespace casework::bench
