// supctl_bench_sessions: what warm PowerShell sessions save. Applies N registry values
// (registry.set_value) to one host over ssh to a private loopback sshd (tests/support/
// loopback_sshd.h) whose sessions run real pwsh with the test estate, three ways: one PowerShell
// process per request (max_requests_per_session = 1, supctl before sessions), every request through
// one warm session, and all values in one batch. Prints JSON: wall time, processes (supctl's count
// and the estate's own) and requests per way.
//
// Usage: supctl_bench_sessions [--values N]
// Paths, from the build unless set in the environment: SUPCTL_PWSH (real pwsh),
// SUPCTL_ESTATE_MODULES (BUILD/tests/pwsh/modules), SUPCTL_SOURCE_DIR (the source tree).

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "backends/powershell/backend.h"
#include "backends/powershell/ssh.h"
#include "plugins/plugins.h"
#include "support/loopback_sshd.h"

namespace {

namespace fs = std::filesystem;
using namespace supctl;
using Json = model::Json;

int g_values = 200;

std::string setting(const char* name, const char* built) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : built;
}

std::size_t lines_of(const fs::path& path) {
  std::ifstream in(path);
  std::size_t count = 0;
  for (std::string line; std::getline(in, line);) count += !line.empty();
  return count;
}

struct Way {
  std::string name;
  int max_requests_per_session;
  bool batched;
};

}  // namespace

TEST_CASE("bench: sessions", "[.bench]") {
  const std::string source = setting("SUPCTL_SOURCE_DIR", SUPCTL_SOURCE_DIR);
  const std::string modules = setting("SUPCTL_ESTATE_MODULES", SUPCTL_ESTATE_MODULES);
  const char* path = std::getenv("PATH");
  test::LoopbackSshd server({.prefix = "supctl-bench-sshd",
                             .addresses = {"127.0.0.12"},  // sup01's address in the estate
                             .powershell = fs::path(source) / "tests/pwsh/estate/powershell",
                             .path = path != nullptr ? path : "/usr/bin:/bin",
                             .environment = {{"LANG", "C.UTF-8"},
                                             {"SUPCTL_PWSH", setting("SUPCTL_PWSH", SUPCTL_PWSH)},
                                             {"SUPCTL_ESTATE_MODULES", modules}},
                             .environment_files = {{"SUPCTL_ESTATE", "state.json"}, {"SUPCTL_ESTATE_PROCESSES", "processes.txt"}}});
  fs::copy_file(fs::path(source) / "tests/pwsh/estate/seed.json", server.dir() / "state.json");

  const std::string host = "sup01.contoso.com";
  std::vector<plugin::Operation> values;
  for (int i = 0; i < g_values; ++i) {
    values.push_back({"registry.set_value",
                      {{"key", "HKLM\\SOFTWARE\\Contoso\\Bench"}, {"name", fmt::format("V{:03}", i)}, {"type", "dword"}, {"data", i}}});
  }
  Json report = {{"values", g_values}, {"transport", "ssh (loopback sshd, real pwsh, test estate)"}, {"ways", Json::array()}};
  for (const Way& way : {Way{"one process per request (max_requests_per_session = 1)", 1, false},
                         Way{"one warm session, one request per value", 0, false},
                         Way{"one warm session, all values in one request", 0, true}}) {
    const std::size_t estate_before = lines_of(server.dir() / "processes.txt");
    powershell::BackendSettings settings;
    settings.session.max_requests_per_session = way.max_requests_per_session;
    const auto start = std::chrono::steady_clock::now();
    int failed = 0;
    powershell::SessionStats stats;
    {
      powershell::PowerShellBackend backend(
          powershell::fragment_lookup(plugins::powershell_fragments()),
          [&](const ops::HostTarget& target, std::string*) -> std::unique_ptr<powershell::Transport> {
            return std::make_unique<powershell::SshTransport>(server.settings(target.name, "127.0.0.12"));
          },
          settings);
      if (way.batched) {
        for (const plugin::OperationResult& result : backend.run(ops::HostTarget{host, {}}, values)) failed += !result.ok();
      } else {
        for (const plugin::Operation& op : values) failed += !backend.run(ops::HostTarget{host, {}}, std::span(&op, 1)).at(0).ok();
      }
      stats = backend.stats()[host];
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(failed == 0);
    report["ways"].push_back({{"way", way.name},
                              {"wall_seconds", std::round(seconds * 1000) / 1000},
                              {"processes", stats.processes},
                              {"estate_processes", lines_of(server.dir() / "processes.txt") - estate_before},
                              {"requests", stats.requests},
                              {"ms_per_value", std::round(seconds * 1000 * 10 / g_values) / 10}});
  }
  std::cout << report.dump(2) << "\n";
}

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--values" && i + 1 < argc) {
      g_values = std::atoi(argv[++i]);
    } else {
      std::cerr << "usage: supctl_bench_sessions [--values N]\n";
      return 2;
    }
  }
  const char* run[] = {argv[0], "[.bench]"};
  return Catch::Session().run(2, const_cast<char**>(run));
}
