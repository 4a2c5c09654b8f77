// casework-bench: whole-engine benchmarks, each printed beside its physical baseline measured in the same run
// (raw RocksDB synced batches, bare CAF actors), with the ratio and the issue's target; also written as JSON.
#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "report.hpp"
#include "scenarios.hpp"

namespace {

constexpr const char* usage = R"(usage: casework-bench [SCENARIO...] [options]

Runs whole-engine benchmarks on this machine. Each prints its figure, the baseline measured in the same run
(raw RocksDB, bare CAF), the ratio and the target; ratios are what runs on a shared machine compare.

scenarios (default: all, in this order):
  lifecycle        durable create/sign/assign/report/report vs raw RocksDB synced batches of the same records
  command-path     the same lifecycle on a memory log vs bare CAF request/response
  timer-lateness   steady real-time load: lateness of timers due 1 s after creation vs CAF delayed_send
  memory-active    resident bytes per active case actor (stored cases activated) vs a bare CAF actor
  audit            verify events/s over the stored cases vs a raw scan + SHA-256
  memory-stored    resident memory over --memory-stored cases (1 in --open-every open) vs RocksDB alone
  timer-backlog    --timers due timers made due by one clock jump: fires/s vs raw synced writes of their records
  recovery         SIGKILL an engine over the stored cases, restart: first command, all due reminders fired

options:
  --json PATH      where to write the results as JSON (default casework-bench.json)
  --commit TEXT    the commit measured, recorded in the JSON (make bench passes git's)
  --quick          small sizes (a smoke run of every scenario, about a minute)
  --cases N        lifecycle cases (default 10000; at most 99999, one day's case numbers)
  --clients N      closed-loop client threads, i.e. cases in flight (default 64)
  --timers N       due timers in the backlog (default 1000000)
  --stored N       stored open cases for audit, memory-stored and recovery (default 1000000)
  --active N       active case actors for memory-active (default 50000)
  --memory-stored N  stored cases for memory-stored, in a store of its own (default 1000000)
  --open-every K   memory-stored: one case in K is open, the others closed (default 100; 1: all open)
  --rate R         heartbeat cases per second in timer-lateness (default 200)
  --seconds S      duration of timer-lateness (default 20)
  --workers N      CAF scheduler threads (default 2)
  --rounds N       command-path: N rounds of engine then bare CAF, alternating; the medians (default 1)
  --scratch DIR    where the scratch stores go (default $TMPDIR or /tmp)
  --quiet          no progress on stderr
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace casework::bench;
  if (argc == 4 && std::string(argv[1]) == "recovery-child") return recovery_child(argv[2], std::stoll(argv[3]));
  run_options o;
  std::string json = "casework-bench.json", commit;
  std::vector<std::string> chosen;
  const std::map<std::string, std::function<void(const run_options&, bench_report&)>> scenarios = {
      {"lifecycle", run_lifecycle_durable}, {"command-path", run_command_path},
      {"timer-lateness", run_timer_lateness}, {"memory-active", run_memory_active},
      {"audit", run_audit},                 {"memory-stored", run_memory_stored},
      {"timer-backlog", run_timer_backlog}, {"recovery", run_recovery}};
  const std::vector<std::string> order = {"lifecycle", "command-path", "timer-lateness", "memory-active",
                                          "audit",     "memory-stored", "timer-backlog", "recovery"};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "casework-bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    auto count = [&] { return static_cast<std::size_t>(std::stoull(value())); };
    if (a == "--help" || a == "-h") return std::cout << usage, 0;
    else if (a == "--json") json = value();
    else if (a == "--commit") commit = value();
    else if (a == "--quick") {
      o.lifecycle_cases = 2000, o.timers = 20000, o.stored = 20000, o.active = 5000, o.memory_stored = 20000, o.lateness_seconds = 5;
    }
    else if (a == "--cases") o.lifecycle_cases = count();
    else if (a == "--clients") o.clients = count();
    else if (a == "--timers") o.timers = count();
    else if (a == "--stored") o.stored = count();
    else if (a == "--active") o.active = count();
    else if (a == "--memory-stored") o.memory_stored = count();
    else if (a == "--open-every") o.open_every = std::max<std::size_t>(1, count());
    else if (a == "--rate") o.lateness_rate = std::stod(value());
    else if (a == "--seconds") o.lateness_seconds = std::stod(value());
    else if (a == "--workers") o.workers = count();
    else if (a == "--rounds") o.rounds = std::max<std::size_t>(1, count());
    else if (a == "--scratch") o.scratch = value();
    else if (a == "--quiet") o.verbose = false;
    else if (scenarios.count(a)) chosen.push_back(a);
    else if (a == "all") chosen = order;
    else return std::cerr << "casework-bench: unknown argument '" << a << "' (see --help)\n", 2;
  }
  if (chosen.empty()) chosen = order;
  bench_report rep("casework-bench", commit);
  int failed = 0;
  for (const auto& name : order) {
    if (std::find(chosen.begin(), chosen.end(), name) == chosen.end()) continue;
    try {
      scenarios.at(name)(o, rep);
    } catch (const std::exception& e) {
      std::cerr << "casework-bench: " << name << ": " << e.what() << "\n";
      auto& r = rep.add(name + ".error", "", 0);
      r.detail["error"] = e.what();
      ++failed;
    }
    rep.write_json(json);   // after each scenario, so that a long run that is stopped keeps what it measured
  }
  std::cout << "\nsummary (commit " << (commit.empty() ? "unknown" : commit) << ", JSON in " << json << "):\n";
  rep.print(std::cout);
  return failed ? 1 : 0;
}
