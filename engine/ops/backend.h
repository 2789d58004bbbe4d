#pragma once
/// Where operations run: a backend takes a batch of operations for one host and returns one
/// result per operation, in one round trip. The lab estate and PowerShell are backends.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/attributes.h"
#include "plugin/operation.h"
#include "ops/clock.h"

namespace supctl::ops {

/// A machine and how to reach it, as a value: the planner makes one per machine from the
/// manifests, a saved plan carries them, and backends and transports read nothing else.
struct HostTarget {
  std::string name;  ///< the machine's host name, as the manifests name it
  /// Its [host] table's attributes (transport, address, user, password, winrm, ssh): a secret
  /// only as its reference ({"env": NAME} or {"file": PATH}), never its value. Empty when the
  /// manifests declare no [host] for it (WinRM to `name` with the runner's credentials).
  model::AttributeMap settings;
  /// False when a saved or fresh plan holds no target for this machine: it is never reached then
  /// (the live transports refuse it) rather than reached with defaults.
  bool recorded = true;

  /// The string setting `key` ("transport", "address", "user"), or nullopt.
  std::optional<std::string> string(std::string_view key) const { return model::string_attribute(&settings, key); }
};

/// How a backend keeps Operation::chain while it runs a batch in order: once an operation of a
/// chain failed, the rest of that chain is not run.
class ChainStops {
 public:
  /// The result of an operation whose chain stopped before it; nullopt when it is to run.
  std::optional<plugin::OperationResult> skipped(const plugin::Operation& operation) const {
    auto it = operation.chain != 0 ? stopped_.find(operation.chain) : stopped_.end();
    if (it == stopped_.end()) return std::nullopt;
    return plugin::OperationResult{plugin::FailureKind::kFailed, nullptr, "not run: " + it->second + " failed before it"};
  }
  /// Notes an operation's outcome: a failure stops the rest of its chain.
  void ran(const plugin::Operation& operation, const plugin::OperationResult& result) {
    if (operation.chain != 0 && !result.ok()) stopped_.emplace(operation.chain, operation.name);
  }

 private:
  std::map<int, std::string> stopped_;  ///< chain -> the operation that failed in it
};

class Backend {
 public:
  virtual ~Backend() = default;
  /// Runs the batch on the host in one round trip. Always one result per operation, in order;
  /// a host that cannot be reached fails every operation with the same failure. Must be safe to
  /// call from several threads at once for different hosts.
  virtual std::vector<plugin::OperationResult> run(const HostTarget& host, std::span<const plugin::Operation> batch) = 0;
  /// The clock of the servers behind it when it is not the system's (the lab's simulated clock,
  /// where waiting moves time on); nullptr: the system clock.
  virtual Clock* clock() { return nullptr; }
};

}  // namespace supctl::ops
