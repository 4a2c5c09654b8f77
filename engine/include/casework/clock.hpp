// casework/clock.hpp: the injected engine clock.
//
// real_clock reads the system clock (the only place in casework that does); manual_clock is set and
// advanced by hand, for tests and for simulations on a virtual clock. Both are safe to share between threads.
#pragma once

#include <atomic>

#include "casework/time.hpp"

namespace casework {

class clock {
 public:
  virtual ~clock() = default;
  virtual instant now() const = 0;
};

class real_clock final : public clock {
 public:
  instant now() const override;
};

class manual_clock final : public clock {
 public:
  explicit manual_clock(instant start);
  instant now() const override;
  // Moves the clock to `t`. Time never runs backwards: an earlier `t` is an invalid_argument error.
  status set(instant t);
  // Moves the clock forward by `d` (d >= 0, else invalid_argument).
  status advance(duration d);

 private:
  std::atomic<instant::rep> now_ms_;
};

}  // namespace casework
