#include "backends/powershell/winrm.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "backends/powershell/protocol.h"
#include "backends/powershell/session.h"
#include "support/ntlm_users.h"
#include "support/scoped_environment.h"
#include "support/wsman_responder.h"

namespace {

using namespace std::chrono_literals;
using supctl::plugin::FailureKind;
using supctl::powershell::Session;
using supctl::powershell::SessionStats;
using supctl::powershell::Outcome;
using supctl::powershell::WinRmAuth;
using supctl::powershell::WinRmSettings;
using supctl::powershell::WinRmTransport;
using supctl::test::FakeWinRs;
using supctl::test::HttpRequest;
using supctl::test::Reply;
using supctl::test::TestCertificate;
using supctl::test::WsmanResponder;
namespace reply = supctl::test::wsman_reply;

constexpr std::string_view kUser = "svc-supctl";
constexpr std::string_view kPassword = "Tr0ub4dor&3-supctl";
constexpr std::string_view kCmd = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";

/// Settings for a responder on 127.0.0.1 over TLS, trusting its certificate; Basic auth.
WinRmSettings settings_for(const WsmanResponder& responder) {
  WinRmSettings settings;
  settings.host = "127.0.0.1";
  settings.port = responder.port();
  settings.auth = WinRmAuth::kBasic;
  settings.user = std::string(kUser);
  settings.password = std::string(kPassword);
  settings.ca_file = TestCertificate::get().cert.string();
  settings.connect_timeout = 2s;
  settings.retry_backoff = 10ms;
  settings.cleanup_timeout = 2s;
  return settings;
}

/// One request (`script`, JSON "{}") through a session of its own, stopped at the end.
Outcome run_once(WinRmTransport& transport, std::string script = "Write-Output 'hi'",
                 std::chrono::milliseconds timeout = 10s) {
  return Session(transport, "127.0.0.1").run(script, "{}", timeout);
}

std::vector<std::string> steps(const std::vector<HttpRequest>& requests) {
  std::vector<std::string> out;
  for (const HttpRequest& r : requests) out.push_back(reply::step(r));
  return out;
}

/// No secret in what supctl says or sends as text.
void check_no_password(const Outcome& outcome, const WinRmTransport& transport,
                       const std::vector<HttpRequest>& requests) {
  CHECK(outcome.error.find(kPassword) == std::string::npos);
  for (const std::string& warning : transport.warnings()) CHECK(warning.find(kPassword) == std::string::npos);
  for (const HttpRequest& r : requests) CHECK(r.body.find(kPassword) == std::string::npos);
}

/// A request envelope supctl sent, read with supctl's prefixes (env, a, w, p, rsp).
class Sent {
 public:
  explicit Sent(const HttpRequest& request) {
    auto parsed = doc_.load_buffer(request.body.data(), request.body.size());
    INFO(request.body.substr(0, 2000));
    REQUIRE(parsed);
  }
  std::string text(const std::string& path) const {
    return doc_.select_node(("/env:Envelope/" + path).c_str()).node().text().get();
  }
  std::string attribute(const std::string& path) const {
    return doc_.select_node(("/env:Envelope/" + path).c_str()).attribute().value();
  }
  /// A namespace declaration on the root (XPath does not see them).
  std::string declared(const char* prefix) const {
    return doc_.document_element().attribute(fmt::format("xmlns:{}", prefix).c_str()).value();
  }
  std::size_t count(const std::string& path) const {
    return doc_.select_nodes(("/env:Envelope/" + path).c_str()).size();
  }

