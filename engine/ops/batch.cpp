#include "ops/batch.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace supctl::ops {

void parallel_for(std::size_t count, int parallelism, const std::function<void(std::size_t)>& work) {
  std::size_t threads = std::min<std::size_t>(count, static_cast<std::size_t>(std::max(1, parallelism)));
  if (threads <= 1) {
    for (std::size_t i = 0; i < count; ++i) work(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < count; i = next++) work(i);
    });
  }
  for (std::thread& thread : pool) thread.join();
}

ReadBatch::Ticket ReadBatch::add(const HostTarget& host, std::vector<model::Operation> operations) {
  auto [it, inserted] = by_name_.emplace(host.name, hosts_.size());
  if (inserted) hosts_.push_back(HostBatch{host, {}, {}});
  HostBatch& batch = hosts_[it->second];
  slots_.push_back(Slot{it->second, batch.operations.size(), operations.size()});
  for (model::Operation& op : operations) batch.operations.push_back(std::move(op));
  return slots_.size() - 1;
}

void ReadBatch::run(Backend& backend, int parallelism) {
  parallel_for(hosts_.size(), parallelism, [&](std::size_t i) {
    HostBatch& batch = hosts_[i];
    if (batch.operations.empty()) return;
    batch.results = backend.run(batch.target, batch.operations);
    if (batch.results.size() != batch.operations.size()) {
      // A backend that breaks its contract must not shift results onto the wrong resources.
      std::string error = fmt::format("the backend returned {} results for {} operations on '{}'", batch.results.size(),
                                      batch.operations.size(), batch.target.name);
      batch.results.assign(batch.operations.size(), model::OperationResult{model::FailureKind::kFailed, nullptr, error});
    }
  });
}

std::span<const model::OperationResult> ReadBatch::results(Ticket ticket) const {
  const Slot& slot = slots_.at(ticket);
  const HostBatch& batch = hosts_[slot.host];
  if (batch.results.size() < slot.offset + slot.count) return {};
  return std::span<const model::OperationResult>(batch.results).subspan(slot.offset, slot.count);
}

}  // namespace supctl::ops
