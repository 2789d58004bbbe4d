// PwshWinRs, the WinRS service whose commands run for real, without PowerShell: the Windows
// command-line split, and a program (cat) fed from Send and read through Receive over the sealing
// responder by pywinrm. tests/pwsh/winrs_pwsh_test.cpp runs the real pwsh through it.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/kdc.h"
#include "support/ntlm_users.h"
#include "support/pwsh_winrs.h"
#include "support/scoped_environment.h"
#include "support/winrm_python_client.h"
#include "support/wsman_responder.h"

namespace supctl::test {

TEST_CASE("a Windows command line is split into arguments as CommandLineToArgvW does") {
  using Words = std::vector<std::string>;
  CHECK(split_windows_command_line("powershell -NoProfile  -EncodedCommand QQBCAA==") ==
        Words{"powershell", "-NoProfile", "-EncodedCommand", "QQBCAA=="});
  CHECK(split_windows_command_line(R"(pwsh -Command "Write-Output 'a b'; exit 7")") ==
        Words{"pwsh", "-Command", "Write-Output 'a b'; exit 7"});
  CHECK(split_windows_command_line(R"(a\\b "c\"d" e\\\"f "g\\" h"" "")") == Words{R"(a\\b)", R"(c"d)", R"(e\"f)", R"(g\)", "h", ""});
  CHECK(split_windows_command_line(R"("say ""hi""")") == Words{R"(say "hi")"});
  CHECK(split_windows_command_line("  ").empty());
}

TEST_CASE("PwshWinRs runs the program a command line names, stdin from Send, output and exit code through Receive") {
  if (!NtlmUsers::available()) SUPCTL_SKIP("gss-ntlmssp is not installed: run scripts/setup");
  if (!have_pywinrm()) SUPCTL_SKIP("Debian's python3-winrm is not installed: run scripts/setup");
  const PywinrmAccount alice;
  PwshWinRs shell({.programs = {{"sh", "/bin/sh"}}});
  WsmanResponder responder(shell.handler(), false, NegotiateOptions{});
  const std::map<std::string, std::string> account = alice.client();

  WinrmClientRun run = run_winrm_client(
      responder.port(), {"--transport", "ntlm", "--stdin", "from stdin\n", "--", "sh.exe", "-c", R"("cat; echo oops >&2; exit 5")"},
      account);
  INFO(run.result.dump());
  REQUIRE(run.error() == "");
  CHECK(run.result["std_out"] == "from stdin\n");
  CHECK(run.result["std_err"] == "oops\n");
  CHECK(run.result["status_code"] == 5);
  REQUIRE(shell.started().size() == 1);
  CHECK(shell.started()[0].program == "/bin/sh");
  CHECK(shell.started()[0].arguments == std::vector<std::string>{"-c", "cat; echo oops >&2; exit 5"});
  CHECK(shell.open_shells() == 0);

  WinrmClientRun unknown = run_winrm_client(responder.port(), {"--transport", "ntlm", "--", "cmd.exe", "/c", "dir"}, account);
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.error().find("The system cannot find the file specified.") != std::string::npos);
}

}  // namespace supctl::test
