// The tests' WinRM responder as Windows' default listener (HTTP, every message sealed), against an
// independent client: Debian's pywinrm for NTLM, and for Kerberos pywinrm's SOAP over a python3-gssapi
// transport (tests/support/winrm_client.py says why). The responder must unseal what they send,
// seal what it answers so that they can read it, and refuse a message whose seal or length lies.

#include <catch2/catch.hpp>
#include <pugixml.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/powershell/process.h"
#include "support.h"
#include "support/kdc.h"
#include "support/ntlm_users.h"
#include "support/scoped_environment.h"
#include "support/sealed_message.h"
#include "support/winrm_python_client.h"
#include "support/wsman_responder.h"

namespace supctl::test {
namespace {

/// A FakeWinRs that answers the first Receive with "ran <the command line it was given>" on
/// stdout, "note" on stderr and exit code 3, so that a client shows what the responder unsealed.
struct EchoShell {
  std::shared_ptr<FakeWinRs> shell = std::make_shared<FakeWinRs>();
  std::shared_ptr<std::string> command = std::make_shared<std::string>();

  EchoShell() {
    shell->receives.push_back([command = command](const HttpRequest& request, const std::string& id) {
      return wsman_reply::output(request, id, {{"stdout", "ran " + *command, true}, {"stderr", "note", true}}, "3");
    });
  }

