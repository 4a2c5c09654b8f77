// casework/simulation/tally.hpp: the end-of-run report of a simulation, counted from the cases' histories:
// per agency, workflow and item, the cases, how many closed, went overdue, the reminders the timers sent, and
// compliance with each deadline (met, missed, still pending) at the end of the run.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include <boost/json.hpp>

#include "casework/engine.hpp"

namespace casework::simulation {

struct compliance_tally {
  std::size_t met = 0, missed = 0, pending = 0;
};

struct case_tally {
  std::size_t cases = 0, closed = 0, overdue = 0;   // overdue: entered "overdue" at least once
  std::size_t reminders = 0;                        // notifications recorded by timers (R6.3, R6.5-R6.7, R5, R4)
  std::size_t events = 0;
  std::map<std::string, compliance_tally> deadlines;   // by deadline name
};

struct run_tally {
  // (agency holding the case at the end, workflow, item; item empty for workflows without items)
  std::map<std::tuple<std::string, std::string, std::string>, case_tally> rows;
  case_tally total;
  std::size_t unreadable = 0;   // histories that could not be read or folded
};

// Reads every case's history through the engine and counts it as of `at`, on `threads` threads (0: one per
// core), each taking a contiguous share of `ids`. The counts do not depend on the number of threads.
run_tally tally_cases(const engine& eng, const bundle& rules, const std::vector<std::string>& ids, instant at,
                      unsigned threads = 0);

// A table, one row per (agency, workflow, item), then the totals.
void print(std::ostream& out, const run_tally& t);
boost::json::object to_json(const run_tally& t);

}  // namespace casework::simulation
