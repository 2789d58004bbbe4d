#pragma once
/// Runs tests/support/winrm_client.py (Debian's pywinrm, sealed) against a loopback responder and
/// reads what it printed.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "backends/powershell/process.h"
#include "support/ntlm_users.h"
#include "support/scoped_environment.h"

namespace supctl::test {

inline constexpr const char* kDebianPython = "/usr/bin/python3";  // Debian's, with python3-winrm (not a PATH one)

inline bool have_pywinrm() { return std::filesystem::exists("/usr/lib/python3/dist-packages/winrm/protocol.py"); }

/// The NTLM account SUPCTL\\alice with a random password, in a user file the responder's acceptor
/// reads (NTLM_USER_FILE, set while it lives), for pywinrm or supctl to sign in with.
struct PywinrmAccount {
  NtlmUsers users;
  std::string password = random_password();
  ScopedEnvironment environment{(users.add("SUPCTL", "alice", password), users.environment())};

  /// The client's environment: the account for winrm_client.py.
  std::map<std::string, std::string> client() const {
    return {{"WINRM_TEST_USER", "SUPCTL\\alice"}, {"WINRM_TEST_PASSWORD", password}};
  }
};

/// What the client printed: {"path", "std_out", "std_err", "status_code"} or {"path", "error"}.
struct WinrmClientRun {
  int exit_code = -1;  ///< 0: the command ran; 2: `error` says what failed
  nlohmann::json result;
  std::string stderr_text;

  std::string error() const { return result.value("error", std::string()); }
};

/// Runs the client against SCHEME://127.0.0.1:PORT/wsman with `arguments` (see winrm_client.py)
/// and `environment` on top of this process's (the account goes in WINRM_TEST_USER and
/// WINRM_TEST_PASSWORD, never in arguments).
inline WinrmClientRun run_winrm_client(int port, const std::vector<std::string>& arguments,
                                       const std::map<std::string, std::string>& environment,
                                       const std::string& scheme = "http") {
  powershell::ProcessRequest request;
  request.program = kDebianPython;
  request.arguments = {(std::filesystem::path(SUPCTL_SOURCE_DIR) / "tests/support/winrm_client.py").string(),
                       "--endpoint", scheme + "://127.0.0.1:" + std::to_string(port) + "/wsman"};
  request.arguments.insert(request.arguments.end(), arguments.begin(), arguments.end());
  request.environment["PYTHONDONTWRITEBYTECODE"] = "1";
  request.environment["NO_PROXY"] = "*";
  // ntlm-auth hashes with MD4 through hashlib, which OpenSSL 3 keeps in its legacy provider.
  request.environment["OPENSSL_CONF"] = (std::filesystem::path(SUPCTL_SOURCE_DIR) / "tests/support/openssl_legacy.cnf").string();
  for (const auto& [name, value] : environment) request.environment[name] = value;
  request.timeout = std::chrono::seconds(60);
  powershell::ProcessResult result = powershell::run_process(request);
  WinrmClientRun run;
  run.exit_code = result.status == powershell::ProcessResult::Status::kExited ? result.exit_code : -1;
  run.stderr_text = result.stderr_text;
  run.result = nlohmann::json::parse(result.stdout_text, nullptr, false);
  INFO("client stdout: " << result.stdout_text << "\nclient stderr: " << result.stderr_text);
  REQUIRE(run.result.is_object());
  return run;
}

}  // namespace supctl::test
