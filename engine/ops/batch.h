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

class ReadBatch {
 public:
  using Ticket = std::size_t;

  /// Queues `operations` for `host` and returns the ticket that fetches their results.
  Ticket add(const HostTarget& host, std::vector<model::Operation> operations);
  /// Runs one batch per host on `backend`, at most `parallelism` hosts at a time.
  void run(Backend& backend, int parallelism);
  /// The results of the operations queued under `ticket`, in their order. Valid after run().
  std::span<const model::OperationResult> results(Ticket ticket) const;
  std::size_t host_count() const { return hosts_.size(); }

 private:
  struct HostBatch {
    HostTarget target;
    std::vector<model::Operation> operations;
    std::vector<model::OperationResult> results;
  };
  struct Slot {
    std::size_t host;    ///< index into hosts_
    std::size_t offset;  ///< first operation in that host's batch
    std::size_t count;
  };
  std::vector<HostBatch> hosts_;               ///< in order of first use
  std::map<std::string, std::size_t> by_name_; ///< host name -> index into hosts_
  std::vector<Slot> slots_;                    ///< by ticket
};

/// Runs `work(i)` for i in [0, count) on up to `parallelism` threads; returns when all are done.
void parallel_for(std::size_t count, int parallelism, const std::function<void(std::size_t)>& work);

}  // namespace supctl::ops
