// WinRM over plain HTTP with every message sealed (MS-WSMV 2.2.9.1): supctl's own Negotiate
// handshake and sealing against a responder that accepts and seals through gss-ntlmssp in this
// process. The responder reads the framing with its own code, not supctl's.

#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/powershell/session.h"
#include "backends/powershell/winrm.h"
#include "support/gss_acceptor.h"
#include "support/ntlm_users.h"
#include "support/sealed_message.h"
#include "support/wsman_responder.h"

namespace {

using namespace std::chrono_literals;
using supctl::plugin::FailureKind;
using supctl::powershell::Outcome;
using supctl::powershell::Session;
using supctl::powershell::WinRmAuth;
using supctl::powershell::WinRmSettings;
using supctl::powershell::WinRmTransport;
using supctl::test::b64_decode;
using supctl::test::b64_encode;
using supctl::test::FakeWinRs;
using supctl::test::GssAcceptor;
using supctl::test::HttpRequest;
using supctl::test::NtlmAccounts;
using supctl::test::Reply;
using supctl::test::WsmanResponder;
namespace reply = supctl::test::wsman_reply;
namespace sealed = supctl::test::sealed;

constexpr std::string_view kPassword = "Tr0ub4dor&3-sealed";
const std::string kUsers = "CONTOSO:svc-supctl:" + std::string(kPassword) + "\n";
constexpr std::string_view kSealedType = sealed::kContentType;

/// A WinRM service that takes only sealed messages: Negotiate on each connection, then every
/// body opened, answered by FakeWinRs, and sealed back.
struct SealedService {
  FakeWinRs winrs;
  std::mutex mutex;
  std::map<int, std::unique_ptr<GssAcceptor>> contexts;                         ///< by connection
  std::vector<std::string> opened;                                        ///< every envelope the service opened
  std::vector<std::string> www_authenticate = {"Negotiate", "Kerberos"};  ///< offered on a bare 401
  /// Changes a sealed reply's bytes before it goes: (step, body) -> body.
  std::function<std::string(const std::string&, std::string)> tamper;
  std::function<void(const std::string&, Reply&)> adjust;  ///< extra headers on a reply, by step

  Reply unauthorized() {
    Reply r{.status = 401};
    for (const std::string& scheme : www_authenticate) r.headers.emplace_back("WWW-Authenticate", scheme);
    return r;
  }

