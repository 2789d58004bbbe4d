#include "ops/batch.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/parallel.h"
#include "model/text.h"

namespace supctl::ops {

HostTarget target_for(const plugin::Operation& operation, const HostTarget& resource, const TargetOf& target_of) {
  if (operation.host.empty() || model::lower(operation.host) == model::lower(resource.name)) return resource;
  return target_of ? target_of(operation.host) : HostTarget{operation.host, {}};
}

ReadBatch::Ticket ReadBatch::add(const HostTarget& host, std::vector<plugin::Operation> operations, const TargetOf& target_of) {
  std::vector<Place> places;
  places.reserve(operations.size());
  const std::string own = model::lower(host.name);
  for (plugin::Operation& op : operations) {
    // A target is made (and its settings copied) only for a machine the batch does not have yet.
    const std::string name = op.host.empty() ? own : model::lower(op.host);
    auto [it, inserted] = by_name_.emplace(name, hosts_.size());
    if (inserted) hosts_.push_back(HostBatch{name == own ? host : target_for(op, host, target_of), {}, {}});
    HostBatch& batch = hosts_[it->second];
    places.push_back(Place{it->second, batch.operations.size()});
    batch.operations.push_back(std::move(op));
  }
  tickets_.push_back(std::move(places));
  return tickets_.size() - 1;
}

void ReadBatch::run(Backend& backend, int parallelism) {
  model::parallel_for(hosts_.size(), parallelism, [&](std::size_t i) {
    HostBatch& batch = hosts_[i];
    if (batch.operations.empty()) return;
    batch.results = backend.run(batch.target, batch.operations);
    if (batch.results.size() != batch.operations.size()) {
      // A backend that breaks its contract must not shift results onto the wrong resources.
      std::string error = fmt::format("the backend returned {} results for {} operations on '{}'", batch.results.size(),
                                      batch.operations.size(), batch.target.name);
      batch.results.assign(batch.operations.size(), plugin::OperationResult{plugin::FailureKind::kFailed, nullptr, error});
    }
  });
  results_.assign(tickets_.size(), {});
  for (std::size_t t = 0; t < tickets_.size(); ++t) {
    for (const Place& place : tickets_[t]) results_[t].push_back(hosts_[place.host].results.at(place.position));
  }
}

std::span<const plugin::OperationResult> ReadBatch::results(Ticket ticket) const {
  if (ticket >= results_.size()) return {};
  return results_[ticket];
}

}  // namespace supctl::ops
