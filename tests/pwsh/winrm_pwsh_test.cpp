// `transport = "winrm"` end to end, as Windows ships WinRM: plain HTTP with every message sealed
// by the authentication. The real CLI plans, applies and plans again against the tests' sealing
// WS-Management responder (a GSS-API acceptor of its own, support/wsman_responder.h), whose WinRS
// shell runs the estate's `powershell` (real pwsh with the test estate, then supctl's bootstrap):
// NTLM through gss-ntlmssp with a user file, and Kerberos from a throwaway KDC on loopback with
// delegation requested. Then the HTTPS listener: Kerberos bound to the server's certificate.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "estate.h"
#include "model/text.h"
#include "support.h"
#include "support/kdc.h"
#include "support/ntlm_users.h"
#include "support/pwsh_winrs.h"
#include "support/scoped_environment.h"
#include "support/wsman_responder.h"

namespace supctl::test {
namespace {

namespace fs = std::filesystem;
using model::Json;

const std::string kSup = "sup01.contoso.com";

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

/// The estate (seed.json) as sup01, behind a GSS-API responder on 127.0.0.1: sealing on plain
/// HTTP, or over HTTPS requiring channel bindings (CbtHardeningLevel = Strict).
class SealedEstate {
 public:
  explicit SealedEstate(bool https = false)
      : shell_({.programs = {{"powershell", fs::path(SUPCTL_SOURCE_DIR) / "tests/pwsh/estate/powershell"}},
                .environment = shell_environment(estate_)}),
        responder_(shell_.handler(), https, NegotiateOptions{.require_channel_binding = https}),
        https_(https) {
    std::ofstream(estate_.environment().at("SUPCTL_ESTATE").value()) << estate_.state.dump(2);
  }

  int port() const { return responder_.port(); }
  const WsmanResponder& responder() const { return responder_; }
  Json state() {
    estate_.reload();
    return estate_.state;
  }
  std::size_t processes() const { return PwshEstate::lines_of(estate_.processes_path()); }
  bool https() const { return https_; }

  /// A manifest directory: sup01 over WinRM (HTTP, or HTTPS trusting the responder's certificate)
  /// with `winrm` (inline table fields) and `account` lines, a registry value and WSUS's service there.
  fs::path manifests(const std::string& winrm, const std::string& account) const {
    const fs::path dir = estate_.dir() / "manifests";
    fs::create_directories(dir);
    std::ofstream(dir / "main.toml") << fmt::format(R"([hierarchy]
name = "winrm-estate"
configmgr = "current-branch"

[host."{0}"]
transport = "winrm"
address = "127.0.0.1"
winrm = {{ {4}, port = {1}, {2} }}
{3}

[registry_value.sup01_pool_queue]
host = "{0}"
key = 'HKLM\SOFTWARE\Contoso\WSUS'
name = "WsusPoolQueueLength"
type = "dword"
data = 2000

[service.sup01_wsus]
host = "{0}"
name = "WsusService"
startup = "automatic"
state = "running"
)",
                                                    kSup, port(), winrm, account,
                                                    https_ ? fmt::format("https = true, ca_file = '{}'",
                                                                         TestCertificate::get().cert.string())
                                                           : std::string("https = false"));
    return dir;
  }

 private:
  static std::map<std::string, std::optional<std::string>> shell_environment(const PwshEstate& estate) {
    auto environment = estate.environment();
    environment["SUPCTL_ESTATE_HOST"] = kSup;
    environment["LANG"] = "C.UTF-8";
    return environment;
  }

