#pragma once
// The PowerShell test estate from C++: a state file seeded from tests/pwsh/estate/seed.json, and a
// PowerShellBackend whose hosts run the real bootstrap through the local transport, with the
// estate's `pwsh` first on PATH (tests/pwsh/estate/powershell). Each host is told which it is.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "backends/powershell/backend.h"
#include "backends/powershell/local.h"
#include "plugin/operation.h"
#include "plugins/plugins.h"

namespace supctl::test {

namespace fs = std::filesystem;
using model::Json;

/// The estate's call record (SUPCTL_ESTATE_CALLS): one JSON object per cmdlet call, in order.
inline std::vector<Json> read_calls(const fs::path& path) {
  std::vector<Json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(Json::parse(line));
  }
  return out;
}

class PwshEstate {
 public:
  PwshEstate() {
    static int counter = 0;
    dir_ = fs::temp_directory_path() / ("supctl-pwsh-" + std::to_string(getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ifstream seed(fs::path(SUPCTL_SOURCE_DIR) / "tests/pwsh/estate/seed.json");
    state = Json::parse(seed);
  }
  ~PwshEstate() { fs::remove_all(dir_); }

  Json state;  ///< written to the estate before each run, read back after it

  /// Runs one batch on a host, through the real bootstrap and local transport.
  std::vector<plugin::OperationResult> run(const std::string& host, std::vector<plugin::Operation> batch) {
    fs::remove(calls_path());
    auto results = make_backend()->run(ops::HostTarget{host, {}}, batch);
    std::ifstream in(state_path());
    state = Json::parse(in);
    return results;
  }
  plugin::OperationResult run_one(const std::string& host, plugin::Operation op) { return run(host, {std::move(op)}).at(0); }

  /// The cmdlet calls of the last run, in order: {host, module, cmdlet, set, bound}.
  std::vector<Json> calls() const { return read_calls(calls_path()); }
  std::vector<std::string> cmdlets() const {
    std::vector<std::string> out;
    for (const Json& call : calls()) out.push_back(call["cmdlet"].get<std::string>());
    return out;
  }

  /// The backend for a whole command (plan, apply) or one run: the estate as `state` holds it now,
  /// whatever the hosts' transports say; each host runs the real bootstrap through the local transport.
  std::unique_ptr<ops::Backend> make_backend() const { return make_powershell_backend(); }
  /// The same, as the PowerShell backend itself (for its counters and settings).
  std::unique_ptr<powershell::PowerShellBackend> make_powershell_backend(powershell::BackendSettings backend_settings = {}) const {
    write_state();
    auto env = environment();
    return std::make_unique<powershell::PowerShellBackend>(
        powershell::fragment_lookup(plugins::powershell_fragments()),
        [env](const ops::HostTarget& host, std::string*) -> std::unique_ptr<powershell::Transport> {
          powershell::LocalSettings settings{host.name, env};
          settings.environment["SUPCTL_ESTATE_HOST"] = host.name;
          return std::make_unique<powershell::LocalTransport>(std::move(settings));
        },
        backend_settings);
  }
  /// How many lines a counting file of the estate has (processes_path(), imports_path()).
  static std::size_t lines_of(const fs::path& path) {
    std::ifstream in(path);
    std::size_t count = 0;
    for (std::string line; std::getline(in, line);) count += !line.empty();
    return count;
  }
  /// Reads the estate back after a command.
  void reload() {
    std::ifstream in(state_path());
    state = Json::parse(in);
  }

  std::map<std::string, std::optional<std::string>> environment() const {
    const char* path = std::getenv("PATH");
    return {{"PATH", std::string(SUPCTL_ESTATE_BIN) + ":" + (path ? path : "/usr/bin:/bin")},
            {"SUPCTL_PWSH", SUPCTL_PWSH},
            {"SUPCTL_ESTATE_MODULES", SUPCTL_ESTATE_MODULES},
            {"SUPCTL_ESTATE", state_path().string()},
            {"SUPCTL_ESTATE_CALLS", calls_path().string()},
            {"SUPCTL_ESTATE_PROCESSES", processes_path().string()},
            {"SUPCTL_ESTATE_IMPORTS", imports_path().string()},
            {"NO_COLOR", std::nullopt}};
  }

  const fs::path& dir() const { return dir_; }
  /// One line per PowerShell process the estate ran in ("<pid> <host>"), as its wrapper counts them.
  fs::path processes_path() const { return dir_ / "processes.txt"; }
  /// One line per ConfigurationManager module instance a cmdlet call came through ("<pid> ConfigurationManager").
  fs::path imports_path() const { return dir_ / "imports.txt"; }

 private:
  fs::path state_path() const { return dir_ / "state.json"; }
  fs::path calls_path() const { return dir_ / "calls.jsonl"; }
  void write_state() const {
    std::ofstream out(state_path());
    out << state.dump(2);
  }

  fs::path dir_;
};

}  // namespace supctl::test
