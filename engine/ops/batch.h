#pragma once
/// Groups operations per host so that each host costs one round trip, whatever the number of
/// resources on it, and runs the hosts in parallel.

#include <cstddef>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "ops/backend.h"

namespace supctl::ops {

/// The target of a host named by the manifests (its [host] settings, when declared).
using TargetOf = std::function<HostTarget(const std::string& host)>;

/// The machine an operation runs on: its own host when it names one (Operation::host), else `resource`.
HostTarget target_for(const plugin::Operation& operation, const HostTarget& resource, const TargetOf& target_of);

class ReadBatch {
 public:
  using Ticket = std::size_t;

  /// Queues `operations` of a resource whose host is `host`; an operation that names its own
  /// host (Operation::host) goes to that host's batch instead, made a target by `target_of`.
  /// Returns the ticket that fetches their results, in the order given.
  Ticket add(const HostTarget& host, std::vector<plugin::Operation> operations, const TargetOf& target_of = {});
  /// Runs one batch per host on `backend`, at most `parallelism` hosts at a time.
  void run(Backend& backend, int parallelism);
  /// The results of the operations queued under `ticket`, in their order. Valid after run().
  std::span<const plugin::OperationResult> results(Ticket ticket) const;
  std::size_t host_count() const { return hosts_.size(); }

 private:
  struct HostBatch {
    HostTarget target;
    std::vector<plugin::Operation> operations;
    std::vector<plugin::OperationResult> results;
  };
  struct Place {
    std::size_t host;      ///< index into hosts_
    std::size_t position;  ///< in that host's batch
  };
  std::vector<HostBatch> hosts_;                 ///< in order of first use
  std::map<std::string, std::size_t> by_name_;   ///< lower-case host name -> index into hosts_
  std::vector<std::vector<Place>> tickets_;      ///< by ticket: where each operation went
  std::vector<std::vector<plugin::OperationResult>> results_;  ///< by ticket, after run()
};

}  // namespace supctl::ops