 private:
  pugi::xml_document doc_;
};

/// Checks the WS-Management header of section 2.2 on one request.
void check_header(const HttpRequest& request, const std::string& endpoint, std::string_view action,
                  std::string_view shell_id) {
  INFO(request.body.substr(0, 2000));
  CHECK(request.method == "POST");
  CHECK(request.target == "/wsman");
  CHECK(request.header("Content-Type") == "application/soap+xml;charset=UTF-8");
  Sent sent(request);
  CHECK(sent.declared("env") == "http://www.w3.org/2003/05/soap-envelope");
  CHECK(sent.declared("a") == "http://schemas.xmlsoap.org/ws/2004/08/addressing");
  CHECK(sent.declared("w") == "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd");
  CHECK(sent.declared("p") == "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd");
  CHECK(sent.declared("rsp") == "http://schemas.microsoft.com/wbem/wsman/1/windows/shell");
  CHECK(sent.text("env:Header/a:To") == endpoint);
  CHECK(sent.text("env:Header/a:ReplyTo/a:Address") ==
        "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous");
  CHECK(sent.attribute("env:Header/a:ReplyTo/a:Address/@mustUnderstand") == "true");
  CHECK(sent.text("env:Header/a:Action") == action);
  CHECK(sent.attribute("env:Header/a:Action/@mustUnderstand") == "true");
  CHECK(sent.text("env:Header/w:MaxEnvelopeSize") == "512000");
  CHECK(sent.attribute("env:Header/w:MaxEnvelopeSize/@mustUnderstand") == "true");
  static const std::regex kUuid("uuid:[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}");
  CHECK(std::regex_match(sent.text("env:Header/a:MessageID"), kUuid));
  CHECK(sent.attribute("env:Header/w:Locale/@xml:lang") == "en-US");
  CHECK(sent.attribute("env:Header/w:Locale/@mustUnderstand") == "false");
  CHECK(sent.attribute("env:Header/p:DataLocale/@xml:lang") == "en-US");
  CHECK(sent.attribute("env:Header/p:DataLocale/@mustUnderstand") == "false");
  CHECK(sent.text("env:Header/w:OperationTimeout") == "PT60S");
  CHECK(sent.text("env:Header/w:ResourceURI") == kCmd);
  CHECK(sent.attribute("env:Header/w:ResourceURI/@mustUnderstand") == "true");
  if (shell_id.empty()) {
    CHECK(sent.count("env:Header/w:SelectorSet") == 0);
  } else {
    CHECK(sent.count("env:Header/w:SelectorSet/w:Selector") == 1);
    CHECK(sent.text("env:Header/w:SelectorSet/w:Selector[@Name='ShellId']") == shell_id);
  }
}

std::string payload_of(std::size_t size) {
  std::string payload = "Write-Output 'h\xC3\xA9llo'\n";
  payload += std::string_view("\0\0\0\0", 4);
  payload += R"({"name":"SUP01"})";
  for (std::size_t i = 0; payload.size() < size; ++i) payload += static_cast<char>((i * 7 + 3) % 256);
  return payload;
}

TEST_CASE("winrm runs powershell in a new shell and sends each request with the full header", "[winrm]") {
  FakeWinRs winrs;
  WsmanResponder responder(std::ref(winrs), true);
  WinRmSettings settings = settings_for(responder);
  WinRmTransport transport(settings);
  std::string payload = payload_of(450001 - 75 - 2);  // a frame of 200,000 + 200,000 + 50,001 bytes

  Outcome outcome = run_once(transport, payload);
  responder.stop();

  INFO(outcome.error);
  CHECK(outcome.failure == FailureKind::kNone);
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.stdout_text == "{\"ok\":true}");
  CHECK(outcome.stderr_text.empty());
  CHECK(transport.warnings().empty());
  CHECK(transport.name() == "winrm");

