// Lifecycle throughput, durable, against raw RocksDB synced batches; and the command path against bare CAF.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <thread>

#include "bare_caf.hpp"
#include "casework/rocksdb_store.hpp"
#include "clients.hpp"
#include "process.hpp"
#include "raw_rocksdb.hpp"
#include "scenarios.hpp"
#include "workload.hpp"

namespace casework::bench {

namespace {

// Every case through create, sign, assign, report, report (closed), one command at a time per client.
client_run drive_lifecycle(engine& eng, const lifecycle& work, const run_options& o, std::size_t cases) {
  return run_clients(
      o.clients, cases,
      [&](std::size_t i, latency_sample& lat, std::size_t& commands) -> std::string {
        stopwatch w;
        auto created = eng.create_case("dispatch", work.create(i)).get();
        lat.add(w.elapsed());
        if (!created) return "create: " + created.error().to_string();
        if (created->merged) return "create: merged into " + created->state->id + " (R6.12)";
        ++commands;
        auto id = created->state->id;
        for (auto& cmd : work.after_create(i)) {
          stopwatch wc;
          auto r = eng.issue(id, cmd).get();
          lat.add(wc.elapsed());
          if (!r) return cmd.name + ": " + r.error().to_string();
          ++commands;
        }
        return created->state->state == "created" ? "" : "created in state " + created->state->state;
      },
      [&](std::size_t done) {
        if (done % 5000 == 0) note(o, "  " + std::to_string(done) + " cases");
      });
}

// The packing sweep (engine_options::pack_sweep) packs the cases of the run's last second after its last
// command: waits for it and charges its CPU time to the run (not its wall time: the commands/s figure is the
// command stream's), so that cases left unpacked at the end do not flatter the CPU per command.
void charge_last_sweep(engine& eng, client_run& run) {
  const double cpu0 = process_cpu_seconds();
  stopwatch w;
  while (eng.packed_case_actors() < eng.active_case_actors() && w.elapsed() < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  run.cpu_seconds += process_cpu_seconds() - cpu0;
  run.last_sweep_seconds = w.seconds();
  run.unpacked_at_end = eng.active_case_actors() - std::min(eng.active_case_actors(), eng.packed_case_actors());
}

// The process's CPU time per answered command: steadier than wall time on a VM whose cores other machines
// take (steal time is not charged), though it charges whatever else the process does meanwhile.
double cpu_us_per_command(const client_run& run) {
  return run.commands ? run.cpu_seconds * 1e6 / static_cast<double>(run.commands) : 0.0;
}

void add_latency(result& r, const client_run& run) {
  r.detail["commands"] = run.commands;
  r.detail["failures"] = run.failures;
  if (!run.first_failure.empty()) r.detail["first_failure"] = run.first_failure;
  r.detail["seconds"] = run.seconds;
  r.detail["cpu_seconds"] = run.cpu_seconds;
  r.detail["cpu_us_per_command"] = cpu_us_per_command(run);
  r.detail["last_sweep_wait_s"] = run.last_sweep_seconds;
  r.detail["unpacked_at_end"] = run.unpacked_at_end;
  r.detail["latency"] = run.latency.summary();
}

std::string pct(const latency_sample& l) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms", l.percentile_ms(50),
                l.percentile_ms(99), l.percentile_ms(99.9), l.max_ms());
  return buf;
}

}  // namespace

void run_lifecycle_durable(const run_options& o, bench_report& rep) {
  auto rules = taipei_rules();
  lifecycle work(rules);
  const std::size_t cases = std::min<std::size_t>(o.lifecycle_cases, 99999);   // one day's case numbers
  scratch_dir dir(o.scratch);
  note(o, "lifecycle.durable: " + std::to_string(cases) + " cases x 5 commands, " + std::to_string(o.clients) +
              " in flight, synced RocksDB store");
  client_run run;
  engine::store_counts counts;
  {
    store_options so;
    so.path = dir.sub("store");
    so.sync = true;
    auto store = rocksdb_store::open(so);
    if (!store) throw std::runtime_error(store.error().to_string());
    std::shared_ptr<rocksdb_store> log(std::move(*store));
    engine_options opt;
    opt.rules = rules;
    opt.mode = clock_mode::virtual_time;   // no timer falls due during the run: commands only
    opt.start = bench_start(*rules);
    opt.log = log;
    opt.worker_threads = o.workers;
    auto eng = engine::open(opt);
    if (!eng) throw std::runtime_error(eng.error().to_string());
    run = drive_lifecycle(**eng, work, o, cases);
    charge_last_sweep(**eng, run);
    counts = (*eng)->store_stats();
  }
  // The baseline: the very records the engine wrote, written again straight into RocksDB in synced batches of
  // the engine's mean group size (records per synced write), from one thread.
  auto records = read_event_records(dir.sub("store"));
  const double n = static_cast<double>(records.kv.size());
  auto per_write = static_cast<std::size_t>(std::max(1.0, std::round(n / std::max<double>(1, counts.writes))));
  note(o, "  baseline: " + std::to_string(records.kv.size()) + " records, " + std::to_string(per_write) +
              " per synced write");
  auto raw_runs = best_synced_batches(dir.sub("raw"), records, per_write);
  double raw_seconds = raw_runs.best;

  auto& r = rep.add("lifecycle.durable", "records/s", n / run.seconds, "raw RocksDB synced batches, same records, best of 2",
                    n / raw_seconds);
  r.target = "ratio >= 0.5";
  r.met = r.ratio() && *r.ratio() >= 0.5;
  add_latency(r, run);
  r.detail["records"] = records.kv.size();
  r.detail["mean_record_bytes"] = static_cast<double>(records.key_bytes + records.value_bytes) / std::max(1.0, n);
  r.detail["synced_writes"] = counts.writes;
  r.detail["case_batches"] = counts.batches;
  r.detail["records_per_write"] = per_write;
  r.detail["baseline_seconds"] = raw_seconds;
  r.detail["baseline_passes_seconds"] = boost::json::value_from(raw_runs.seconds);
  auto& c = rep.add("lifecycle.durable.commands", "commands/s", static_cast<double>(run.commands) / run.seconds);
  add_latency(c, run);
  rep.print_one(std::cout, r);
  rep.print_one(std::cout, c);
  std::cout << "  command latency: " << pct(run.latency) << "; group commit: "
            << static_cast<double>(counts.batches) / std::max<double>(1, counts.writes) << " case batches, "
            << per_write << " records per synced write; CPU " << cpu_us_per_command(run) << " us per command\n";
  if (run.failures) std::cout << "  FAILURES: " << run.failures << " (" << run.first_failure << ")\n";
}

