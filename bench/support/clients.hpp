// bench support: a closed-loop client population. `clients` threads each take the next case number and run
// its script (one command at a time, each timed from send to answer), until `cases` scripts have run. The
// engine benchmark and its bare CAF baseline use the same clients, so their figures differ by the server only.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "latency.hpp"

namespace casework::bench {

struct client_run {
  latency_sample latency;      // every command's time from send to answer
  std::size_t commands = 0;    // answered ok
  std::size_t failures = 0;    // answered with an error
  std::string first_failure;
  double seconds = 0;          // wall time of the whole run
  double cpu_seconds = 0;      // CPU time (user + system) of the whole process meanwhile: unlike wall time it
                               // does not count the time other machines' load takes this VM's cores away
  double last_sweep_seconds = 0;   // the wait for the packing sweep after the last command (lifecycle.cpp)
  std::size_t unpacked_at_end = 0;   // active case actors still unpacked when that wait ended
};

// A case script: runs case `i`, timing each command into `lat`; returns "" or the first error.
using case_script = std::function<std::string(std::size_t i, latency_sample& lat, std::size_t& commands)>;

client_run run_clients(std::size_t clients, std::size_t cases, const case_script& script,
                       const std::function<void(std::size_t done)>& progress = {});

}  // namespace casework::bench
