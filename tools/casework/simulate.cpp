// casework simulate: runs a workload through an engine on the virtual clock, as fast as the machine allows,
// and reports per agency and item. The people are casework::simulation::simulator's.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "casework/rocksdb_store.hpp"
#include "casework/simulation/simulator.hpp"
#include "casework/simulation/tally.hpp"
#include "casework/simulation/year.hpp"
#include "allocator.hpp"
#include "cli.hpp"
#include "commands.hpp"
#include "output.hpp"

namespace casework::cli {

namespace {

// A finished run's memory log, never freed (run_simulate's end says why).
const std::shared_ptr<event_log>* kept_at_exit = nullptr;

namespace sim = casework::simulation;

constexpr const char* help = R"(usage: casework simulate [options]

Runs a workload through an engine on a virtual clock, as fast as this machine allows: reports arrive at
their instants, simulated duty officers, handlers, intake clerks and liaisons act on the cases (the slow
agencies' handlers often late), and every reminder fires when its time comes. Ends with a report per agency,
workflow and item: cases, closed, overdue, reminders sent, and compliance with each deadline (met / missed /
still pending at the end), then the wall time and the simulated time.

workloads (--workload):
  taipei-year   a synthetic Taipei year from the published monthly item volumes: --per-month dispatch
                reports a month (default 14000; about 2% repeats at an earlier place), plus petitions (3%)
                and transfer callbacks (2%) (default)
  nyc311        the NYC 311 2011 sample replayed on the NYC items (workflows/nyc): each row whose complaint
                type is an item becomes a report at its Created Date, reported done at its Closed Date

options:
  --months N            taipei-year: months from --from (default 12)
  --from YYYY-MM        taipei-year: the first month (default 2026-01)
  --per-month N         taipei-year: dispatch reports a month (default 14000)
  --slow-share F        share of dispatch agencies whose handlers are slow (default 0.2)
  --slow A,B            these agencies are the slow ones (instead of --slow-share)
  --seed N              the workload's and the people's random choices (default 1999)
  --resolution D        actions happen at the first step at or after their time, steps on a grid of D
                        (ISO 8601 duration, default PT1M)
  --tail D              after the last arrival (nyc311: the last closing) the clock runs on for D, firing
                        reminders (default P7D)
  --clock C             deterministic (default): the actors run on this thread under CAF's test coordinator,
                        step by step, the same run every time; virtual: on CAF's scheduler threads
                        (--workers), steps waiting for answers across threads
  --passivate-after D   idle case actors stop after D of the engine clock and are read back from the log on
                        their next command or timer (default: never, the whole run stays in memory; with
                        the deterministic clock, PT10M makes every daily reminder re-read its case)
  --store DIR           record into a RocksDB store at DIR (created; synced writes) instead of memory
  --json PATH           also write the report as JSON
  --workers N           CAF scheduler threads (default: cores)
  --volumes FILE        taipei-year: the monthly volume table (default: the copy in tools/simulation/data)
  --csv FILE            nyc311: the sample (default: the copy in tools/simulation/data)
  --definitions DIR     a workflows root (holding definitions/, taipei/, nyc/, calendars/)

Progress goes to stderr when it is a terminal (nothing when piped). The report names the allocator: built with
jemalloc (the default), the casework program asks it for transparent huge pages, which a year's 4 GB in memory
needs to avoid a million page faults; MALLOC_CONF=thp:default in the environment turns them off.
exit codes: 0 done, 1 some commands failed unexpectedly (see the report), 2 usage or I/O error
)";

expected<duration> duration_option(const args& a, const std::string& name, duration fallback) {
  auto text = a.option(name);
  if (!text) return fallback;
  auto d = parse_iso_duration(*text);
  if (!d) return error(errc::invalid_argument, "'" + *text + "' is not an ISO 8601 duration (e.g. PT1M, P7D)", name);
  if (d->negative) return error(errc::invalid_argument, "'" + *text + "': not negative", name);
  return duration(std::chrono::hours(24 * d->days)) + d->clock;
}

expected<std::size_t> count_option(const args& a, const std::string& name, std::size_t fallback) {
  auto text = a.option(name);
  if (!text) return fallback;
  try {
    std::size_t used = 0;
    auto v = std::stoull(*text, &used);
    if (used == text->size()) return static_cast<std::size_t>(v);
  } catch (...) {
  }
  return error(errc::invalid_argument, "'" + *text + "' is not a whole number", name);
}

std::string workflows_root(const args& a) {
  auto dir = a.option("--definitions");
  return dir ? *dir : default_workflows_root();
}

// One progress line on a terminal, overwritten in place.
class progress_line {
 public:
  progress_line() : tty_(::isatty(STDERR_FILENO) == 1) {}
  void show(const std::string& text) {
    if (!tty_) return;
    std::cerr << "\r\033[K" << text << std::flush;
    shown_ = true;
  }
  ~progress_line() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  bool tty_;
  bool shown_ = false;
};

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

}  // namespace

int run_simulate(int argc, char** argv) {
  const spec s{"simulate",
               {},
               {"--workload", "--months", "--from", "--per-month", "--slow-share", "--slow", "--seed", "--resolution",
                "--tail", "--clock", "--passivate-after", "--store", "--json", "--workers", "--volumes", "--csv", "--definitions"},
               {},
               help};
  auto a = parse(s, argc, argv);
  if (!a) return fail(s.command, a.error().to_string());
  if (a->help) return std::cout << help, exit_ok;
  const std::string workload = a->option("--workload").value_or("taipei-year");
  if (workload != "taipei-year" && workload != "nyc311")
    return fail(s.command, "--workload: '" + workload + "' is neither taipei-year nor nyc311");
  auto months = count_option(*a, "--months", 12);
  auto per_month = count_option(*a, "--per-month", 14000);
  auto seed = count_option(*a, "--seed", 1999);
  auto workers = count_option(*a, "--workers", 0);
  auto resolution = duration_option(*a, "--resolution", std::chrono::minutes(1));
  auto tail = duration_option(*a, "--tail", std::chrono::hours(24 * 7));
  for (const auto* e : {&months, &per_month, &seed, &workers})
    if (!*e) return fail(s.command, e->error().to_string());
  if (!resolution) return fail(s.command, resolution.error().to_string());
  if (!tail) return fail(s.command, tail.error().to_string());
  auto passivate = duration_option(*a, "--passivate-after", duration(0));
  if (!passivate) return fail(s.command, passivate.error().to_string());
  double slow_share = 0.2;
  if (auto t = a->option("--slow-share")) {
    try {
      slow_share = std::stod(*t);
    } catch (...) {
      slow_share = -1;
    }
    if (slow_share < 0 || slow_share > 1) return fail(s.command, "--slow-share: a number from 0 to 1");
  }

  // The rules and the arrivals.
  auto root = workflows_root(*a);
  auto rules = load_bundle(workload == "nyc311" ? bundle_paths::nyc(root) : bundle_paths::taipei(root));
  if (!rules) return fail(s.command, rules.error().to_string());
  std::vector<sim::arrival> arrivals;
  std::string described;
  if (workload == "taipei-year") {
    auto path = a->option("--volumes").value_or(CASEWORK_SIMULATION_DATA_DIR "/taipei-dispatch-items.md");
    auto volumes = sim::read_item_volumes(path, (*rules)->items);
    if (!volumes) return fail(s.command, volumes.error().to_string());
    sim::year_plan plan;
    plan.months = static_cast<int>(*months);
    plan.dispatch_per_month = *per_month;
    plan.seed = *seed;
    if (auto from = a->option("--from")) {
      if (from->size() != 7 || std::sscanf(from->c_str(), "%d-%d", &plan.first_year, &plan.first_month) != 2 ||
          plan.first_month < 1 || plan.first_month > 12)
        return fail(s.command, "--from: a month as YYYY-MM");
    }
    if (plan.months < 1 || plan.dispatch_per_month < 100) return fail(s.command, "--months >= 1 and --per-month >= 100");
    arrivals = sim::year_arrivals(**rules, *volumes, plan);
    described = "taipei-year: " + std::to_string(plan.months) + " months from " + std::to_string(plan.first_year) + "-" +
                (plan.first_month < 10 ? "0" : "") + std::to_string(plan.first_month) + ", " +
                std::to_string(plan.dispatch_per_month) + " dispatch reports a month";
  } else {
    auto path = a->option("--csv").value_or(CASEWORK_SIMULATION_DATA_DIR "/nyc311-2011-sample-2000.csv");
    auto replay = sim::read_nyc311(path, **rules);
    if (!replay) return fail(s.command, replay.error().to_string());
    arrivals = std::move(replay->arrivals);
    described = "nyc311: " + std::to_string(arrivals.size()) + " of " + std::to_string(replay->rows) +
                " rows mapped onto items (" + std::to_string(replay->unmapped) + " complaint types not in the table)";
  }
  if (arrivals.empty()) return fail(s.command, "the workload has no arrivals");

  const std::string clock = a->option("--clock").value_or("deterministic");
  if (clock != "deterministic" && clock != "virtual")
    return fail(s.command, "--clock: '" + clock + "' is neither deterministic nor virtual");
  sim::simulator_options so;
  so.seed = *seed;
  so.deterministic = clock == "deterministic";
  so.resolution = *resolution;
  if (auto list = a->option("--slow")) {
    std::stringstream in(*list);
    for (std::string id; std::getline(in, id, ',');) {
      if (!(*rules)->people.find(id)) return fail(s.command, "--slow: no agency '" + id + "' in the directory");
      so.slow_agencies.insert(id);
    }
  } else {
    so.slow_agencies = sim::simulator::pick_slow(**rules, slow_share, *seed);
  }

  // The engine: virtual clock from midnight of the first arrival's day, a memory log or a store.
  const auto& cal = (*rules)->calendar;
  const instant start = cal.at(cal.day_of(arrivals.front().at), time_of_day(0));
  instant last = arrivals.back().at;   // a replay runs until its last recorded closing
  for (const auto& ar : arrivals)
    if (ar.resolved) last = std::max(last, *ar.resolved);
  const instant end = last + *tail;
  engine_options opt;
  opt.rules = *rules;
  opt.mode = so.deterministic ? clock_mode::deterministic : clock_mode::virtual_time;
  opt.start = start;
  opt.worker_threads = *workers;
  opt.passivate_after = *passivate;
  opt.pack_idle_cases = false;   // a run holds every case in memory anyway; packing cost ~8% of its CPU
  std::shared_ptr<event_log> log;
  if (auto dir = a->option("--store")) {
    store_options st;
    st.path = *dir;
    auto store = rocksdb_store::open(st);
    if (!store) return fail(s.command, store.error().to_string());
    log = std::shared_ptr<rocksdb_store>(std::move(*store));
  } else {
    log = std::make_shared<memory_event_log>();
  }
  opt.log = log;
  auto eng = engine::open(opt);
  if (!eng) return fail(s.command, eng.error().to_string());

  const auto wall_start = std::chrono::steady_clock::now();
  auto wall = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count(); };
  progress_line shown;
  so.progress = [&](instant now, std::size_t taken, std::size_t total) {
    shown.show("simulate: " + format_day(cal.day_of(now)) + ", " + std::to_string(taken) + " of " +
               std::to_string(total) + " reports taken, " + fixed(wall(), 1) + " s");
  };
  so.stop = [] { return interrupted(); };   // SIGINT/SIGTERM: stop stepping, report what was simulated
  sim::simulator people(*rules, **eng, so);
  auto ran = people.run(arrivals, start, end);
  if (!ran.ok()) return fail(s.command, ran.error().to_string());
  const double run_seconds = wall();
  auto ids = log->case_ids();
  std::sort(ids.begin(), ids.end());
  auto tally = sim::tally_cases(**eng, **rules, ids, end);
  const auto& c = people.counts();
  const double simulated_days = std::chrono::duration<double>(end - start).count() / 86400.0;

