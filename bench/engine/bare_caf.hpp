// casework-bench: the baselines on bare CAF 0.17 actors, without casework.
//
// bare_caf.cpp includes CAF directly, on purpose: outside actors/ only the benchmarks may, because the
// cost of CAF's own request/response, timers and actors is the baseline the engine is measured against.
#pragma once

#include <cstddef>
#include <cstdint>

#include "clients.hpp"
#include "latency.hpp"

namespace casework::bench {

// The engine's command path without the engine: `clients` threads, each running cases one at a time; a case
// is one actor spawned for it, then `per_case` requests answered by that actor, each sent from a short-lived
// helper actor that fulfils a std::future (the way engine::issue asks), then the actor is stopped.
client_run bare_request_response(std::size_t workers, std::size_t clients, std::size_t cases, std::size_t per_case);

// CAF's own timer lateness: `rate` delayed messages a second for `seconds`, each due `delay_ms` after it is
// sent; the receiving actor records how late each arrives.
latency_sample bare_timer_lateness(std::size_t workers, double rate, double seconds, int delay_ms);

// Resident bytes per idle bare actor: `n` actors spawned and kept alive, the growth divided by n.
double bare_actor_bytes(std::size_t workers, std::size_t n);

}  // namespace casework::bench