  PwshEstate estate_;
  PwshWinRs shell_;
  WsmanResponder responder_;
  bool https_;
};

/// Plans, applies and plans again; checks what the estate and the responder saw.
void converge(SealedEstate& server, const fs::path& dir, const std::map<std::string, std::string>& env, const std::string& secret) {
  auto plan = run_cli_in(nullptr, {"plan", dir.string(), "--detailed-exitcode"}, false, env);
  INFO("plan:\n" << plan.out << plan.err);
  REQUIRE(plan.code == 2);
  CHECK(contains(plan.out, "# registry_value.sup01_pool_queue will be created (new) on sup01.contoso.com"));
  CHECK(contains(plan.out, "Plan: 1 to add, 1 to change, 0 to destroy."));
  CHECK_FALSE(contains(plan.out + plan.err, "in clear"));  // no plain-HTTP warning: nothing travels in clear

  auto apply = run_cli_in(nullptr, {"apply", dir.string(), "--auto-approve"}, false, env);
  INFO("apply:\n" << apply.out << apply.err);
  REQUIRE(apply.code == 0);
  CHECK(contains(apply.out, "Apply: 2 succeeded, 0 failed, 0 skipped."));

  auto again = run_cli_in(nullptr, {"plan", dir.string(), "--detailed-exitcode"}, false, env);
  INFO("second plan:\n" << again.out << again.err);
  CHECK(again.code == 0);
  CHECK(contains(again.out, "No changes."));

  // The estate holds the changes; each command ran in one PowerShell process.
  const Json state = server.state();
  const Json value = state["hosts"][kSup]["registry"]["hklm\\software\\contoso\\wsus"]["values"]["wsuspoolqueuelength"];
  CHECK(value["data"] == 2000);
  CHECK(state["hosts"][kSup]["services"]["wsusservice"]["start_mode"] == "Auto");
  CHECK(server.processes() == 3);

  for (const HttpRequest& request : server.responder().requests()) CHECK_FALSE(contains(request.wire_body, secret));
  CHECK_FALSE(contains(plan.out + plan.err + apply.out + apply.err + again.out + again.err, secret));
  if (server.https()) {
    // Over HTTPS TLS protects the bodies: none sealed, none refused, every context bound to the certificate.
    for (const HttpRequest& request : server.responder().requests()) {
      CHECK(request.rejection.empty());
      CHECK_FALSE(request.sealed);
    }
    for (const Authentication& a : server.responder().authentications()) CHECK(a.channel_bound);
    return;
  }
  // Every request after the handshake was sealed, none was refused, and no script, result or
  // secret crossed the wire in clear.
  std::size_t sealed = 0;
  for (const HttpRequest& request : server.responder().requests()) {
    CHECK(request.rejection.empty());
    if (!request.sealed) {
      CHECK(request.body.empty());  // the handshake's empty POSTs
      continue;
    }
    ++sealed;
    CHECK_FALSE(contains(request.wire_body, "<s:Envelope"));
    CHECK_FALSE(contains(request.wire_body, "WsusPoolQueueLength"));
  }
  CHECK(sealed > 10);
}

/// One Kerberos context per command (a session is one connection) as `principal`: able to seal on
/// HTTP, bound to the certificate over HTTPS, delegating when asked to.
void check_kerberos_contexts(const SealedEstate& server, const std::string& principal, bool delegated) {
  const auto authentications = server.responder().authentications();
  CHECK(authentications.size() == 3);
  for (const Authentication& a : authentications) {
    CHECK(a.mechanism == "kerberos");
    CHECK(a.principal == principal);
    CHECK(a.confidentiality);
    CHECK(a.channel_bound == server.https());
    CHECK(a.delegation_flag == delegated);
    CHECK(a.delegated_credential == delegated);
  }
}

TEST_CASE("pwsh: winrm: plan, apply and plan again over sealed HTTP with NTLM, against real pwsh") {
  if (!NtlmUsers::available()) SUPCTL_SKIP("gss-ntlmssp is not installed: run scripts/setup");
  NtlmUsers users;
  const std::string password = random_password();
  users.add("CONTOSO", "svc-supctl", password);
  auto variables = users.environment();
  variables["WINRM_PASSWORD"] = password;  // the live backend reads a host's password where supctl runs
  ScopedEnvironment environment(variables);
  SealedEstate server;
  const fs::path dir = server.manifests(R"(auth = "ntlm")", "user = 'CONTOSO\\svc-supctl'\npassword = { env = \"WINRM_PASSWORD\" }");

  auto validate = run_cli({"validate", dir.string()});
  INFO(validate.out << validate.err);
  REQUIRE(validate.code == 0);
  CHECK_FALSE(contains(validate.out + validate.err, "insecure-transport"));

  converge(server, dir, {{"WINRM_PASSWORD", password}}, password);
  // One security context per command (a session is one connection), each NTLM as the account.
  const auto authentications = server.responder().authentications();
  CHECK(authentications.size() == 3);
  for (const Authentication& a : authentications) {
    CHECK(a.mechanism == "ntlm");
    CHECK(a.principal == "CONTOSO\\svc-supctl");
    CHECK(a.confidentiality);
    CHECK_FALSE(a.delegation_flag);
  }

  SECTION("a wrong password is a logon failure, in the words an administrator searches for") {
    ScopedEnvironment wrong({{"WINRM_PASSWORD", "not-" + password}});
    auto plan = run_cli_in(nullptr, {"plan", dir.string()}, false, {{"WINRM_PASSWORD", "not-" + password}});
    INFO(plan.out << plan.err);
    CHECK(plan.code == 1);
    CHECK(contains(model::lower(plan.out + plan.err), "logon failure"));
    CHECK_FALSE(contains(plan.out + plan.err, "not-" + password));
  }
}

TEST_CASE("pwsh: winrm: plan, apply and plan again over sealed HTTP with Kerberos and delegation, against real pwsh") {
  if (!TestKdc::missing().empty()) SUPCTL_SKIP(TestKdc::missing() + " is not installed: run scripts/setup");
  TestKdc kdc;
  const std::string password = random_password();
  kdc.sign_in("svc-supctl", password);
  ScopedEnvironment environment(kdc.environment());
  SealedEstate server;
  // No user or password: the runner's ticket (kinit), forwarded to the server for the second hop.
  const fs::path dir = server.manifests(R"(auth = "kerberos", delegate = true)", "");

  SECTION("without a ticket supctl says to kinit") {
    ScopedEnvironment no_ticket({{"KRB5CCNAME", "FILE:" + (dir / "no-such-ccache").string()}});
    auto plan = run_cli({"plan", dir.string()});
    INFO(plan.out << plan.err);
    CHECK(plan.code == 1);
    CHECK(contains(plan.out + plan.err, "kinit"));
  }
  SECTION("an expired ticket says to kinit again") {
    kdc.kinit("svc-supctl", password, "1s");
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // let it expire; nothing is timed
    auto plan = run_cli({"plan", dir.string()});
    INFO(plan.out << plan.err);
    CHECK(plan.code == 1);
    CHECK(contains(plan.out + plan.err, "the Kerberos ticket has expired: run kinit again"));
  }
  SECTION("a server name the KDC does not know is named with its SPN") {
    const fs::path other = dir.parent_path() / "localhost";
    fs::create_directories(other);
    std::string text = read_file(dir / "main.toml");
    text.replace(text.find(R"(address = "127.0.0.1")"), 21, R"(address = "localhost")");
    std::ofstream(other / "main.toml") << text;
    auto plan = run_cli({"plan", other.string()});
    INFO(plan.out << plan.err);
    CHECK(plan.code == 1);
    CHECK(contains(plan.out + plan.err, "HTTP/localhost"));
  }
  SECTION("converges, the ticket forwarded on every connection") {
    converge(server, dir, {}, password);
    check_kerberos_contexts(server, "svc-supctl@" + kdc.realm(), /*delegated=*/true);
  }
}

TEST_CASE("pwsh: winrm: plan, apply and plan again over HTTPS with Kerberos bound to the certificate, against real pwsh") {
  if (!TestKdc::missing().empty()) SUPCTL_SKIP(TestKdc::missing() + " is not installed: run scripts/setup");
  TestKdc kdc;
  const std::string password = random_password();
  kdc.sign_in("svc-supctl", password);
  ScopedEnvironment environment(kdc.environment());
  SealedEstate server(/*https=*/true);
  const fs::path dir = server.manifests(R"(auth = "kerberos")", "");

  auto validate = run_cli({"validate", dir.string()});
  INFO(validate.out << validate.err);
  REQUIRE(validate.code == 0);
  CHECK_FALSE(contains(validate.out + validate.err, "warning"));

  converge(server, dir, {}, password);
  check_kerberos_contexts(server, "svc-supctl@" + kdc.realm(), /*delegated=*/false);
}

}  // namespace
}  // namespace supctl::test