  std::cout << "casework simulate: " << described << "\n";
  if (interrupted()) std::cout << "INTERRUPTED at " << format_utc((*eng)->now()) << ": the report covers the run so far\n";
  std::cout << "clock: " << clock << "; slow agencies:";
  for (const auto& ag : so.slow_agencies) std::cout << " " << ag;
  const auto alloc = running_allocator();
  std::cout << "\nallocator: " << alloc.name;
  if (!alloc.thp.empty()) std::cout << " (transparent huge pages: " << alloc.thp << ")";
  std::cout << "\n\n";
  sim::print(std::cout, tally);
  std::cout << "\nsimulated " << format_utc(start) << " .. " << format_utc(end) << " (" << fixed(simulated_days, 1)
            << " days) in " << fixed(run_seconds, 2) << " s wall (" << fixed(simulated_days / run_seconds, 1)
            << " simulated days/s; report " << fixed(wall() - run_seconds, 2) << " s)\n";
  std::cout << c.creates << " reports (" << c.merged << " joined open cases, R6.12), " << c.commands << " commands, "
            << c.refused << " refused as the case had moved on, " << c.steps << " steps, " << ids.size() << " cases, "
            << tally.total.events << " events\n";
  if (c.failed) std::cout << c.failed << " unexpected failures; the first: " << c.first_failure << "\n";
  if (auto path = a->option("--json")) {
    auto j = sim::to_json(tally);
    boost::json::array slow;
    for (const auto& ag : so.slow_agencies) slow.push_back(boost::json::value(ag));
    j["workload"] = described;
    j["slow_agencies"] = std::move(slow);
    j["wall_seconds"] = run_seconds;
    j["simulated_days"] = simulated_days;
    j["start"] = format_utc(start);
    j["end"] = format_utc(end);
    j["steps"] = c.steps;
    j["reports"] = c.creates;
    j["merged"] = c.merged;
    j["commands"] = c.commands;
    j["refused"] = c.refused;
    j["failed"] = c.failed;
    j["allocator"] = {{"name", alloc.name}, {"version", alloc.version}, {"thp", alloc.thp}};
    std::ofstream out(*path);
    out << boost::json::serialize(j) << "\n";
    if (!out) return fail(s.command, "cannot write " + *path);
  }
  if (!flushed(std::cout)) return fail(s.command, "cannot write the output");
  // The memory log is not freed when the run ends: a year's 3.9 million events, each with its JSON, took ~6 s to
  // free one allocation at a time for a process that is about to exit. It is held from a static, so leak checkers
  // see it as reachable; the engine still stops its actors, and a store (--store) closes as usual.
  if (!a->option("--store")) kept_at_exit = new std::shared_ptr<event_log>(log);
  return c.failed ? exit_finding : exit_ok;
}

}  // namespace casework::cli