  std::vector<HttpRequest> requests = responder.requests();
  // The request's three Sends and a Receive; then the stop frame (Send), Signal and Delete.
  CHECK(steps(requests) ==
        std::vector<std::string>{"Create", "Command", "Send", "Send", "Send", "Receive", "Send", "Signal", "Delete"});
  REQUIRE(requests.size() == 9);
  std::string endpoint = fmt::format("https://127.0.0.1:{}/wsman", responder.port());
  const char* shell = "shell-1";
  check_header(requests[0], endpoint, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create", "");
  check_header(requests[1], endpoint, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command", shell);
  for (int i = 2; i <= 4; ++i) {
    check_header(requests[i], endpoint, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send", shell);
  }
  check_header(requests[5], endpoint, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive", shell);
  check_header(requests[6], endpoint, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send", shell);
  check_header(requests[7], endpoint, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal", shell);
  check_header(requests[8], endpoint, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete", shell);

  // Basic credentials on every request; one kept-alive connection; a new MessageID each time.
  std::set<std::string> ids;
  for (const HttpRequest& r : requests) {
    CHECK(r.header("Authorization") == "Basic " + supctl::test::b64_encode(fmt::format("{}:{}", kUser, kPassword)));
    CHECK(r.connection == 1);
    ids.insert(reply::message_id(r));
  }
  CHECK(ids.size() == requests.size());

  Sent create(requests[0]);
  CHECK(create.text("env:Header/w:OptionSet/w:Option[@Name='WINRS_NOPROFILE']") == "TRUE");
  CHECK(create.text("env:Header/w:OptionSet/w:Option[@Name='WINRS_CODEPAGE']") == "65001");
  CHECK(create.count("env:Header/w:OptionSet/w:Option") == 2);
  CHECK(create.text("env:Body/rsp:Shell/rsp:InputStreams") == "stdin");
  CHECK(create.text("env:Body/rsp:Shell/rsp:OutputStreams") == "stdout stderr");

  Sent command(requests[1]);
  CHECK(command.text("env:Header/w:OptionSet/w:Option[@Name='WINRS_CONSOLEMODE_STDIN']") == "FALSE");
  CHECK(command.text("env:Header/w:OptionSet/w:Option[@Name='WINRS_SKIP_CMD_SHELL']") == "TRUE");
  CHECK(command.text("env:Body/rsp:CommandLine/rsp:Command") == "powershell");
  CHECK(command.text("env:Body/rsp:CommandLine/rsp:Arguments") ==
        "-NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand " +
            supctl::powershell::bootstrap_arguments().back());

  std::string stdin_bytes;
  for (int i = 2; i <= 4; ++i) {
    Sent send(requests[i]);
    CHECK(send.count("env:Body/rsp:Send/rsp:Stream") == 1);
    CHECK(send.attribute("env:Body/rsp:Send/rsp:Stream/@Name") == "stdin");
    CHECK(send.attribute("env:Body/rsp:Send/rsp:Stream/@CommandId") == "command-1");
    CHECK(send.attribute("env:Body/rsp:Send/rsp:Stream/@End") == "");  // the command reads on
    std::string chunk = supctl::test::b64_decode(send.text("env:Body/rsp:Send/rsp:Stream"));
    CHECK(chunk.size() <= 200000);
    stdin_bytes += chunk;
  }
  REQUIRE(stdin_bytes.size() == 450001);
  CHECK(stdin_bytes.substr(supctl::powershell::kFrameHeaderSize, payload.size()) == payload);
  CHECK(stdin_bytes.substr(supctl::powershell::kFrameHeaderSize + payload.size()) == "{}");
  CHECK(winrs.frames.size() == 1);
  Sent stop(requests[6]);
  CHECK(supctl::test::b64_decode(stop.text("env:Body/rsp:Send/rsp:Stream")) == supctl::powershell::stop_frame());
  CHECK(stop.attribute("env:Body/rsp:Send/rsp:Stream/@End") == "true");

  Sent receive(requests[5]);
  CHECK(receive.text("env:Body/rsp:Receive/rsp:DesiredStream") == "stdout stderr");
  CHECK(receive.attribute("env:Body/rsp:Receive/rsp:DesiredStream/@CommandId") == "command-1");

  Sent signal(requests[7]);
  CHECK(signal.attribute("env:Body/rsp:Signal/@CommandId") == "command-1");
  CHECK(signal.text("env:Body/rsp:Signal/rsp:Code") ==
        "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate");

  Sent deleted(requests[8]);
  CHECK(deleted.count("env:Body/*") == 0);
  check_no_password(outcome, transport, requests);
}

TEST_CASE("winrm: many requests are one shell and one command, one Send each, the shell deleted at the end", "[winrm]") {
  FakeWinRs winrs;
  winrs.answer = [](const std::string&, const std::string& json) { return json; };
  WsmanResponder responder(std::ref(winrs), true);
  WinRmTransport transport(settings_for(responder));
  {
    Session session(transport, "127.0.0.1");
    for (int i = 1; i <= 5; ++i) {
      Outcome outcome = session.run("Get-Date", "{\"n\":" + std::to_string(i) + "}", 10s);
      INFO(outcome.error);
      REQUIRE(outcome.failure == FailureKind::kNone);
      CHECK(outcome.stdout_text == "{\"n\":" + std::to_string(i) + "}");
    }
    CHECK(session.stats() == SessionStats{1, 5});
  }
  responder.stop();
  CHECK(steps(responder.requests()) ==
        std::vector<std::string>{"Create", "Command", "Send", "Receive", "Send", "Receive", "Send", "Receive", "Send",
                                 "Receive", "Send", "Receive", "Send", "Signal", "Delete"});
  CHECK(winrs.frames.size() == 5);
}

TEST_CASE("winrm sends a request with an empty script as one send", "[winrm]") {
  FakeWinRs winrs;
  WsmanResponder responder(std::ref(winrs), true);
  WinRmTransport transport(settings_for(responder));
  Outcome outcome = run_once(transport, "");
  responder.stop();
  INFO(outcome.error);
  CHECK(outcome.failure == FailureKind::kNone);
  auto requests = responder.requests();
  REQUIRE(steps(requests) ==
          std::vector<std::string>{"Create", "Command", "Send", "Receive", "Send", "Signal", "Delete"});
  Sent send(requests[2]);
  CHECK(supctl::test::b64_decode(send.text("env:Body/rsp:Send/rsp:Stream")).size() ==
        supctl::powershell::kFrameHeaderSize + 2);
  CHECK(send.attribute("env:Body/rsp:Send/rsp:Stream/@End") == "");
}

TEST_CASE("winrm retries a receive that timed out and joins output across receives", "[winrm]") {
  FakeWinRs winrs;
  winrs.receives.push_back([](const HttpRequest& r, const std::string&) { return reply::operation_timeout(r); });
  winrs.receives.push_back([](const HttpRequest& r, const std::string& id) {
    Reply out = reply::output(r, id, {{"stdout", "part one, "}});
    out.chunked = true;
    return out;
  });
  winrs.receives.push_back([](const HttpRequest& r, const std::string&) {
    Reply out = reply::operation_timeout(r);
    out.chunked = true;
    return out;
  });
  winrs.receives.push_back([](const HttpRequest& r, const std::string& id) {
    Reply out = reply::output(r, id, {{"stderr", "warning: "}, {"stdout", "part two"}, {"stderr", "careful"}});
    out.chunked = true;
    return out;
  });
  winrs.receives.push_back([](const HttpRequest& r, const std::string& id) {
    return reply::output(r, id, {{"stdout", "", true}, {"stderr", "", true}}, "3");
  });
  WsmanResponder responder(std::ref(winrs), true);
  WinRmTransport transport(settings_for(responder));

  Outcome outcome = run_once(transport);
  responder.stop();

  // The command ended before the response's end line: output and stderr joined across the
  // Receives that timed out, and its exit code, come back as the request's failure.
  CHECK(outcome.failure == FailureKind::kFailed);
  CHECK(outcome.error ==
        "winrm: PowerShell on '127.0.0.1' ended during the request with exit code 3; stderr: warning: careful; "
        "supctl starts it again for the next request");
  CHECK(steps(responder.requests()) == std::vector<std::string>{"Create", "Command", "Send", "Receive", "Receive",
                                                                "Receive", "Receive", "Receive", "Delete"});
}

TEST_CASE("winrm deletes a shell that hit the quota and runs in a new one", "[winrm]") {
  FakeWinRs winrs;
  winrs.commands.push_back([](const HttpRequest& r, const std::string&) { return reply::quota(r); });
  winrs.answer = [](const std::string&, const std::string&) { return std::string("ok"); };
  WsmanResponder responder(std::ref(winrs), true);
  WinRmTransport transport(settings_for(responder));

  Outcome outcome = run_once(transport);
  responder.stop();

  INFO(outcome.error);
  CHECK(outcome.failure == FailureKind::kNone);
  CHECK(outcome.stdout_text == "ok");
  auto requests = responder.requests();
  REQUIRE(steps(requests) == std::vector<std::string>{"Create", "Command", "Delete", "Create", "Command", "Send",
                                                      "Receive", "Send", "Signal", "Delete"});
  CHECK(Sent(requests[2]).text("env:Header/w:SelectorSet/w:Selector") == "shell-1");
  CHECK(Sent(requests[4]).text("env:Header/w:SelectorSet/w:Selector") == "shell-2");
  CHECK(Sent(requests[9]).text("env:Header/w:SelectorSet/w:Selector") == "shell-2");
}

TEST_CASE("winrm fails when the new shell hits the quota too", "[winrm]") {
  FakeWinRs winrs;
  for (int i = 0; i < 2; ++i) {
    winrs.creates.push_back([](const HttpRequest& r, const std::string&) { return reply::quota(r); });
  }
  WsmanResponder responder(std::ref(winrs), true);
  WinRmTransport transport(settings_for(responder));

  Outcome outcome = run_once(transport);
  responder.stop();

  CHECK(outcome.failure == FailureKind::kFailed);
  CHECK(outcome.error ==
        fmt::format("winrm: Create on 127.0.0.1:{} failed: The WS-Management service cannot process the request. This "
                    "user is allowed a maximum number of 25 concurrent operations, which has been exceeded. Close "
                    "existing operations for this user, or raise the quota for this user "
                    "(MaxConcurrentOperationsPerUser). (WS-Management fault 2150859174); a new shell hit the quota "
                    "too: close other WinRM sessions of this user, or raise MaxShellsPerUser / "
                    "MaxConcurrentOperationsPerUser (winrm get winrm/config/winrs)",
                    responder.port()));
  CHECK(steps(responder.requests()) == std::vector<std::string>{"Create", "Create"});
}

TEST_CASE("winrm reports HTTP 401 as access denied without the password", "[winrm]") {
  WsmanResponder responder(
      [](const HttpRequest&) {
        return Reply{.status = 401, .headers = {{"WWW-Authenticate", "Basic realm=\"WSMAN\""}}};
      },
      true);
  WinRmTransport transport(settings_for(responder));

  Outcome outcome = run_once(transport);
  responder.stop();

  CHECK(outcome.failure == FailureKind::kAccessDenied);
  CHECK(outcome.error == fmt::format("winrm: 127.0.0.1:{} refused the credentials of 'svc-supctl' (basic "
                                     "authentication, HTTP 401): check user, password and auth, and that the service "
                                     "allows basic (winrm get winrm/config/service/auth)",
                                     responder.port()));
  CHECK(steps(responder.requests()) == std::vector<std::string>{"Create"});
  check_no_password(outcome, transport, responder.requests());
}

TEST_CASE("winrm reports a SOAP fault with its reason and still deletes the shell", "[winrm]") {
  FakeWinRs winrs;
  winrs.commands.push_back([](const HttpRequest& r, const std::string&) {
    Reply out = reply::fault(r, "w:InternalError", 2147942402, "The system cannot find the file specified.");
    out.chunked = true;
    return out;
  });
  WsmanResponder responder(std::ref(winrs), true);
  WinRmTransport transport(settings_for(responder));

  Outcome outcome = run_once(transport);
  responder.stop();

  CHECK(outcome.failure == FailureKind::kFailed);
  CHECK(outcome.error == fmt::format("winrm: Command on 127.0.0.1:{} failed: The system cannot find the file "
                                     "specified. (WS-Management fault 2147942402)",
                                     responder.port()));
  CHECK(steps(responder.requests()) == std::vector<std::string>{"Create", "Command", "Delete"});
}

TEST_CASE("winrm redacts an echoed password and deletes the shell after a failed signal", "[winrm]") {
  FakeWinRs winrs;
  winrs.receives.push_back([](const HttpRequest& r, const std::string&) {
    return reply::fault(r, "w:InternalError", 2150858770,
                        fmt::format("Logon of svc-supctl with {} failed.", kPassword));
  });
  winrs.signals.push_back([](const HttpRequest&, const std::string&) {
    return Reply{.status = 500, .body = "<html>Internal Server Error</html>"};
  });
  WsmanResponder responder(std::ref(winrs), true);
  WinRmTransport transport(settings_for(responder));

  Outcome outcome = run_once(transport);
  responder.stop();

  CHECK(outcome.failure == FailureKind::kFailed);
  CHECK(outcome.error == fmt::format("winrm: Receive on 127.0.0.1:{} failed: Logon of svc-supctl with (sensitive) "
                                     "failed. (WS-Management fault 2150858770); supctl starts it again for the next "
                                     "request",
                                     responder.port()));
  // The Signal's failure is not the run's: Delete follows it all the same.
  CHECK(steps(responder.requests()) ==
        std::vector<std::string>{"Create", "Command", "Send", "Receive", "Signal", "Delete"});
  check_no_password(outcome, transport, responder.requests());
}

TEST_CASE("winrm reports an HTTP error without a SOAP fault", "[winrm]") {
  WsmanResponder responder(
      [](const HttpRequest&) { return Reply{.status = 503, .body = "<html>Service Unavailable</html>"}; }, true);
  WinRmTransport transport(settings_for(responder));

  Outcome outcome = run_once(transport);
  responder.stop();

  CHECK(outcome.failure == FailureKind::kFailed);
  CHECK(outcome.error ==
        fmt::format("winrm: 127.0.0.1:{} answered HTTP 503 to Create without a SOAP fault", responder.port()));
}

TEST_CASE("winrm reports a refused connection as unreachable after three tries", "[winrm]") {
  WinRmSettings settings;
  settings.host = "127.0.0.1";
  settings.port = WsmanResponder::closed_port();
  settings.user = std::string(kUser);
  settings.password = std::string(kPassword);
  settings.retry_backoff = 10ms;
  WinRmTransport transport(settings);

  auto started = std::chrono::steady_clock::now();
  Outcome outcome = run_once(transport);

  CHECK(outcome.failure == FailureKind::kUnreachable);
  std::string where = fmt::format("127.0.0.1:{}", settings.port);
  INFO(outcome.error);
  CHECK(outcome.error.starts_with("winrm: cannot connect to " + where + " ("));
  CHECK_THAT(outcome.error, Catch::Contains("Connection refused"));
  CHECK_THAT(outcome.error,
             Catch::EndsWith(fmt::format(", 3 tries): check that a WinRM HTTPS listener is on port {} (winrm enumerate "
                                         "winrm/config/listener) and that the firewall lets TCP {} through",
                                         settings.port, settings.port)));
  CHECK(std::chrono::steady_clock::now() - started >= 30ms);  // 10 ms, then 20 ms of backoff
}

TEST_CASE("winrm does not send a Create again when the connection broke after it went out", "[winrm]") {
  // The server took the Create and went away without answering: a shell may exist now, so a second
  // Create (the retry a refused connection gets) would leave one behind.
  std::atomic<int> creates = 0;
  WsmanResponder responder(
      [&](const HttpRequest& request) {
        if (reply::step(request) == "Create") ++creates;
        return Reply{.drop = true};
      },
      true);
  WinRmTransport transport(settings_for(responder));
  Outcome outcome = run_once(transport);
  responder.stop();
  INFO(outcome.error);
  CHECK(outcome.failure == FailureKind::kUnreachable);
  CHECK_THAT(outcome.error, Catch::Contains("lost the connection to 127.0.0.1:"));
  CHECK_THAT(outcome.error, Catch::Contains("during Create, after the request went out"));
  CHECK(creates == 1);
}

TEST_CASE("winrm reports a name that does not resolve as unreachable", "[winrm]") {
  WinRmSettings settings;
  settings.host = "supctl-winrm-test.invalid";  // RFC 6761: never resolves
  settings.connect_timeout = 1s;
  settings.retry_backoff = 10ms;
  WinRmTransport transport(settings);

  Outcome outcome = run_once(transport);

  CHECK(outcome.failure == FailureKind::kUnreachable);
  INFO(outcome.error);
  CHECK(outcome.error.starts_with("winrm: cannot resolve 'supctl-winrm-test.invalid' to reach port 5986 ("));
  CHECK_THAT(outcome.error, Catch::EndsWith("): check the name, or set the host's address"));
}

TEST_CASE("winrm checks the server certificate", "[winrm]") {
  FakeWinRs winrs;
  WsmanResponder responder(std::ref(winrs), true);
  WinRmSettings settings = settings_for(responder);
  settings.ca_file.clear();  // the system's CAs do not know the test certificate
  WinRmTransport transport(settings);

  Outcome outcome = run_once(transport);
  responder.stop();

  CHECK(outcome.failure == FailureKind::kUnreachable);
  INFO(outcome.error);
  CHECK(
      outcome.error.starts_with(fmt::format("winrm: the TLS handshake with 127.0.0.1:{} failed (", responder.port())));
  CHECK_THAT(outcome.error, Catch::EndsWith("): check the listener's certificate: it must name '127.0.0.1' and chain "
                                            "to a trusted CA (ca_file adds one)"));
  CHECK(responder.requests().empty());
}

TEST_CASE("winrm stops a run that does not finish in time and still deletes the shell", "[winrm]") {
  FakeWinRs winrs;
  winrs.receives.push_back([](const HttpRequest&, const std::string&) { return Reply{.hang = true}; });
  WsmanResponder responder(std::ref(winrs), true);
  WinRmTransport transport(settings_for(responder));

  auto started = std::chrono::steady_clock::now();
  Outcome outcome = run_once(transport, "Start-Sleep 3600", 1500ms);
  auto took = std::chrono::steady_clock::now() - started;
  responder.stop();

  CHECK(outcome.failure == FailureKind::kTimeout);
  CHECK(outcome.error ==
        "winrm: the request to PowerShell on '127.0.0.1' did not finish within 1.5 s; supctl ended that PowerShell "
        "process (the next request starts a new one); check what the script waits for, or allow it more time");
  CHECK(took >= 1500ms);
  CHECK(took < 5s);
  auto requests = responder.requests();
  REQUIRE(steps(requests) == std::vector<std::string>{"Create", "Command", "Send", "Receive", "Signal", "Delete"});
  CHECK(Sent(requests[4]).attribute("env:Body/rsp:Signal/@CommandId") == "command-1");
  CHECK(Sent(requests[5]).text("env:Header/w:SelectorSet/w:Selector") == "shell-1");
}

TEST_CASE("winrm refuses basic authentication over plain HTTP", "[winrm]") {
  FakeWinRs winrs;
  WsmanResponder responder(std::ref(winrs), false);
  WinRmSettings settings = settings_for(responder);
  settings.https = false;
  settings.allow_unencrypted = true;
  WinRmTransport transport(settings);

  Outcome outcome = run_once(transport);
  responder.stop();

  CHECK(outcome.failure == FailureKind::kFailed);
  CHECK(outcome.error == fmt::format("winrm: basic authentication over plain HTTP to 127.0.0.1:{} would send the "
                                     "password in clear, and supctl refuses it even with allow_unencrypted = true: "
                                     "use https = true, or auth = \"negotiate\", \"kerberos\" or \"ntlm\" (which "
                                     "seal every message)",
                                     responder.port()));
  CHECK(responder.requests().empty());
}

TEST_CASE("winrm over plain HTTP with allow_unencrypted warns once and authenticates without sealing", "[winrm]") {
  if (!supctl::test::NtlmUsers::available()) SUPCTL_SKIP("gss-ntlmssp is not installed: run scripts/setup");
  supctl::test::NtlmUsers users;
  users.add("CONTOSO", std::string(kUser), std::string(kPassword));
  supctl::test::ScopedEnvironment environment(users.environment());
  FakeWinRs winrs;
  WsmanResponder responder(std::ref(winrs), false, supctl::test::NegotiateOptions{.require_sealing = false});
  WinRmSettings settings = settings_for(responder);
  settings.https = false;
  settings.allow_unencrypted = true;
  settings.auth = WinRmAuth::kNtlm;
  settings.user = fmt::format("CONTOSO\\{}", kUser);
  WinRmTransport transport(settings);

  Outcome first = run_once(transport);
  Outcome second = run_once(transport);
  responder.stop();

  INFO(first.error);
  CHECK(first.failure == FailureKind::kNone);
  CHECK(second.failure == FailureKind::kNone);
  CHECK(transport.warnings() ==
        std::vector<std::string>{fmt::format(
            "winrm: 127.0.0.1:{} is reached over plain HTTP without encryption (allow_unencrypted = true): scripts, "
            "parameters and output cross the network in clear, and the service must allow it (AllowUnencrypted); use "
            "this on a lab network only, or remove allow_unencrypted to have supctl seal every message",
            responder.port())});
  auto requests = responder.requests();
  REQUIRE(requests.size() == 14);  // two sessions of seven, on the one authenticated connection
  CHECK(responder.authentications().size() == 1);
  CHECK(Sent(requests[0]).text("env:Header/a:To") == fmt::format("http://127.0.0.1:{}/wsman", responder.port()));
  CHECK(Sent(requests[8]).text("env:Header/w:SelectorSet/w:Selector") == "shell-2");
  for (const HttpRequest& r : requests) {
    CHECK_FALSE(r.sealed);
    CHECK_FALSE(r.has_header("Authorization"));
  }
}

}  // namespace
