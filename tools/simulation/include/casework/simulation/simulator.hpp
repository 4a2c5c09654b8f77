// casework/simulation/simulator.hpp: plays the people of the hotline against an engine on the virtual clock.
//
// Arrivals become create_case calls at their instant; then the duty officers sign (most within minutes, some
// after the 10-minute reminder, R6.3), assign, and the handlers report each stage at a fraction of its limit
// (R6.4): the slow agencies' handlers often late, so their cases go overdue and are reminded (R6.5-R6.7).
// Intake clerks assign petitions and reply (R5), liaisons call back (R4). A replayed stream's cases are
// reported done at their recorded closing instant. Time moves in steps: to the next arrival or action,
// rounded up to `resolution`, at most `max_step` ahead; each step first fires the timers due on the way
// (engine::advance_to, or advance_time in deterministic mode), then does what fell due, all concurrently, and
// waits for every answer.
//
//   simulator sim(rules, eng, opts);
//   auto st = sim.run(arrivals, start, end);   // the engine's clock ends at `end`
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "casework/engine.hpp"
#include "casework/simulation/arrivals.hpp"

namespace casework::simulation {

struct simulator_options {
  std::set<std::string> slow_agencies;               // their handlers report at 40%..160% of each limit
  duration resolution = std::chrono::minutes(1);     // actions happen at the first step at or after their time
  duration max_step = std::chrono::hours(24);        // the clock moves at least this often (progress)
  std::uint64_t seed = 1999;
  // The engine runs in clock_mode::deterministic (CAF's test coordinator: every step runs on the calling
  // thread, reproducible, no thread hand-offs) rather than clock_mode::virtual_time.
  bool deterministic = false;
  // Asked before every step; true stops the run there (an interrupted run still reports what it did).
  std::function<bool()> stop;
  // Called every `progress_every` steps and at the end: the simulated instant, arrivals taken, arrivals.
  std::function<void(instant, std::size_t, std::size_t)> progress;
  std::size_t progress_every = 200;
};

struct simulator_counts {
  std::size_t steps = 0, creates = 0, merged = 0, commands = 0, refused = 0;
  std::size_t failed = 0;            // answers that were neither ok nor an expected refusal
  std::string first_failure;
};

class simulator {
 public:
  simulator(std::shared_ptr<const bundle> rules, engine& eng, simulator_options o);
  ~simulator();
  // Runs the arrivals (sorted by instant) from `start` (the engine's clock) to `end`; people stop acting at
  // `end`, open cases stay open. Errors: the engine's, from advance_to.
  status run(const std::vector<arrival>& arrivals, instant start, instant end);
  const simulator_counts& counts() const;
  // The ids of the cases created through arrivals (merged repeats excluded), in id order.
  std::vector<std::string> case_ids() const;

  // `share` of the directory's dispatch agencies, picked with `seed` (at least one when share > 0).
  static std::set<std::string> pick_slow(const bundle& rules, double share, std::uint64_t seed);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace casework::simulation