void run_command_path(const run_options& o, bench_report& rep) {
  auto rules = taipei_rules();
  lifecycle work(rules);
  const std::size_t cases = std::min<std::size_t>(o.lifecycle_cases, 99999);
  note(o, "command path: " + std::to_string(cases) + " cases x 5 commands on a memory log, then bare CAF" +
              (o.rounds > 1 ? ", " + std::to_string(o.rounds) + " rounds" : ""));
  // Each round: a fresh engine, then bare CAF; the figures are the medians of the rounds (one round: its own).
  std::vector<client_run> runs, bares;
  for (std::size_t round = 0; round < o.rounds; ++round) {
    client_run run;
    {
      engine_options opt;
      opt.rules = rules;
      opt.mode = clock_mode::virtual_time;
      opt.start = bench_start(*rules);
      opt.worker_threads = o.workers;   // opt.log: the default memory_event_log (no store)
      auto eng = engine::open(opt);
      if (!eng) throw std::runtime_error(eng.error().to_string());
      run = drive_lifecycle(**eng, work, o, cases);
      charge_last_sweep(**eng, run);
    }
    runs.push_back(std::move(run));
    bares.push_back(bare_request_response(o.workers, o.clients, cases, lifecycle::commands_per_case));
  }
  auto rate = [](const client_run& r) { return static_cast<double>(r.commands) / r.seconds; };
  auto median_of = [&](const std::vector<client_run>& v, auto key) {   // the run at the median of `key`
    std::vector<std::size_t> at(v.size());
    for (std::size_t i = 0; i < at.size(); ++i) at[i] = i;
    std::sort(at.begin(), at.end(), [&](std::size_t a, std::size_t b) { return key(v[a]) < key(v[b]); });
    return at[at.size() / 2];
  };
  const auto& run = runs[median_of(runs, rate)];
  const auto& bare = bares[median_of(bares, rate)];
  auto& r = rep.add("command_path.memory_log", "commands/s", rate(run), "bare CAF request/response, same clients",
                    rate(bare));
  r.target = "ratio >= 0.33 (within 3x)";
  r.met = r.ratio() && *r.ratio() >= 1.0 / 3.0;
  add_latency(r, run);
  r.detail["baseline_latency"] = bare.latency.summary();
  r.detail["baseline_cpu_us_per_command"] = cpu_us_per_command(bare);
  if (o.rounds > 1) {
    boost::json::array rounds;
    for (std::size_t i = 0; i < runs.size(); ++i)
      rounds.push_back(boost::json::object{{"commands_per_s", rate(runs[i])},
                                           {"cpu_us_per_command", cpu_us_per_command(runs[i])},
                                           {"baseline_per_s", rate(bares[i])},
                                           {"baseline_cpu_us", cpu_us_per_command(bares[i])},
                                           {"ratio", rate(runs[i]) / rate(bares[i])}});
    r.detail["rounds"] = std::move(rounds);
    r.detail["figures"] = "the median round of each side (by commands/s)";
  }
  rep.print_one(std::cout, r);
  char cpu[160];
  std::snprintf(cpu, sizeof cpu, "  CPU per command: engine %.1f us, bare CAF %.1f us (ratio %.2f)\n",
                cpu_us_per_command(run), cpu_us_per_command(bare),
                cpu_us_per_command(run) > 0 ? cpu_us_per_command(bare) / cpu_us_per_command(run) : 0.0);
  std::cout << "  engine: " << pct(run.latency) << "\n  bare CAF: " << pct(bare.latency) << "\n" << cpu;
  if (o.rounds > 1) {
    std::cout << "  rounds (ratio):";
    for (std::size_t i = 0; i < runs.size(); ++i) std::cout << " " << rate(runs[i]) / rate(bares[i]);
    std::cout << "\n";
  }
  for (const auto& x : runs)
    if (x.failures) std::cout << "  FAILURES: " << x.failures << " (" << x.first_failure << ")\n";
}

}  // namespace casework::bench
