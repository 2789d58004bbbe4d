#pragma once
/// The PowerShell backend: the live path. Each host gets one PowerShell session (session.h) for
/// the whole command: each batch for it becomes one assembled script (script.h), sent as one
/// request of that session.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "backends/powershell/script.h"
#include "backends/powershell/session.h"
#include "backends/powershell/transport.h"
#include "ops/backend.h"

namespace supctl::powershell {

/// Makes the transport for a host (from its [host] settings); nullptr with `*error` saying why
/// when it cannot (e.g. no credentials, an unknown transport).
using TransportFactory = std::function<std::unique_ptr<Transport>(const ops::HostTarget& host, std::string* error)>;

struct BackendSettings {
  SessionSettings session;                                              ///< for every host's session
  std::chrono::milliseconds request_timeout{std::chrono::minutes(10)};  ///< one batch, connecting included
};

class PowerShellBackend final : public ops::Backend {
 public:
  PowerShellBackend(FragmentLookup fragments, TransportFactory make_transport, BackendSettings settings = {})
      : fragments_(std::move(fragments)), make_transport_(std::move(make_transport)), settings_(settings) {}
  /// Stops every host's session cleanly (stop frame, a short grace, then a kill).
  ~PowerShellBackend() override = default;

  /// One request: the operations that have a fragment go out as one script; an operation without
  /// one fails without being sent. A host whose transport cannot be made fails every operation as
  /// unreachable with the factory's message (and the next run tries again). The host's transport
  /// and session are made at its first run and kept for later ones; runs on one host wait for each
  /// other, runs on different hosts proceed in parallel. An empty batch costs no request.
  std::vector<plugin::OperationResult> run(const ops::HostTarget& host,
                                          std::span<const plugin::Operation> batch) override;

  /// Per host (lower case): PowerShell processes (WinRM: commands) started and requests sent so far.
  std::map<std::string, SessionStats> stats();

 private:
  struct HostSlot {
    std::mutex mutex;                      ///< one run at a time on this host
    std::unique_ptr<Transport> transport;  ///< null until made successfully
    std::unique_ptr<Session> session;      ///< over `transport`; destroyed before it
  };
  HostSlot& slot(const std::string& host);

  FragmentLookup fragments_;
  TransportFactory make_transport_;
  BackendSettings settings_;
  std::mutex mutex_;                                        ///< guards hosts_ (not the slots)
  std::map<std::string, std::unique_ptr<HostSlot>> hosts_;  ///< by lower-case host name
};

}  // namespace supctl::powershell
