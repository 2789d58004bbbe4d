#pragma once
/// The lab backend: interprets operations over the lab estate. Each plugin registers the lab
/// interpreters of its operations in an OperationTable (the twin of its PowerShell fragments).

#include <functional>
#include <map>
#include <string>

#include "backends/lab/estate.h"
#include "ops/backend.h"
#include "ops/clock.h"

namespace supctl::lab {

/// One operation's lab interpreter: runs it on `host` of `estate` and returns its result.
using Interpreter = std::function<plugin::OperationResult(Estate& estate, const std::string& host, const Json& params)>;

class OperationTable {
 public:
  /// Registers an interpreter; a name registered twice is a programming error (the second is ignored
  /// and reported by `duplicates()`).
  void add(std::string name, Interpreter interpreter);
  const Interpreter* find(std::string_view name) const;
  const std::vector<std::string>& duplicates() const { return duplicates_; }
  std::vector<std::string> names() const;  ///< sorted

 private:
  std::map<std::string, Interpreter, std::less<>> interpreters_;
  std::vector<std::string> duplicates_;
};

/// The estate's simulated clock as the tracker's clock: sleeping moves the clock on (whole
/// seconds, rounded up), which is when the lab's delayed log lines show up. So waiting on the lab
/// takes no real time.
class EstateClock final : public ops::Clock {
 public:
  explicit EstateClock(Estate& estate) : estate_(estate) {}
  std::chrono::milliseconds now() const override { return std::chrono::seconds(estate_.now()); }
  void sleep(std::chrono::milliseconds duration) override { estate_.advance((duration.count() + 999) / 1000); }

 private:
  Estate& estate_;
};

class LabBackend final : public ops::Backend {
 public:
  LabBackend(Estate& estate, const OperationTable& table) : estate_(estate), table_(table), clock_(estate) {}

  /// One batch is one round trip: a host not in the estate, or with an `unreachable` fault, fails
  /// every operation; otherwise each operation runs in its own transaction, after any matching fault
  /// (which fails it instead). An operation with no interpreter fails saying so. Once an operation
  /// of a chain (Operation::chain) fails, the rest of that chain is not run.
  std::vector<plugin::OperationResult> run(const ops::HostTarget& host, std::span<const plugin::Operation> batch) override;
  ops::Clock* clock() override { return &clock_; }

 private:
  plugin::OperationResult run_one(const std::string& host, const plugin::Operation& operation);

  Estate& estate_;
  const OperationTable& table_;
  EstateClock clock_;
};


}  // namespace supctl::lab
