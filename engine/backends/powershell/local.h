#pragma once
/// The local transport: PowerShell as a child process on the machine supctl runs on
/// (`powershell.exe` when it is on PATH, as on Windows, else PowerShell 7's `pwsh`), its stdin,
/// stdout and stderr pipes the session's channel. The child has a process group of its own, which
/// is killed when a request times out.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/powershell/transport.h"

namespace supctl::powershell {

struct LocalSettings {
  std::string host;  ///< the host's name in the manifest, for messages
  /// Variables set (a value) or removed (nullopt) for PowerShell, on top of supctl's own
  /// environment. A PATH here is also where PowerShell is looked for.
  std::map<std::string, std::optional<std::string>> environment;
};

class LocalTransport final : public Transport {
 public:
  explicit LocalTransport(LocalSettings settings);

  std::unique_ptr<Channel> open(const std::vector<std::string>& arguments, Clock::time_point deadline,
                                Outcome* failure) override;
  std::string_view name() const override { return "local"; }

 private:
  LocalSettings settings_;
};

}  // namespace supctl::powershell