  Reply operator()(const HttpRequest& request) {
    std::lock_guard lock(mutex);
    std::string auth = request.header("Authorization");
    if (auth.starts_with("Negotiate ")) {
      auto& context = contexts[request.connection];
      if (!context || context->complete()) context = std::make_unique<GssAcceptor>();
      GssAcceptor::Step step = context->accept(b64_decode(auth.substr(10)));
      if (!step.error.empty()) {
        contexts.erase(request.connection);
        return unauthorized();
      }
      Reply r{.status = context->complete() ? 200 : 401};
      if (!step.token.empty()) r.headers.emplace_back("WWW-Authenticate", "Negotiate " + b64_encode(step.token));
      return r;
    }
    auto found = contexts.find(request.connection);
    if (found == contexts.end() || !found->second->complete()) return unauthorized();
    if (request.header("Content-Type") != kSealedType) return Reply{.status = 400};
    // The framing read by the tests' own parser (written from the specification); NTLM's
    // signature is 16 bytes.
    std::string why;
    auto framing = sealed::parse(request.body, &why);
    if (!framing || framing->signature.size() != 16) return Reply{.status = 400};
    auto plain = found->second->unseal({framing->signature, framing->data}, &why);
    if (!plain || plain->size() != framing->declared_length) return Reply{.status = 400};
    opened.push_back(*plain);
    HttpRequest inner = request;
    inner.body = *plain;
    Reply answer = winrs(inner);
    std::string step = reply::step(inner);
    if (!answer.body.empty()) {
      std::size_t length = answer.body.size();
      auto token = found->second->seal(answer.body, &why);
      if (!token) return Reply{.status = 500};
      std::string body = sealed::frame(length, token->signature, token->data);
      if (tamper) body = tamper(step, std::move(body));
      answer.body = std::move(body);
      answer.headers.emplace_back("Content-Type", std::string(kSealedType));
    }
    if (adjust) adjust(step, answer);
    return answer;
  }
};

WinRmSettings sealed_settings(const WsmanResponder& responder) {
  WinRmSettings settings;
  settings.host = "127.0.0.1";
  settings.port = responder.port();
  settings.https = false;
  settings.auth = WinRmAuth::kNtlm;
  settings.user = "CONTOSO\\svc-supctl";
  settings.password = std::string(kPassword);
  settings.connect_timeout = 2s;
  settings.retry_backoff = 10ms;
  settings.cleanup_timeout = 2s;
  return settings;
}

Outcome run_once(WinRmTransport& transport) {
  return Session(transport, "127.0.0.1").run("Write-Output 'hi'", "{}", 10s);
}

std::vector<std::string> opened_steps(SealedService& service) {
  std::lock_guard lock(service.mutex);
  std::vector<std::string> steps;
  for (const std::string& envelope : service.opened) {
    HttpRequest r;
    r.body = envelope;
    steps.push_back(reply::step(r));
  }
  return steps;
}

void check_nothing_in_clear(const Outcome& outcome, const std::vector<HttpRequest>& requests) {
  CHECK(outcome.error.find(kPassword) == std::string::npos);
  for (const HttpRequest& r : requests) {
    CHECK(r.body.find(kPassword) == std::string::npos);
    CHECK(r.body.find("Envelope") == std::string::npos);
    CHECK(r.body.find("ShellId") == std::string::npos);
    CHECK(r.header("Authorization").find("Basic") == std::string::npos);
  }
}

TEST_CASE("winrm over plain HTTP authenticates with NTLM and seals every message", "[winrm][sealed]") {
  NtlmAccounts accounts(kUsers);
  SealedService service;
  WsmanResponder responder(std::ref(service), false);
  WinRmTransport transport(sealed_settings(responder));

  Outcome outcome = run_once(transport);
  responder.stop();

  INFO(outcome.error);
  CHECK(outcome.failure == FailureKind::kNone);
  CHECK(transport.warnings().empty());
  auto requests = responder.requests();
  REQUIRE(requests.size() >= 3);
  // The handshake: NTLM's negotiate and authenticate messages, each on an empty POST.
  CHECK(requests[0].header("Authorization").starts_with("Negotiate TlRMTVNTUAAB"));
  CHECK(requests[0].body.empty());
  CHECK(requests[1].header("Authorization").starts_with("Negotiate TlRMTVNTUAAD"));
  CHECK(requests[1].body.empty());
  for (std::size_t i = 2; i < requests.size(); ++i) {
    CHECK(requests[i].header("Content-Type") == kSealedType);
    CHECK_FALSE(requests[i].has_header("Authorization"));
    CHECK(requests[i].connection == requests[0].connection);
  }
  CHECK(opened_steps(service) ==
        std::vector<std::string>{"Create", "Command", "Send", "Receive", "Send", "Signal", "Delete"});
  check_nothing_in_clear(outcome, requests);
}

TEST_CASE("winrm over sealed HTTP reports a wrong password as a logon failure", "[winrm][sealed]") {
  NtlmAccounts accounts(kUsers);
  SealedService service;
  WsmanResponder responder(std::ref(service), false);
  WinRmSettings settings = sealed_settings(responder);
  settings.password = "Not-the-password-1";
  WinRmTransport transport(settings);

  Outcome outcome = run_once(transport);
  responder.stop();

  CHECK(outcome.failure == FailureKind::kAccessDenied);
  CHECK(outcome.error ==
        fmt::format("winrm: cannot authenticate to 127.0.0.1:{}: logon failure: the user name or password is "
                    "incorrect, or the account may not use WinRM there (the server refused the credentials of "
                    "'CONTOSO\\svc-supctl' after the last ntlm token, HTTP 401); the account needs to be in "
                    "Administrators or Remote Management Users on the server",
                    responder.port()));
  CHECK(outcome.error.find("Not-the-password-1") == std::string::npos);
  CHECK(opened_steps(service).empty());
}

TEST_CASE("winrm over sealed HTTP says so when the server does not offer Negotiate", "[winrm][sealed]") {
  NtlmAccounts accounts(kUsers);
  SealedService service;
  service.www_authenticate = {"Basic realm=\"WSMAN\""};
  WsmanResponder responder(
      [&](const HttpRequest&) {
        Reply r{.status = 401};
        r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"WSMAN\"");
        return r;
      },
      false);
  WinRmTransport transport(sealed_settings(responder));