  Handler handler() const {
    return [shell = shell, command = command](const HttpRequest& request) {
      if (wsman_reply::step(request) == "Command") {
        pugi::xml_document doc;
        doc.load_buffer(request.body.data(), request.body.size());
        std::string line = doc.select_node("//*[local-name()='Command']").node().text().get();
        for (pugi::xpath_node argument : doc.select_nodes("//*[local-name()='Arguments']")) {
          line += std::string(" ") + argument.node().text().get();
        }
        *command = line;
      }
      return (*shell)(request);
    };
  }
};

std::vector<std::string> steps_of(const std::vector<HttpRequest>& requests) {
  std::vector<std::string> out;
  for (const HttpRequest& request : requests) out.push_back(request.rejection.empty() ? wsman_reply::step(request) : "rejected");
  return out;
}

/// Every request was handed over sealed, its wire form shows none of the SOAP, and the shell
/// steps are the ones a whole run makes.
void check_sealed_run(const WsmanResponder& responder) {
  const std::vector<HttpRequest> requests = responder.requests();
  CHECK(steps_of(requests) == std::vector<std::string>{"Create", "Command", "Receive", "Signal", "Delete"});
  for (const HttpRequest& request : requests) {
    CHECK(request.sealed);
    CHECK(request.body.find("<") != std::string::npos);
    CHECK(request.wire_body.find("Envelope") == std::string::npos);
    CHECK(request.wire_body.find("ipconfig") == std::string::npos);
    CHECK(request.header("Content-Type") == std::string(sealed::kContentType));
  }
}

}  // namespace

TEST_CASE("a sealed body is framed as MS-WSMV says and taken apart again") {
  const std::string body = sealed::frame(11, std::string("SIGNATURE\0\x01", 11), "sealed bytes");
  CHECK(body.starts_with(
        "--Encrypted Boundary\r\n"
        "\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
        "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=11\r\n"));
  CHECK(body.find("--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n" + std::string("\x0b\0\0\0", 4) +
                  std::string("SIGNATURE\0\x01", 11) + "sealed bytes--Encrypted Boundary--\r\n") != std::string::npos);
  std::string error;
  std::optional<sealed::Message> message = sealed::parse(body, &error);
  REQUIRE(message);
  CHECK(message->declared_length == 11);
  CHECK(message->signature == std::string("SIGNATURE\0\x01", 11));
  CHECK(message->data == "sealed bytes");

  CHECK_FALSE(sealed::parse(body.substr(0, body.size() - 2), &error));
  CHECK(error == "sealed body: expected the closing boundary at the end");
  std::string long_signature = body;
  long_signature[body.find("octet-stream\r\n") + 14] = '\x7f';
  CHECK_FALSE(sealed::parse(long_signature, &error));
  CHECK(error == "sealed body: the signature length 127 exceeds the 23 bytes left");
  std::string no_length = body;
  no_length.replace(no_length.find("Length=11"), 9, "Length=");
  CHECK_FALSE(sealed::parse(no_length, &error));
  CHECK(error == "sealed body: expected a number after Length= and the line's end");
}

TEST_CASE("pywinrm runs a command over NTLM with every message sealed, through the sealing responder") {
  if (!NtlmUsers::available()) SUPCTL_SKIP("gss-ntlmssp is not installed: run scripts/setup");
  if (!have_pywinrm()) SUPCTL_SKIP("Debian's python3-winrm is not installed: run scripts/setup");
  const PywinrmAccount alice;
  EchoShell shell;
  WsmanResponder responder(shell.handler(), false, NegotiateOptions{});

  WinrmClientRun run = run_winrm_client(responder.port(), {"--transport", "ntlm", "ipconfig", "/all"},
                             alice.client());
  INFO(run.result.dump() << "\nrefused handshakes: " << fmt::format("{}", fmt::join(responder.refused_handshakes(), " | ")));
  REQUIRE(run.error() == "");
  CHECK(run.result["path"] == "pywinrm-ntlm");
  CHECK(run.result["std_out"] == "ran ipconfig /all");
  CHECK(run.result["std_err"] == "note");
  CHECK(run.result["status_code"] == 3);

  const std::vector<Authentication> authentications = responder.authentications();
  REQUIRE(authentications.size() == 1);
  CHECK(authentications[0].mechanism == "ntlm");
  CHECK(authentications[0].scheme == "Negotiate");
  CHECK(authentications[0].principal == "SUPCTL\\alice");
  CHECK(authentications[0].confidentiality);
  CHECK_FALSE(authentications[0].delegation_flag);
  check_sealed_run(responder);
  for (const HttpRequest& request : responder.requests()) CHECK(request.connection == authentications[0].connection);
}

TEST_CASE("the sealing responder refuses an NTLM client with the wrong password") {
  if (!NtlmUsers::available()) SUPCTL_SKIP("gss-ntlmssp is not installed: run scripts/setup");
  if (!have_pywinrm()) SUPCTL_SKIP("Debian's python3-winrm is not installed: run scripts/setup");
  NtlmUsers users;
  users.add("SUPCTL", "alice", random_password());
  ScopedEnvironment environment(users.environment());
  EchoShell shell;
  WsmanResponder responder(shell.handler(), false, NegotiateOptions{});

  WinrmClientRun run = run_winrm_client(responder.port(), {"--transport", "ntlm", "ipconfig"},
                             {{"WINRM_TEST_USER", "SUPCTL\\alice"}, {"WINRM_TEST_PASSWORD", random_password()}});
  CHECK(run.exit_code == 2);
  CHECK(run.error().find("InvalidCredentialsError") != std::string::npos);
  CHECK(responder.authentications().empty());
  CHECK(responder.requests().empty());
  CHECK(responder.refused_handshakes().size() == 1);
}

TEST_CASE("the sealing responder refuses an NTLM message whose seal, signature or length was tampered with") {
  if (!NtlmUsers::available()) SUPCTL_SKIP("gss-ntlmssp is not installed: run scripts/setup");
  if (!have_pywinrm()) SUPCTL_SKIP("Debian's python3-winrm is not installed: run scripts/setup");
  const PywinrmAccount alice;

  const auto [tamper, rejection] = GENERATE(table<std::string, std::string>({
      {"seal", "gss_unwrap: "},
      {"signature", "gss_unwrap: "},
      {"length", "Length="},
  }));
  EchoShell shell;
  WsmanResponder responder(shell.handler(), false, NegotiateOptions{});
  WinrmClientRun run = run_winrm_client(responder.port(), {"--transport", "ntlm", "--tamper", tamper, "ipconfig"},
                             alice.client());
  INFO("tamper: " << tamper << "; client: " << run.result.dump());
  CHECK(run.exit_code == 2);
  CHECK(run.error().find("WinRMTransportError") != std::string::npos);
  CHECK(run.error().find("400") != std::string::npos);
  REQUIRE(responder.requests().size() == 1);
  const HttpRequest refused = responder.requests()[0];
  CHECK(refused.rejection.starts_with(rejection));
  CHECK_FALSE(refused.sealed);
  CHECK(shell.command->empty());
  if (tamper == "length") {
    CHECK(refused.rejection.ends_with("but the unsealed message has " +
                                      std::to_string(std::stoul(refused.rejection.substr(7)) - 1) + " bytes"));
  }
}

TEST_CASE("a Kerberos client from a throwaway KDC runs a command through the sealing responder") {
  if (const std::string missing = TestKdc::missing(); !missing.empty()) {
    SUPCTL_SKIP("the MIT Kerberos KDC is not installed (" << missing << "): run scripts/setup");
  }
  if (!have_pywinrm()) SUPCTL_SKIP("Debian's python3-winrm is not installed: run scripts/setup");
  TestKdc kdc;
  const std::string password = random_password();
  kdc.sign_in("alice", password);
  ScopedEnvironment environment(kdc.environment());

  const auto [mech, delegate] = GENERATE(table<std::string, bool>({{"krb5", false}, {"spnego", false}, {"spnego", true}}));
  EchoShell shell;
  WsmanResponder responder(shell.handler(), false, NegotiateOptions{});
  std::vector<std::string> arguments{"--transport", "kerberos", "--mech", mech};
  if (delegate) arguments.push_back("--delegate");
  arguments.insert(arguments.end(), {"ipconfig", "/all"});
  WinrmClientRun run = run_winrm_client(responder.port(), arguments, kdc.environment());
  INFO("mech " << mech << (delegate ? ", delegating" : "") << "; client: " << run.result.dump()
               << "\nrefused handshakes: " << fmt::format("{}", fmt::join(responder.refused_handshakes(), " | ")));
  REQUIRE(run.error() == "");
  // Debian's pykerberos 1.1.14 lacks pywinrm's authGSSWinRMEncryptMessage: the client says which way it sealed.
  CHECK((run.result["path"] == "gssapi-" + mech || run.result["path"] == "pywinrm-kerberos"));
  CHECK(run.result["std_out"] == "ran ipconfig /all");
  CHECK(run.result["status_code"] == 3);

  const std::vector<Authentication> authentications = responder.authentications();
  REQUIRE(authentications.size() == 1);
  CHECK(authentications[0].mechanism == "kerberos");
  CHECK(authentications[0].principal == "alice@SUPCTL.TEST");
  CHECK(authentications[0].delegation_flag == delegate);
  CHECK(authentications[0].delegated_credential == delegate);
  check_sealed_run(responder);
}

TEST_CASE("the sealing responder refuses a Kerberos message whose seal or length was tampered with") {
  if (const std::string missing = TestKdc::missing(); !missing.empty()) {
    SUPCTL_SKIP("the MIT Kerberos KDC is not installed (" << missing << "): run scripts/setup");
  }
  if (!have_pywinrm()) SUPCTL_SKIP("Debian's python3-winrm is not installed: run scripts/setup");
  TestKdc kdc;
  const std::string password = random_password();
  kdc.sign_in("alice", password);
  ScopedEnvironment environment(kdc.environment());

  const auto [tamper, rejection] = GENERATE(table<std::string, std::string>({
      {"seal", "gss_unwrap_iov: "},
      {"signature", "gss_unwrap_iov: "},
      {"length", "Length="},
  }));
  EchoShell shell;
  WsmanResponder responder(shell.handler(), false, NegotiateOptions{});
  WinrmClientRun run = run_winrm_client(responder.port(), {"--transport", "kerberos", "--tamper", tamper, "ipconfig"}, kdc.environment());
  INFO("tamper: " << tamper << "; client: " << run.result.dump());
  CHECK(run.exit_code == 2);
  CHECK(run.error().find("400") != std::string::npos);
  REQUIRE(responder.requests().size() == 1);
  CHECK(responder.requests()[0].rejection.starts_with(rejection));
  CHECK(shell.command->empty());
}

TEST_CASE("the sealing responder answers a request without credentials with its challenges") {
  EchoShell shell;
  WsmanResponder responder(shell.handler(), false, NegotiateOptions{});
  powershell::ProcessRequest request;
  request.program = "curl";
  request.arguments = {"-s", "-i", "-X", "POST", "-H", "Content-Type: application/soap+xml;charset=UTF-8",
                       "--data-binary", "<s:Envelope/>", "http://127.0.0.1:" + std::to_string(responder.port()) + "/wsman"};
  request.timeout = std::chrono::seconds(20);
  powershell::ProcessResult result = powershell::run_process(request);
  REQUIRE(result.exit_code == 0);
  CHECK(result.stdout_text.starts_with("HTTP/1.1 401 Unauthorized\r\n"));
  CHECK(result.stdout_text.find("\r\nWWW-Authenticate: Negotiate\r\nWWW-Authenticate: Kerberos\r\n") != std::string::npos);
  CHECK(responder.requests().empty());
  CHECK(responder.authentications().empty());
}

}  // namespace supctl::test
