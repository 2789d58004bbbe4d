#pragma once
/// Where operations run: a backend takes a batch of operations for one host and returns one
/// result per operation, in one round trip. The lab estate and PowerShell are backends.

#include <span>
#include <string>
#include <vector>

#include "model/manifest.h"
#include "model/operation.h"
#include "ops/clock.h"

namespace supctl::ops {

struct HostTarget {
  std::string name;                        ///< the machine's host name, as the manifests name it
  const model::Resource* host = nullptr;   ///< its [host] resource (transport settings), when declared
};

class Backend {
 public:
  virtual ~Backend() = default;
  /// Runs the batch on the host in one round trip. Always one result per operation, in order;
  /// a host that cannot be reached fails every operation with the same failure. Must be safe to
  /// call from several threads at once for different hosts.
  virtual std::vector<model::OperationResult> run(const HostTarget& host, std::span<const model::Operation> batch) = 0;
  /// The clock of the servers behind it when it is not the system's (the lab's simulated clock,
  /// where waiting moves time on); nullptr: the system clock.
  virtual Clock* clock() { return nullptr; }
};

}  // namespace supctl::ops