  Outcome outcome = run_once(transport);
  responder.stop();

  CHECK(outcome.failure == FailureKind::kAccessDenied);
  CHECK(outcome.error ==
        fmt::format("winrm: cannot authenticate to 127.0.0.1:{}: the server does not offer Negotiate authentication "
                    "(it offers: Basic): enable it with winrm set winrm/config/service/auth @{{Negotiate=\"true\"}}",
                    responder.port()));
}

TEST_CASE("winrm over sealed HTTP refuses a response whose seal or length was changed", "[winrm][sealed]") {
  NtlmAccounts accounts(kUsers);
  SECTION("a flipped byte") {
    SealedService service;
    service.tamper = [](const std::string& step, std::string body) {
      if (step == "Create") body[body.size() - 30] = static_cast<char>(body[body.size() - 30] ^ 0x20);
      return body;
    };
    WsmanResponder responder(std::ref(service), false);
    WinRmTransport transport(sealed_settings(responder));
    Outcome outcome = run_once(transport);
    responder.stop();
    CHECK(outcome.failure == FailureKind::kFailed);
    CHECK(outcome.error.starts_with(fmt::format(
        "winrm: the Create response from 127.0.0.1:{} was refused: cannot open a sealed message: ", responder.port())));
  }
  SECTION("a Length= that is not the sealed size") {
    SealedService service;
    service.tamper = [](const std::string& step, std::string body) {
      if (step != "Create") return body;
      std::size_t at = body.find("Length=") + 7;
      body.insert(at, "1");
      return body;
    };
    WsmanResponder responder(std::ref(service), false);
    WinRmTransport transport(sealed_settings(responder));
    Outcome outcome = run_once(transport);
    responder.stop();
    CHECK(outcome.failure == FailureKind::kFailed);
    CHECK(outcome.error.find("was refused: the sealed message says Length=1") != std::string::npos);
    CHECK(outcome.error.ends_with("once opened: it was changed on the way"));
  }
}

TEST_CASE("winrm over sealed HTTP authenticates again when the connection was closed", "[winrm][sealed]") {
  NtlmAccounts accounts(kUsers);
  SealedService service;
  service.adjust = [](const std::string& step, Reply& r) {
    if (step == "Command") r.headers.emplace_back("Connection", "close");
  };
  WsmanResponder responder(std::ref(service), false);
  WinRmTransport transport(sealed_settings(responder));

  Outcome outcome = run_once(transport);
  responder.stop();

  INFO(outcome.error);
  CHECK(outcome.failure == FailureKind::kNone);
  auto requests = responder.requests();
  int handshakes = 0;
  for (const HttpRequest& r : requests) {
    if (r.header("Authorization").starts_with("Negotiate TlRMTVNTUAAB")) ++handshakes;
  }
  CHECK(handshakes == 2);
  // Every step was opened exactly once: the one refused on the new connection was sent again.
  CHECK(opened_steps(service) ==
        std::vector<std::string>{"Create", "Command", "Send", "Receive", "Send", "Signal", "Delete"});
  check_nothing_in_clear(outcome, requests);
}

TEST_CASE("winrm over sealed HTTP does not send a message a third time after libcurl re-sent it", "[winrm][sealed]") {
  NtlmAccounts accounts(kUsers);
  SealedService service;
  // The first Send runs, then the server goes away without answering: libcurl writes the message
  // again on a new connection by itself, where it cannot be opened (401). It may have run: it must
  // not be sent once more after authenticating again.
  bool dropped = false;
  service.adjust = [&](const std::string& step, Reply& r) {
    if (step == "Send" && !dropped) r.drop = dropped = true;
  };
  WsmanResponder responder(std::ref(service), false);
  WinRmTransport transport(sealed_settings(responder));

  Outcome outcome = run_once(transport);
  responder.stop();
  INFO(outcome.error);
  CHECK(outcome.failure != FailureKind::kNone);
  CHECK(outcome.error.find("may have run on the server") != std::string::npos);
  std::vector<std::string> steps = opened_steps(service);
  CHECK(std::count(steps.begin(), steps.end(), "Send") == 1);
}

