// casework-bench: the whole-engine scenarios. Each measures casework and, in the same run, its baseline,
// and adds its results to the report (figure, baseline, ratio, the target).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "casework/bundle.hpp"
#include "casework/engine.hpp"
#include "report.hpp"

namespace casework::bench {

struct run_options {
  std::string scratch;              // parent of the scratch directories (default $TMPDIR or /tmp)
  std::size_t workers = 2;          // CAF scheduler threads (the engine's and the bare baselines')
  std::size_t clients = 64;         // closed-loop client threads: cases in flight
  std::size_t lifecycle_cases = 10000;   // cases through the whole lifecycle (5 commands each)
  std::size_t timers = 1000000;     // due timers in the backlog run
  std::size_t stored = 1000000;     // stored open cases for recovery, audit and resident memory
  std::size_t active = 50000;       // active case actors for memory per actor
  std::size_t memory_stored = 1000000;   // stored cases for memory-stored (its own store)
  std::size_t open_every = 100;     // memory-stored: one case in this many is open, the others closed
  double lateness_rate = 200;       // heartbeat cases created per second in the lateness run
  double lateness_seconds = 20;     // how long the lateness run creates them
  bool verbose = true;              // progress on stderr
  // command-path: rounds of (engine, bare CAF), alternating; the figures are each side's median. One round's
  // ratio moves with whatever else the machine runs meanwhile (0.23 to 0.36 on the same build, 2026-11-29).
  std::size_t rounds = 1;
};

void run_lifecycle_durable(const run_options& o, bench_report& rep);
void run_command_path(const run_options& o, bench_report& rep);
void run_timer_backlog(const run_options& o, bench_report& rep);
void run_timer_lateness(const run_options& o, bench_report& rep);
void run_recovery(const run_options& o, bench_report& rep);
int recovery_child(const std::string& store_path, std::int64_t start_ms);   // the process run_recovery kills
void run_audit(const run_options& o, bench_report& rep);
void run_memory_active(const run_options& o, bench_report& rep);
void run_memory_stored(const run_options& o, bench_report& rep);

// Shared by the scenarios.
instant bench_start(const bundle& rules);   // Monday 2026-03-02 09:00 in the deployment's zone
// For n cases created 1 ms apart from the returned instant: in the real past, so that the last one was created
// 11 minutes ago and every case's sign-renotify (R6.3, 10 minutes after creation) is due on the real clock,
// and nothing else is (the next timer, stage-one-overdue, is 24 hours after creation).
instant due_backlog_start(std::size_t n);
// Waits for the engine's recovery to end: list_cases is answered by the registry after its recover step.
void wait_recovered(engine& eng);
// Waits until the agency supervisors' published figures count `open` open cases in all (they learn recovered
// cases from messages the registry sends during recovery, after it answers). Returns the seconds waited, or
// a negative number when `limit_s` passed first.
double wait_figures(const engine& eng, std::size_t open, double limit_s);
void note(const run_options& o, const std::string& line);   // progress line on stderr when verbose
std::string mb(double bytes);

}  // namespace casework::bench
