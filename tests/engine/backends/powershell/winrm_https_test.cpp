// WinRM over HTTPS with Negotiate, Kerberos and NTLM: supctl's own GSS-API handshake on the TLS
// connection, bound to the server's certificate (RFC 5929 tls-server-end-point), against the tests'
// responder as a real acceptor (gss-ntlmssp, MIT Kerberos from a throwaway KDC) that checks the
// bindings of its own certificate, as Windows' Extended Protection does. pywinrm, an independent
// client, shows that the responder's bindings are the ones Windows clients send.

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "backends/powershell/channel_binding.h"
#include "backends/powershell/session.h"
#include "backends/powershell/winrm.h"
#include "support.h"
#include "support/kdc.h"
#include "support/ntlm_users.h"
#include "support/scoped_environment.h"
#include "support/winrm_python_client.h"
#include "support/wsman_responder.h"

namespace supctl::test {
namespace {

using namespace std::chrono_literals;
using plugin::FailureKind;
using powershell::Outcome;
using powershell::Session;
using powershell::WinRmAuth;
using powershell::WinRmSettings;
using powershell::WinRmTransport;
namespace fs = std::filesystem;

WinRmSettings https_settings(const WsmanResponder& responder, WinRmAuth auth) {
  WinRmSettings settings;
  settings.host = "127.0.0.1";
  settings.port = responder.port();
  settings.https = true;
  settings.auth = auth;
  settings.ca_file = TestCertificate::get().cert.string();
  settings.connect_timeout = 2s;
  settings.retry_backoff = 10ms;
  settings.cleanup_timeout = 2s;
  return settings;
}

Outcome run_once(WinRmTransport& transport) { return Session(transport, "127.0.0.1").run("Write-Output 'hi'", "{}", 10s); }

std::string refused(const WsmanResponder& responder) {
  return fmt::format("refused handshakes: {}", fmt::join(responder.refused_handshakes(), " | "));
}

/// Every request reached the handler in clear (TLS protects it), on the authenticated connection.
void check_clear_run(const WsmanResponder& responder, int connection) {
  std::vector<std::string> steps;
  for (const HttpRequest& request : responder.requests()) {
    steps.push_back(wsman_reply::step(request));
    CHECK_FALSE(request.sealed);
    CHECK(request.rejection.empty());
    CHECK(request.connection == connection);
    CHECK_FALSE(request.has_header("Authorization"));  // the connection is authenticated, not each request
  }
  CHECK(steps == std::vector<std::string>{"Create", "Command", "Send", "Receive", "Send", "Signal", "Delete"});
}

/// A self-signed certificate signed with `digest` (and an RSA key), in a directory removed at the end.
struct SignedCertificate {
  fs::path dir;
  fs::path cert;
  explicit SignedCertificate(const std::string& digest) {
    std::string pattern = (fs::temp_directory_path() / "supctl-cbt-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    cert = dir / "cert.pem";
    std::string command = fmt::format(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=sup01.contoso.com -{} -keyout '{}' -out '{}' "
        ">/dev/null 2>&1",
        digest, (dir / "key.pem").string(), cert.string());
    REQUIRE(std::system(command.c_str()) == 0);
  }
  ~SignedCertificate() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  std::string pem() const { return read_file(cert); }
};

}  // namespace

TEST_CASE("channel bindings hash the certificate with its signature's hash, SHA-256 for SHA-1 and MD5", "[winrm][cbt]") {
  std::string error;
  // The responder's ECDSA certificate, signed with SHA-256.
  const TestCertificate& ecdsa = TestCertificate::get();
  CHECK(powershell::tls_server_end_point(read_file(ecdsa.cert), &error) ==
        "tls-server-end-point:" + TestCertificate::fingerprint(ecdsa.cert, "sha256"));
  // RSASSA-PSS (AD CS templates with AlternateSignatureAlgorithm) names its hash in its parameters.
  const auto [signed_with, hashed_with] = GENERATE(table<std::string, std::string>(
      {{"sha384", "sha384"}, {"sha512", "sha512"}, {"sha1", "sha256"}, {"sha384 -sigopt rsa_padding_mode:pss", "sha384"}}));
  SignedCertificate certificate(signed_with);
  INFO("signed with " << signed_with);
  std::optional<std::string> bindings = powershell::tls_server_end_point(certificate.pem(), &error);
  REQUIRE(bindings);
  CHECK(*bindings == "tls-server-end-point:" + TestCertificate::fingerprint(certificate.cert, hashed_with));
  CHECK(bindings->size() == std::string_view("tls-server-end-point:").size() +
                                TestCertificate::fingerprint(certificate.cert, hashed_with).size());
}

TEST_CASE("channel bindings of something that is not a certificate are an error, not empty bindings", "[winrm][cbt]") {
  std::string error;
  CHECK_FALSE(powershell::tls_server_end_point("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n", &error));
  CHECK(error == "the server's TLS certificate could not be read for channel binding");
  CHECK_FALSE(powershell::tls_server_end_point("", &error));
}

TEST_CASE("winrm over HTTPS authenticates with NTLM bound to the server's certificate", "[winrm][cbt]") {
  if (!NtlmUsers::available()) SUPCTL_SKIP("gss-ntlmssp is not installed: run scripts/setup");
  NtlmUsers users;
  const std::string password = random_password();
  users.add("CONTOSO", "svc-supctl", password);
  ScopedEnvironment environment(users.environment());
  FakeWinRs winrs;
  WsmanResponder responder(std::ref(winrs), true, NegotiateOptions{});
  WinRmSettings settings = https_settings(responder, WinRmAuth::kNtlm);
  settings.user = "CONTOSO\\svc-supctl";
  settings.password = password;
  WinRmTransport transport(settings);

  Outcome outcome = run_once(transport);
  responder.stop();

  INFO(outcome.error << "\n" << refused(responder));
  REQUIRE(outcome.failure == FailureKind::kNone);
  CHECK(outcome.stdout_text == "{\"ok\":true}");
  const std::vector<Authentication> authentications = responder.authentications();
  REQUIRE(authentications.size() == 1);
  CHECK(authentications[0].mechanism == "ntlm");
  CHECK(authentications[0].principal == "CONTOSO\\svc-supctl");
  CHECK(authentications[0].channel_bound);
  CHECK(responder.refused_handshakes().empty());
  check_clear_run(responder, authentications[0].connection);
  CHECK(transport.warnings().empty());
  // HTTP/1.1 only: Negotiate authenticates one TCP connection, which HTTP/2 would not keep.
  for (const std::string& offered : responder.alpn_offers()) CHECK(offered.find("h2") == std::string::npos);
  CHECK_FALSE(responder.alpn_offers().empty());
}

TEST_CASE("winrm over HTTPS says which schemes a server offers when Negotiate is not one, before any token", "[winrm][cbt]") {
  WsmanResponder responder(
      [](const HttpRequest&) {
        return Reply{.status = 401, .headers = {{"WWW-Authenticate", "Basic realm=\"WSMAN\""}}};
      },
      true);
  WinRmSettings settings = https_settings(responder, WinRmAuth::kNtlm);
  settings.user = "CONTOSO\\svc-supctl";
  settings.password = "not-used-" + random_password();
  WinRmTransport transport(settings);

  Outcome outcome = run_once(transport);
  responder.stop();

  INFO(outcome.error);
  CHECK(outcome.failure == FailureKind::kAccessDenied);
  CHECK(outcome.error.find("the server does not offer Negotiate authentication (it offers: Basic): enable it with "
                           "winrm set winrm/config/service/auth @{Negotiate=\"true\"}") != std::string::npos);
  REQUIRE(responder.requests().size() == 1);  // the request without credentials; no token went out
  CHECK_FALSE(responder.requests()[0].has_header("Authorization"));
  CHECK(outcome.error.find(settings.password) == std::string::npos);
}

TEST_CASE("winrm over HTTPS: a connection dropped during authentication is unreachable, not a message that may have run", "[winrm][cbt]") {
  WsmanResponder responder([](const HttpRequest&) { return Reply{.drop = true}; }, true);
  WinRmTransport transport(https_settings(responder, WinRmAuth::kKerberos));

  Outcome outcome = run_once(transport);
  responder.stop();

  INFO(outcome.error);
  CHECK(outcome.failure == FailureKind::kUnreachable);
  CHECK(outcome.error.find("may have run") == std::string::npos);
  CHECK(responder.requests().size() == 3);  // a connection that could not be made is tried three times
  for (const HttpRequest& request : responder.requests()) CHECK(request.body.empty());
}

TEST_CASE("winrm over HTTPS with Kerberos binds the ticket to the certificate and delegates", "[winrm][cbt]") {
  if (const std::string missing = TestKdc::missing(); !missing.empty()) {
    SUPCTL_SKIP("the MIT Kerberos KDC is not installed (" << missing << "): run scripts/setup");
  }
  TestKdc kdc;
  const std::string password = random_password();
  kdc.sign_in("alice", password);
  ScopedEnvironment environment(kdc.environment());
  const WinRmAuth auth = GENERATE(WinRmAuth::kKerberos, WinRmAuth::kNegotiate);
  FakeWinRs winrs;
  // Strict: a ticket without bindings would be refused (MIT Kerberos alone lets it through).
  WsmanResponder responder(std::ref(winrs), true, NegotiateOptions{.require_channel_binding = true});
  WinRmSettings settings = https_settings(responder, auth);
  settings.delegate = true;
  WinRmTransport transport(settings);

  Outcome outcome = run_once(transport);
  responder.stop();

  INFO(powershell::winrm_auth_name(auth) << ": " << outcome.error << "\n" << refused(responder));
  REQUIRE(outcome.failure == FailureKind::kNone);
  const std::vector<Authentication> authentications = responder.authentications();
  REQUIRE(authentications.size() == 1);
  CHECK(authentications[0].mechanism == "kerberos");
  CHECK(authentications[0].principal == "alice@SUPCTL.TEST");
  CHECK(authentications[0].channel_bound);
  CHECK(authentications[0].delegated_credential);
  check_clear_run(responder, authentications[0].connection);
}

TEST_CASE("winrm over HTTPS is refused when a machine in between opens TLS itself, and says so", "[winrm][cbt]") {
  if (const std::string missing = TestKdc::missing(); !missing.empty()) {
    SUPCTL_SKIP("the MIT Kerberos KDC is not installed (" << missing << "): run scripts/setup");
  }
  if (!NtlmUsers::available()) SUPCTL_SKIP("gss-ntlmssp is not installed: run scripts/setup");
  TestKdc kdc;
  const std::string password = random_password();
  kdc.sign_in("alice", password);
  NtlmUsers users;
  users.add("CONTOSO", "svc-supctl", password);
  auto variables = kdc.environment();
  variables.merge(users.environment());
  ScopedEnvironment environment(variables);
  const WinRmAuth auth = GENERATE(WinRmAuth::kKerberos, WinRmAuth::kNtlm);
  FakeWinRs winrs;
  // The server checks the bindings of its own certificate; supctl saw another one.
  WsmanResponder responder(std::ref(winrs), true,
                           NegotiateOptions{.channel_bindings = "tls-server-end-point:" + std::string(32, '\x5a')});
  WinRmSettings settings = https_settings(responder, auth);
  if (auth == WinRmAuth::kNtlm) {
    settings.user = "CONTOSO\\svc-supctl";
    settings.password = password;
  }
  WinRmTransport transport(settings);

  Outcome outcome = run_once(transport);
  responder.stop();

  INFO(powershell::winrm_auth_name(auth) << ": " << outcome.error << "\n" << refused(responder));
  CHECK(outcome.failure == FailureKind::kAccessDenied);
  CHECK(outcome.error.find("(the certificate supctl saw is not the server's, so the channel binding does not match)") !=
        std::string::npos);
  CHECK(responder.authentications().empty());
  CHECK(responder.requests().empty());
  REQUIRE(responder.refused_handshakes().size() == 1);
  CHECK(outcome.error.find(password) == std::string::npos);
}

TEST_CASE("pywinrm's NTLM over HTTPS carries the bindings the responder checks; without them Strict refuses it", "[winrm][cbt]") {
  if (!NtlmUsers::available()) SUPCTL_SKIP("gss-ntlmssp is not installed: run scripts/setup");
  if (!have_pywinrm()) SUPCTL_SKIP("Debian's python3-winrm is not installed: run scripts/setup");
  const PywinrmAccount alice;
  const auto [cbt, strict] = GENERATE(table<bool, bool>({{true, true}, {false, false}, {false, true}}));
  FakeWinRs winrs;
  WsmanResponder responder(std::ref(winrs), true, NegotiateOptions{.require_channel_binding = strict});
  std::vector<std::string> arguments{"--transport", "ntlm", "--ca-file", TestCertificate::get().cert.string()};
  if (!cbt) arguments.push_back("--no-cbt");
  arguments.push_back("ipconfig");
  WinrmClientRun run = run_winrm_client(responder.port(), arguments,
                                        alice.client(), "https");
  INFO((cbt ? "with" : "without") << " channel bindings, " << (strict ? "Strict" : "Relaxed")
                                   << "; client: " << run.result.dump() << "\n" << refused(responder));
  if (cbt || !strict) {
    REQUIRE(run.error() == "");
    REQUIRE(responder.authentications().size() == 1);
    CHECK(responder.authentications()[0].principal == "SUPCTL\\alice");
    CHECK(responder.authentications()[0].channel_bound == cbt);
    CHECK(responder.refused_handshakes().empty());
  } else {
    CHECK(run.exit_code == 2);
    CHECK(responder.authentications().empty());
    CHECK(responder.refused_handshakes().size() == 1);
  }
}

}  // namespace supctl::test
