// The GSS-API client against a real acceptor in the same process: NTLM through gss-ntlmssp with a
// user file (no KDC), sealing both ways, tampering, and the errors an administrator reads.

#include "backends/powershell/gss.h"

#include <fmt/format.h>
#include <gssapi/gssapi.h>
#include <krb5/krb5.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "backends/powershell/winrm_sealing.h"
#include "support/gss_acceptor.h"
#include "support/kdc.h"
#include "support/ntlm_users.h"
#include "support/scoped_environment.h"

namespace supctl::powershell::gss {
namespace {

using supctl::test::GssAcceptor;
using supctl::test::NtlmAccounts;

constexpr std::string_view kPassword = "Corr3ct-Horse-supctl";
const std::string kUsers = "CONTOSO:svc-supctl:" + std::string(kPassword) + "\n";

ClientSettings ntlm_settings(std::string_view password = kPassword) {
  return {
      .mechanism = Mechanism::kNtlm, .host = "sup01.contoso.com", .user = "CONTOSO\\svc-supctl", .password = password};
}

/// Runs the token exchange to its end: true when both sides completed. `refused`: why the server
/// refused a token, when it did.
bool handshake(ClientContext& client, GssAcceptor& server, Failure* failure, std::string* refused = nullptr) {
  std::string to_server;
  std::string to_client;
  for (int leg = 0; leg < 8; ++leg) {
    if (!client.step(to_client, &to_server, failure)) return false;
    if (to_server.empty()) return client.complete() && server.complete();
    GssAcceptor::Step step = server.accept(to_server);
    if (!step.error.empty()) {
      if (refused) *refused = step.error;
      return false;
    }
    to_client = step.token;
    if (to_client.empty() && server.complete()) return client.complete() || client.step("", &to_server, failure);
  }
  return false;
}

/// What the server seals for the client, as one NTLM token: the 16-byte signature, then the data.
std::string server_seal(GssAcceptor& server, std::string_view plain) {
  std::string error;
  auto sealed = server.seal(plain, &error);
  INFO(error);
  REQUIRE(sealed);
  return sealed->signature + sealed->data;
}

/// What the server opens of a message the client sealed; nullopt when its seal does not verify.
std::optional<std::string> server_open(GssAcceptor& server, std::string_view signature, std::string_view data) {
  std::string error;
  return server.unseal({std::string(signature), std::string(data)}, &error);
}

TEST_CASE("gss: NTLM from a user and password completes against gss-ntlmssp and seals both ways", "[gss]") {
  NtlmAccounts accounts(kUsers);
  Failure failure;
  auto client = ClientContext::create(ntlm_settings(), &failure);
  REQUIRE(client);
  GssAcceptor server;
  REQUIRE(handshake(*client, server, &failure));
  INFO(failure.message);
  CHECK(client->complete());
  CHECK(client->negotiated() == Mechanism::kNtlm);

  for (std::string message :
       {std::string("<s:Envelope>first</s:Envelope>"), std::string(70000, 'x'), std::string("x")}) {
    // Client to server: a 16-byte signature, then as many sealed bytes as the message has.
    Sealed sealed;
    REQUIRE(client->wrap(message, &sealed, &failure));
    CHECK(sealed.signature.size() == 16);
    CHECK(sealed.data.size() == message.size());
    CHECK(sealed.padding == 0);
    if (message.size() > 16) CHECK(sealed.data.find(message.substr(0, 16)) == std::string::npos);
    auto opened = server_open(server, sealed.signature, sealed.data);
    REQUIRE(opened);
    CHECK(*opened == message);
    // Server to client.
    std::string answer = "<s:Envelope>answer to " + std::to_string(message.size()) + "</s:Envelope>";
    std::string token = server_seal(server, answer);
    std::string plain;
    REQUIRE(client->unwrap(token.substr(0, 16), token.substr(16), &plain, &failure));
    CHECK(plain == answer);
  }
}

TEST_CASE("gss: a tampered or replayed message is refused", "[gss]") {
  NtlmAccounts accounts(kUsers);
  Failure failure;
  auto client = ClientContext::create(ntlm_settings(), &failure);
  REQUIRE(client);
  GssAcceptor server;
  REQUIRE(handshake(*client, server, &failure));

  std::string token = server_seal(server, "<s:Envelope>exit code 0</s:Envelope>");
  std::string changed = token;
  changed[20] = static_cast<char>(changed[20] ^ 0x01);
  std::string plain;
  CHECK_FALSE(client->unwrap(changed.substr(0, 16), changed.substr(16), &plain, &failure));
  CHECK(failure.kind == FailureKind::kTampered);
  CHECK(failure.message.starts_with("cannot open a sealed message: "));

  // A fresh context: the good message opens once; sent again, its sequence number is spent.
  auto fresh = ClientContext::create(ntlm_settings(), &failure);
  GssAcceptor server2;
  REQUIRE(handshake(*fresh, server2, &failure));
  std::string good = server_seal(server2, "<s:Envelope>once</s:Envelope>");
  REQUIRE(fresh->unwrap(good.substr(0, 16), good.substr(16), &plain, &failure));
  failure = {};
  CHECK_FALSE(fresh->unwrap(good.substr(0, 16), good.substr(16), &plain, &failure));
  CHECK(failure.kind == FailureKind::kTampered);
}

TEST_CASE("gss: the server refuses a wrong NTLM password, and the password is in no message", "[gss]") {
  NtlmAccounts accounts(kUsers);
  Failure failure;
  std::string wrong = "Wr0ng-Horse-supctl";
  auto client = ClientContext::create(ntlm_settings(wrong), &failure);
  REQUIRE(client);
  GssAcceptor server;
  std::string refused;
  CHECK_FALSE(handshake(*client, server, &failure, &refused));
  CHECK_FALSE(server.complete());
  CHECK_FALSE(refused.empty());  // the server refused it, not the client
  CHECK(failure.message.find(wrong) == std::string::npos);
}

TEST_CASE("gss: sealed framing round trip through both contexts, Length checked", "[gss][sealing]") {
  NtlmAccounts accounts(kUsers);
  Failure failure;
  auto client = ClientContext::create(ntlm_settings(), &failure);
  REQUIRE(client);
  GssAcceptor server;
  REQUIRE(handshake(*client, server, &failure));

  std::string envelope = "<s:Envelope><s:Body>Create</s:Body></s:Envelope>";
  std::string body;
  REQUIRE(sealing::seal(*client, envelope, &body, &failure));
  CHECK(body.find("Create") == std::string::npos);
  sealing::Part part;
  std::string error;
  REQUIRE(sealing::parse(body, sealing::kBoundary, &part, &error));
  CHECK(part.length == envelope.size());
  auto opened = server_open(server, part.signature, part.data);
  REQUIRE(opened);
  CHECK(*opened == envelope);

  // The answer, framed as the server frames it.
  std::string answer = "<s:Envelope><s:Body>ResourceCreated</s:Body></s:Envelope>";
  std::string token = server_seal(server, answer);
  std::string plain;
  REQUIRE(sealing::unseal(*client, sealing::content_type(),
                          sealing::frame(answer.size(), token.substr(0, 16), token.substr(16)), &plain, &failure));
  CHECK(plain == answer);

  // A Length= that does not match what the seal holds is tampering, even with a good seal.
  token = server_seal(server, answer);
  failure = {};
  CHECK_FALSE(sealing::unseal(*client, sealing::content_type(),
                              sealing::frame(answer.size() + 1, token.substr(0, 16), token.substr(16)), &plain,
                              &failure));
  CHECK(failure.kind == FailureKind::kTampered);
  CHECK(failure.message == fmt::format("the sealed message says Length={} but holds {} bytes once opened: it was "
                                       "changed on the way",
                                       answer.size() + 1, answer.size()));
  // A response in clear to a sealed request is not accepted.
  failure = {};
  CHECK_FALSE(sealing::unseal(*client, "application/soap+xml;charset=UTF-8", answer, &plain, &failure));
  CHECK(failure.message ==
        "the server answered a sealed request in clear (Content-Type 'application/soap+xml;charset=UTF-8'), which "
        "supctl does not accept");
}

TEST_CASE("gss: Kerberos without a ticket says kinit", "[gss]") {
  NtlmAccounts accounts(kUsers);  // KRB5CCNAME: an empty file
  Failure failure;
  auto client = ClientContext::create({.mechanism = Mechanism::kKerberos, .host = "sup01.contoso.com"}, &failure);
  REQUIRE(client);
  std::string token;
  CHECK_FALSE(client->step("", &token, &failure));
  INFO(failure.message);
  CHECK(failure.kind == FailureKind::kNoTicket);
  CHECK(
      failure.message.starts_with("kerberos authentication to HTTP/sup01.contoso.com failed: no Kerberos ticket: "
                                  "run kinit as the account supctl runs as"));
}

TEST_CASE("gss: Kerberos with an empty credential cache says kinit before GSS-API looks", "[gss]") {
  NtlmAccounts accounts(kUsers);
  std::filesystem::path cache = accounts.dir() / "empty-ccache";
  std::ofstream{cache};
  std::string old = std::getenv("KRB5CCNAME");
  setenv("KRB5CCNAME", ("FILE:" + cache.string()).c_str(), 1);
  unsetenv("KRB5_CLIENT_KTNAME");
  Failure failure;
  auto client = ClientContext::create({.mechanism = Mechanism::kKerberos, .host = "sup01.contoso.com"}, &failure);
  setenv("KRB5CCNAME", old.c_str(), 1);
  CHECK_FALSE(client);
  CHECK(failure.kind == FailureKind::kNoTicket);
  CHECK(failure.message == fmt::format("kerberos authentication to HTTP/sup01.contoso.com failed: no Kerberos ticket: "
                                       "the credential cache '{}' is empty; run kinit as the account supctl runs as "
                                       "(or point KRB5_CLIENT_KTNAME at a keytab), or give the host a user and "
                                       "password",
                                       cache.string()));
}

TEST_CASE("gss: negotiate with a user and password and no KDC falls back to NTLM", "[gss]") {
  NtlmAccounts accounts(kUsers);  // the realm's KDC is a closed port
  Failure failure;
  ClientSettings settings = ntlm_settings();
  settings.mechanism = Mechanism::kNegotiate;
  auto client = ClientContext::create(settings, &failure);
  INFO(failure.message);
  REQUIRE(client);
  GssAcceptor server;
  REQUIRE(handshake(*client, server, &failure));
  CHECK(client->negotiated() == Mechanism::kNtlm);
  Sealed sealed;
  REQUIRE(client->wrap("<s:Envelope/>", &sealed, &failure));
  CHECK(sealed.signature.size() == 16);
  auto opened = server_open(server, sealed.signature, sealed.data);
  REQUIRE(opened);
  CHECK(*opened == "<s:Envelope/>");
}

TEST_CASE("gss: a KDC whose clock is 15 minutes ahead is a clock skew, in the words administrators search for", "[gss]") {
  if (const std::string missing = test::TestKdc::missing(); !missing.empty()) {
    SUPCTL_SKIP("the MIT Kerberos KDC is not installed (" << missing << "): run scripts/setup");
  }
  if (!std::filesystem::exists(test::TestKdc::kFakeTime)) SUPCTL_SKIP("libfaketime is not installed: run scripts/setup");
  const std::string clock_ahead = GENERATE(std::string("+15m"), std::string());
  test::TestKdc kdc("SUPCTL.TEST", clock_ahead);
  const std::string password = test::random_password();
  kdc.add_user("svc-supctl", password);
  kdc.add_service("sup01.contoso.com");
  test::ScopedEnvironment environment(kdc.environment());

  // supctl gets the ticket itself, with the host's user and password: the KDC checks the
  // preauthentication's time stamp against its own clock.
  Failure failure;
  auto client = ClientContext::create(
      {.mechanism = Mechanism::kKerberos, .host = "sup01.contoso.com", .user = "svc-supctl", .password = password},
      &failure);
  std::string token;
  const bool stepped = client && client->step("", &token, &failure);
  INFO("KDC clock " << (clock_ahead.empty() ? "in step" : clock_ahead) << ": " << failure.message << "\n" << kdc.log());
  if (clock_ahead.empty()) {
    CHECK(stepped);
    CHECK_FALSE(token.empty());
  } else {
    CHECK_FALSE(stepped);
    CHECK(failure.kind == FailureKind::kClockSkew);
    CHECK(failure.message.find("the clocks of this machine and the domain differ by more than 5 minutes") !=
          std::string::npos);
    CHECK(failure.message.find(password) == std::string::npos);
  }
}

TEST_CASE("gss: statuses read as the words administrators search for", "[gss]") {
  auto minor = [](krb5_error_code code) { return static_cast<std::uint32_t>(code); };
  Failure skew = describe_status(GSS_S_FAILURE, minor(KRB5KRB_AP_ERR_SKEW), Mechanism::kKerberos, "step", "sup01");
  CHECK(skew.kind == FailureKind::kClockSkew);
  CHECK(skew.message.find("the clocks of this machine and the domain differ by more than 5 minutes") !=
        std::string::npos);
  Failure spn =
      describe_status(GSS_S_FAILURE, minor(KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN), Mechanism::kKerberos, "step", "sup01");
  CHECK(spn.kind == FailureKind::kUnknownServer);
  CHECK(spn.message.find("server not found in Kerberos database: the KDC knows no SPN HTTP/sup01") !=
        std::string::npos);
  Failure expired =
      describe_status(GSS_S_CREDENTIALS_EXPIRED, minor(KRB5KRB_AP_ERR_TKT_EXPIRED), Mechanism::kKerberos, "s", "h");
  CHECK(expired.kind == FailureKind::kExpiredTicket);
  CHECK(expired.message.find("run kinit again") != std::string::npos);
  Failure password = describe_status(GSS_S_FAILURE, minor(KRB5KDC_ERR_PREAUTH_FAILED), Mechanism::kKerberos, "s", "h");
  CHECK(password.kind == FailureKind::kLogonFailure);
  CHECK(password.message.find("logon failure: the user name or password is incorrect") != std::string::npos);
  Failure mech = describe_status(GSS_S_BAD_MECH, 0, Mechanism::kNtlm, "step", "h");
  CHECK(mech.kind == FailureKind::kNoMechanism);
  CHECK(mech.message.starts_with("step: the ntlm mechanism is not available on this machine (install gss-ntlmssp)"));
}

}  // namespace
}  // namespace supctl::powershell::gss
