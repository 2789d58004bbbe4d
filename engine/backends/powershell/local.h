#pragma once
/// The local transport: PowerShell as a child process on the machine supctl runs on
/// (`powershell.exe` when it is on PATH, as on Windows, else PowerShell 7's `pwsh`).

#include <map>
#include <optional>
#include <string>
#include <string_view>

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

  Outcome run(const Invocation& invocation) override;
  std::string_view name() const override { return "local"; }

 private:
  LocalSettings settings_;
};

}  // namespace supctl::powershell
