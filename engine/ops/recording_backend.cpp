#include "ops/recording_backend.h"

#include <fmt/format.h>

namespace supctl::ops {

std::vector<plugin::OperationResult> RecordingBackend::run(const HostTarget& host, std::span<const plugin::Operation> batch) {
  bool unreachable;
  {
    std::lock_guard lock(mutex_);
    ++round_trips_[host.name];
    std::vector<std::string> names;
    for (const plugin::Operation& op : batch) names.push_back(op.name);
    batches_.emplace_back(host.name, std::move(names));
    unreachable = unreachable_.contains(host.name);
  }
  std::vector<plugin::OperationResult> results;
  results.reserve(batch.size());
  ChainStops chains;
  for (const plugin::Operation& op : batch) {
    if (unreachable) {
      results.push_back({plugin::FailureKind::kUnreachable, nullptr, fmt::format("cannot reach '{}'", host.name)});
    } else if (auto skipped = chains.skipped(op)) {
      results.push_back(std::move(*skipped));
    } else {
      results.push_back(handler_(host.name, op));
      chains.ran(op, results.back());
    }
  }
  return results;
}

void RecordingBackend::set_unreachable(const std::string& host, bool unreachable) {
  std::lock_guard lock(mutex_);
  if (unreachable) unreachable_.insert(host);
  else unreachable_.erase(host);
}

int RecordingBackend::round_trips(const std::string& host) const {
  std::lock_guard lock(mutex_);
  auto it = round_trips_.find(host);
  return it == round_trips_.end() ? 0 : it->second;
}

int RecordingBackend::total_round_trips() const {
  std::lock_guard lock(mutex_);
  int total = 0;
  for (const auto& [host, count] : round_trips_) total += count;
  return total;
}

std::map<std::string, int> RecordingBackend::round_trips_by_host() const {
  std::lock_guard lock(mutex_);
  return round_trips_;
}

std::vector<std::pair<std::string, std::vector<std::string>>> RecordingBackend::batches() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

void RecordingBackend::reset_counts() {
  std::lock_guard lock(mutex_);
  round_trips_.clear();
  batches_.clear();
}

}  // namespace supctl::ops
