// The real pwsh behind the sealing WinRM responder (tests/support/pwsh_winrs.h), driven by Debian's
// pywinrm over NTLM with every message sealed: what the end-to-end tests of `transport = "winrm"`
// stand on.

#include <catch2/catch.hpp>

#include <string>

#include "support/kdc.h"
#include "support/ntlm_users.h"
#include "support/pwsh_winrs.h"
#include "support/scoped_environment.h"
#include "support/winrm_python_client.h"
#include "support/wsman_responder.h"

namespace supctl::test {

TEST_CASE("pwsh: winrs: the real pwsh runs a command through the sealing responder, its streams and exit code come back") {
  if (!NtlmUsers::available()) SUPCTL_SKIP("gss-ntlmssp is not installed: run scripts/setup");
  if (!have_pywinrm()) SUPCTL_SKIP("Debian's python3-winrm is not installed: run scripts/setup");
  const PywinrmAccount alice;
  PwshWinRs shell({.programs = {{"pwsh", SUPCTL_PWSH}, {"powershell", SUPCTL_PWSH}}});
  WsmanResponder responder(shell.handler(), false, NegotiateOptions{});
  const std::map<std::string, std::string> account = alice.client();

  SECTION("a -Command") {
    WinrmClientRun run = run_winrm_client(
        responder.port(),
        {"--transport", "ntlm", "--", "pwsh.exe", "-NoProfile", "-NonInteractive", "-Command",
         R"("Write-Output hi; [Console]::Error.WriteLine('oops'); exit 7")"},
        account);
    INFO(run.result.dump());
    REQUIRE(run.error() == "");
    CHECK(run.result["std_out"] == "hi\n");
    CHECK(run.result["std_err"] == "oops\n");
    CHECK(run.result["status_code"] == 7);
  }
  SECTION("a script on stdin") {
    WinrmClientRun run = run_winrm_client(
        responder.port(),
        {"--transport", "ntlm", "--stdin", "Write-Output ('got ' + (40 + 2))\nexit 5\n", "--", "powershell.exe", "-NoProfile",
         "-NonInteractive", "-Command", "-"},
        account);
    INFO(run.result.dump());
    REQUIRE(run.error() == "");
    CHECK(run.result["std_out"] == "got 42\n");
    CHECK(run.result["status_code"] == 5);
  }
  REQUIRE(shell.started().size() == 1);
  CHECK(shell.started()[0].program == SUPCTL_PWSH);
  CHECK(shell.open_shells() == 0);
  CHECK(responder.authentications().size() == 1);
  for (const HttpRequest& request : responder.requests()) CHECK(request.sealed);
}

}  // namespace supctl::test
