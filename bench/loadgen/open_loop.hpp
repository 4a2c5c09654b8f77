// casework-loadgen: an open-loop HTTP load generator. Requests are due at fixed intervals (rate r: request i
// at start + i/r) whether or not earlier ones were answered; each one's latency is measured from its INTENDED
// send time, not from when a connection was free to send it, so a stall shows up in the latency of every
// request that should have gone out during it (no coordinated omission).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "latency.hpp"

namespace casework::bench {

struct load_target {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string method = "POST";
  std::string target = "/v1/cases";      // path and query
  std::vector<std::pair<std::string, std::string>> headers;   // e.g. Content-Type, Authorization
  std::string body;                      // "{{n}}" is replaced by the request's number (distinct creates)
};

struct load_plan {
  double rate = 1000;                    // requests per second
  double seconds = 10;                   // how long requests are due
  std::size_t connections = 32;          // keep-alive connections (HTTP/1.1), one request at a time each
  double drain_seconds = 5;              // after the last due instant, how long answers are waited for
};

struct load_result {
  double rate = 0;                       // planned
  std::size_t due = 0;                   // requests that were due
  std::size_t ok = 0;                    // answered 2xx
  std::size_t http_errors = 0;           // answered, not 2xx
  std::size_t io_errors = 0;             // connect, write or read failed
  std::size_t unanswered = 0;            // not answered by the end of the drain
  std::map<unsigned, std::size_t> statuses;
  latency_sample latency;                // answered requests, from intended send time to the full response
  // The same latencies by the second each request was due in (0 = the first second): where in the run a stall
  // fell, to be set beside the server's own record of that second.
  std::vector<latency_sample> per_second;
  double achieved_rate = 0;              // answered (any status) per second of the due period
  std::size_t max_backlog = 0;           // most requests due but not yet sent at one time
};

// Runs one rate against the target. Never throws on I/O errors: they are counted.
load_result run_open_loop(const load_target& t, const load_plan& p);

}  // namespace casework::bench
