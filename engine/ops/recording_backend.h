#pragma once
/// A fake backend: answers each operation from a function (a chain stops at its first failure, as
/// every backend's does), and records every round trip, so tests and benchmarks can count them and
/// inject failures per host.

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ops/backend.h"

namespace supctl::ops {

class RecordingBackend final : public Backend {
 public:
  using Handler = std::function<plugin::OperationResult(const std::string& host, const plugin::Operation&)>;

  explicit RecordingBackend(Handler handler) : handler_(std::move(handler)) {}

  std::vector<plugin::OperationResult> run(const HostTarget& host, std::span<const plugin::Operation> batch) override;

  /// Every operation on this host fails as unreachable (one round trip is still counted).
  void set_unreachable(const std::string& host, bool unreachable = true);

  int round_trips(const std::string& host) const;
  int total_round_trips() const;
  std::map<std::string, int> round_trips_by_host() const;
  /// Every batch in the order it arrived: host and operation names.
  std::vector<std::pair<std::string, std::vector<std::string>>> batches() const;
  void reset_counts();

 private:
  Handler handler_;
  mutable std::mutex mutex_;
  std::set<std::string> unreachable_;
  std::map<std::string, int> round_trips_;
  std::vector<std::pair<std::string, std::vector<std::string>>> batches_;
};

}  // namespace supctl::ops
