#pragma once
/// Time as the servers see it, for work that waits on them (the install tracker's polls): the
/// system's clock for real servers, the lab estate's simulated clock for the lab, where waiting
/// moves the clock instead of sleeping.

#include <chrono>

namespace supctl::ops {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::milliseconds now() const = 0;  ///< from an arbitrary origin; only differences count
  virtual void sleep(std::chrono::milliseconds duration) = 0;
};

/// std::chrono::steady_clock and std::this_thread::sleep_for.
class SystemClock final : public Clock {
 public:
  std::chrono::milliseconds now() const override;
  void sleep(std::chrono::milliseconds duration) override;
};

}  // namespace supctl::ops
