// The engine clocks. real_clock is the only place in casework that reads std::chrono::system_clock::now().
#include "casework/clock.hpp"

namespace casework {

instant real_clock::now() const { return std::chrono::floor<duration>(std::chrono::system_clock::now()); }

manual_clock::manual_clock(instant start) : now_ms_(start.time_since_epoch().count()) {}

instant manual_clock::now() const { return instant{duration{now_ms_.load(std::memory_order_acquire)}}; }

status manual_clock::set(instant t) {
  auto current = now_ms_.load(std::memory_order_acquire);
  auto target = t.time_since_epoch().count();
  // A compare-exchange loop, so a concurrent advance() can never be undone by a stale set().
  while (target >= current) {
    if (now_ms_.compare_exchange_weak(current, target, std::memory_order_acq_rel)) return {};
  }
  return error(errc::invalid_argument,
               format_utc(t) + " is before the current time " + format_utc(instant{duration{current}}) +
                   " (time never runs backwards)",
               "manual_clock.set");
}

status manual_clock::advance(duration d) {
  if (d < duration::zero()) {
    return error(errc::invalid_argument,
                 "negative duration " + std::to_string(d.count()) + "ms (time never runs backwards)",
                 "manual_clock.advance");
  }
  now_ms_.fetch_add(d.count(), std::memory_order_acq_rel);
  return {};
}

}  // namespace casework
