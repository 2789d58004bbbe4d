#pragma once
/// The PowerShell backend: the live path. Each batch for a host becomes one assembled script
/// (script.h) run in one round trip over that host's Transport.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "backends/powershell/script.h"
#include "backends/powershell/transport.h"
#include "ops/backend.h"

namespace supctl::powershell {

/// Makes the transport for a host (from its [host] settings); nullptr with `*error` saying why
/// when it cannot (e.g. no credentials, an unknown transport).
using TransportFactory = std::function<std::unique_ptr<Transport>(const ops::HostTarget& host, std::string* error)>;

class PowerShellBackend final : public ops::Backend {
 public:
  PowerShellBackend(FragmentLookup fragments, TransportFactory make_transport)
      : fragments_(std::move(fragments)), make_transport_(std::move(make_transport)) {}

  /// One round trip: the operations that have a fragment go out as one script; an operation
  /// without one fails without being sent. A host whose transport cannot be made fails every
  /// operation as unreachable with the factory's message (and the next run tries again). The
  /// host's transport is made once and reused by later runs; runs on one host wait for each
  /// other, runs on different hosts proceed in parallel. An empty batch costs no round trip.
  std::vector<model::OperationResult> run(const ops::HostTarget& host,
                                          std::span<const model::Operation> batch) override;

 private:
  struct HostSlot {
    std::mutex mutex;                      ///< one run at a time on this host
    std::unique_ptr<Transport> transport;  ///< null until made successfully
  };
  HostSlot& slot(const std::string& host);

  FragmentLookup fragments_;
  TransportFactory make_transport_;
  std::mutex mutex_;                                        ///< guards hosts_ (not the slots)
  std::map<std::string, std::unique_ptr<HostSlot>> hosts_;  ///< by lower-case host name
};

}  // namespace supctl::powershell