TEST_CASE("winrm over sealed HTTP refuses an empty HTTP 200 to a sealed message", "[winrm][sealed]") {
  NtlmAccounts accounts(kUsers);
  SealedService service;
  service.adjust = [](const std::string& step, Reply& r) {
    if (step == "Create") r.body.clear();
  };
  WsmanResponder responder(std::ref(service), false);
  WinRmTransport transport(sealed_settings(responder));
  Outcome outcome = run_once(transport);
  responder.stop();
  INFO(outcome.error);
  CHECK(outcome.failure == FailureKind::kFailed);
  CHECK(outcome.error.find("empty HTTP 200") != std::string::npos);
}

TEST_CASE("winrm over sealed HTTP names a status that is no WinRM handshake answer", "[winrm][sealed]") {
  NtlmAccounts accounts(kUsers);
  WsmanResponder responder([](const HttpRequest&) { return Reply{.status = 503}; }, false);
  WinRmTransport transport(sealed_settings(responder));
  Outcome outcome = run_once(transport);
  responder.stop();
  INFO(outcome.error);
  CHECK(outcome.failure == FailureKind::kAccessDenied);
  CHECK(outcome.error.find("answered HTTP 503 to ntlm authentication") != std::string::npos);
  CHECK(outcome.error.find("winrm enumerate winrm/config/listener") != std::string::npos);
}

TEST_CASE("winrm over sealed HTTP with Negotiate and no Kerberos seals with the NTLM it fell back to", "[winrm][sealed]") {
  NtlmAccounts accounts(kUsers);
  SealedService service;
  WsmanResponder responder(std::ref(service), false);
  WinRmSettings settings = sealed_settings(responder);
  settings.auth = WinRmAuth::kNegotiate;
  WinRmTransport transport(settings);
  Outcome outcome = run_once(transport);
  responder.stop();
  INFO(outcome.error);
  CHECK(outcome.failure == FailureKind::kNone);
  CHECK(opened_steps(service) ==
        std::vector<std::string>{"Create", "Command", "Send", "Receive", "Send", "Signal", "Delete"});
  check_nothing_in_clear(outcome, responder.requests());
}

TEST_CASE("winrm over sealed HTTP says so when delegation was asked for and not given", "[winrm][sealed]") {
  // No Kerberos here: Negotiate falls back to NTLM, which cannot delegate.
  NtlmAccounts accounts(kUsers);
  SealedService service;
  WsmanResponder responder(std::ref(service), false);
  WinRmSettings settings = sealed_settings(responder);
  settings.auth = WinRmAuth::kNegotiate;
  settings.delegate = true;
  WinRmTransport transport(settings);
  Outcome outcome = run_once(transport);
  responder.stop();
  INFO(outcome.error);
  CHECK(outcome.failure == FailureKind::kAccessDenied);
  CHECK(outcome.error.find("did not delegate") != std::string::npos);
  CHECK(outcome.error.find("fell back to NTLM") != std::string::npos);
  CHECK(opened_steps(service).empty());  // nothing was sent that would need the delegated credentials
}

TEST_CASE("winrm refuses delegation with NTLM before connecting", "[winrm][sealed]") {
  WinRmSettings settings;
  settings.host = "sup01.contoso.com";
  settings.https = false;
  settings.auth = WinRmAuth::kNtlm;
  settings.delegate = true;
  WinRmTransport transport(settings);
  Outcome outcome = run_once(transport);
  CHECK(outcome.failure == FailureKind::kFailed);
  CHECK(outcome.error ==
        "winrm: delegate = true for sup01.contoso.com:5985 needs Kerberos, which ntlm authentication is not: use "
        "auth = \"kerberos\" or \"negotiate\" with a Kerberos ticket, or remove delegate");
}

}  // namespace
