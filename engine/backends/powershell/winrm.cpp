#include "backends/powershell/winrm.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <optional>
#include <random>
#include <thread>

#include "backends/powershell/winrm_soap.h"

namespace supctl::powershell {
namespace {

using Clock = std::chrono::steady_clock;
using plugin::FailureKind;
using std::chrono::milliseconds;

constexpr int kConnectTries = 3;
/// Beyond the operation timeout, how long supctl waits for the server's answer (pywinrm: +10 s).
constexpr milliseconds kReadGrace = std::chrono::seconds(10);

std::string new_message_id() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    std::random_device device;
    for (auto& b : bytes) b = static_cast<unsigned char>(device());
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  std::string hex;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) hex += '-';
    hex += fmt::format("{:02X}", bytes[i]);
  }
  return "uuid:" + hex;
}

std::string describe(milliseconds duration) {
  if (duration.count() % 1000 == 0) return fmt::format("{} s", duration.count() / 1000);
  return fmt::format("{} ms", duration.count());
}

}  // namespace

/// One session's channel: the shell and the command running the bootstrap in it, kept open across
/// requests. Each call has its own deadline; every post also stops at it.
struct WinRmTransport::Shell final : public Channel {
  /// The outcome of one request.
  struct Exchange {
    std::string body;                   ///< the response envelope when ok
    std::optional<wsman::Fault> fault;  ///< the server answered with a SOAP fault
    std::optional<Outcome> failure;     ///< the request failed otherwise (transport, HTTP, parse)
    /// The failure is the call's deadline (decided by what the post was given, not by the clock).
    bool at_deadline = false;
  };
  Shell(WinRmTransport& owner, const WinRmSettings& winrm) : transport(owner), settings(winrm) {}
  ~Shell() override { cleanup(); }

  WinRmTransport& transport;
  const WinRmSettings& settings;
  Clock::time_point deadline;  ///< of the call in progress
  std::string shell_id;
  std::string command_id;
  std::string stderr_text;       ///< received, not yet taken
  std::optional<Outcome> ended;  ///< set once the command is done or the shell failed

  std::string where() const { return fmt::format("{}:{}", settings.host, settings.effective_port()); }

  /// Replaces the password wherever it appears (a password of under four characters is left:
  /// replacing every such fragment would garble the message more than it protects).
  std::string redact(std::string text) const {
    const std::string& secret = settings.password;
    if (secret.size() < 4) return text;
    constexpr std::string_view kMask = "(sensitive)";
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + kMask.size())) {
      text.replace(at, secret.size(), kMask);
    }
    return text;
  }

  Outcome fail(FailureKind kind, std::string error) const { return transport_failure(kind, redact(std::move(error))); }

  wsman::RequestHeader header(std::string message_id) const {
    return {.to = transport.endpoint_,
            .message_id = std::move(message_id),
            .max_envelope_size = settings.max_envelope_size,
            .operation_timeout_seconds = static_cast<int>(settings.operation_timeout.count())};
  }

  Outcome timed_out() const {
    return fail(FailureKind::kTimeout, fmt::format("winrm: {} did not answer before the request's deadline", where()));
  }

  /// Posts one envelope built by `build` (given the header) and sorts out the answer. `limit`:
  /// the overall deadline, or a cleanup deadline of its own. `retry_connect`: try up to three
  /// times with backoff when no connection could be made (only before a shell exists).
  template <typename Build>
  Exchange call(std::string_view step, Build build, Clock::time_point limit, bool retry_connect) {
    Exchange out;
    wsman::RequestHeader request_header = header(new_message_id());
    std::string envelope = build(request_header);
    HttpResult http;
    milliseconds backoff = settings.retry_backoff;
    int tries = 0;
    bool bounded_by_limit = false;  // the post was given only what was left before `limit`
    for (int attempt = 1;; ++attempt) {
      tries = attempt;
      auto remaining = std::chrono::duration_cast<milliseconds>(limit - Clock::now());
      if (remaining <= milliseconds::zero()) {
        out.failure = timed_out();
        out.at_deadline = limit == deadline;
        return out;
      }
      milliseconds operation = std::chrono::duration_cast<milliseconds>(settings.operation_timeout) + kReadGrace;
      bounded_by_limit = remaining < operation;
      http = transport.http_->post(envelope, std::min(remaining, operation));
      bool no_connection = http.kind == HttpResult::Kind::kConnect || http.kind == HttpResult::Kind::kResolve;
      if (!no_connection || !retry_connect || attempt == kConnectTries) break;
      if (Clock::now() + backoff >= limit) break;
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
    std::string port = std::to_string(settings.effective_port());
    // Which limit ended the post is decided by what it was given, not by reading the clock again:
    // curl may give up a millisecond before our clock says the deadline has come.
    bool hit_deadline = http.kind == HttpResult::Kind::kTimedOut && bounded_by_limit && limit == deadline;
    if (http.kind != HttpResult::Kind::kResponse && (hit_deadline || Clock::now() >= deadline)) {
      out.failure = timed_out();
      out.at_deadline = true;
      return out;
    }
    switch (http.kind) {
      case HttpResult::Kind::kResponse:
        break;
      case HttpResult::Kind::kConnect:
        if (!shell_id.empty()) {
          out.failure = fail(FailureKind::kUnreachable,
                             fmt::format("winrm: lost the connection to {} during {} ({})", where(), step, http.error));
        } else {
          out.failure =
              fail(FailureKind::kUnreachable,
                   fmt::format("winrm: cannot connect to {} ({}{}): check that a WinRM {} listener is on port {} "
                               "(winrm enumerate winrm/config/listener) and that the firewall lets TCP {} through",
                               where(), http.error, tries > 1 ? fmt::format(", {} tries", tries) : "",
                               settings.https ? "HTTPS" : "HTTP", port, port));
        }
        return out;
      case HttpResult::Kind::kDropped:
        out.failure = fail(FailureKind::kUnreachable,
                           fmt::format("winrm: lost the connection to {} during {}, after the request went out ({}); it may "
                                       "have run there, so supctl does not send it again",
                                       where(), step, http.error));
        return out;
      case HttpResult::Kind::kResolve:
        out.failure = fail(FailureKind::kUnreachable,
                           fmt::format("winrm: cannot resolve '{}' to reach port {} ({}): check the name, or set "
                                       "the host's address",
                                       settings.host, port, http.error));
        return out;
      case HttpResult::Kind::kTls:
        out.failure = fail(FailureKind::kUnreachable,
                           fmt::format("winrm: the TLS handshake with {} failed ({}): check the listener's "
                                       "certificate: it must name '{}' and chain to a trusted CA (ca_file adds one)",
                                       where(), http.error, settings.host));
        return out;
      case HttpResult::Kind::kTimedOut:
        out.failure = fail(
            FailureKind::kTimeout,
            fmt::format("winrm: {} did not answer {} within {}", where(), step,
                        describe(std::chrono::duration_cast<milliseconds>(settings.operation_timeout + kReadGrace))));
        return out;
      case HttpResult::Kind::kAuth:
        out.failure =
            fail(FailureKind::kAccessDenied, fmt::format("winrm: cannot authenticate to {}: {}", where(), http.error));
        return out;
      case HttpResult::Kind::kTampered:
        out.failure = fail(FailureKind::kFailed,
                           fmt::format("winrm: the {} response from {} was refused: {}", step, where(), http.error));
        return out;
      case HttpResult::Kind::kOther:
        out.failure = fail(FailureKind::kFailed, fmt::format("winrm: {} to {} failed: {}", step, where(), http.error));
        return out;
    }
    if (http.status == 401) {
      std::string who = settings.user.empty() ? std::string("the credentials")
                                              : fmt::format("the credentials of '{}'", settings.user);
      std::string_view auth = winrm_auth_name(settings.auth);
      out.failure = fail(FailureKind::kAccessDenied,
                         fmt::format("winrm: {} refused {} ({} authentication, HTTP 401): check user, password and "
                                     "auth, and that the service allows {} (winrm get winrm/config/service/auth)",
                                     where(), who, auth, auth));
      return out;
    }
    wsman::Response response = wsman::parse_response(http.body);
    if (response.fault) {
      out.fault = std::move(response.fault);
      return out;
    }
    if (http.status != 200) {
      out.failure =
          fail(FailureKind::kFailed, fmt::format("winrm: {} answered HTTP {} to {}{}", where(), http.status, step,
                                                 response.error.empty() ? "" : " without a SOAP fault"));
      return out;
    }
    if (!response.error.empty()) {
      out.failure = fail(FailureKind::kFailed, fmt::format("winrm: {} from {}: {}", step, where(), response.error));
      return out;
    }
    if (!response.relates_to.empty() && response.relates_to != request_header.message_id) {
      out.failure = fail(FailureKind::kFailed,
                         fmt::format("winrm: the {} response from {} answers another request (RelatesTo '{}')", step,
                                     where(), response.relates_to));
      return out;
    }
    out.body = std::move(http.body);
    return out;
  }

  Outcome fault_failure(std::string_view step, const wsman::Fault& fault) const {
    return fail(FailureKind::kFailed, fmt::format("winrm: {} on {} failed: {}", step, where(), fault.describe()));
  }

  Outcome bad_response(std::string_view step, const std::string& error) const {
    return fail(FailureKind::kFailed, fmt::format("winrm: {} from {}: {}", step, where(), error));
  }

  /// Create the shell and start the bootstrap in it. `*quota`: a quota fault, worth a new shell.
  std::optional<Outcome> start(const std::vector<std::string>& arguments, bool* quota) {
    Exchange created = call(
        "Create", [&](const wsman::RequestHeader& h) { return wsman::create_shell_request(h, settings.codepage); },
        deadline, true);
    if (created.fault) {
      *quota = created.fault->quota();
      return fault_failure("Create", *created.fault);
    }
    if (created.failure) return created.failure;
    std::string error;
    auto shell = wsman::parse_shell_id(created.body, &error);
    if (!shell) return bad_response("Create", error);
    shell_id = *shell;

    Exchange started = call(
        "Command",
        [&](const wsman::RequestHeader& h) { return wsman::command_request(h, shell_id, "powershell", arguments); },
        deadline, false);
    if (started.fault) {
      *quota = started.fault->quota();
      return fault_failure("Command", *started.fault);
    }
    if (started.failure) return started.failure;
    auto command = wsman::parse_command_id(started.body, &error);
    if (!command) return bad_response("Command", error);
    command_id = *command;
    return std::nullopt;
  }

  /// A failed exchange ends the channel, unless the deadline ended it.
  Status failed(Outcome outcome, bool at_deadline = false) {
    if (at_deadline || (outcome.failure == FailureKind::kTimeout && Clock::now() >= deadline)) return Status::kTimedOut;
    ended = std::move(outcome);
    return Status::kEnded;
  }

  Status write(std::string_view bytes, Clock::time_point limit) override {
    if (ended) return Status::kEnded;
    deadline = limit;
    // Stdin in Sends of at most kMaxSendChunk bytes, none marked End: the command reads on.
    for (std::size_t offset = 0; offset < bytes.size();) {
      std::string_view chunk = bytes.substr(offset, wsman::kMaxSendChunk);
      offset += chunk.size();
      Exchange sent = call(
          "Send",
          [&](const wsman::RequestHeader& h) { return wsman::send_request(h, shell_id, command_id, chunk, false); },
          deadline, false);
      // A Send that hits the operation timeout has been delivered (as pywinrm and Ansible treat it).
      if (sent.fault && !sent.fault->timed_out()) return failed(fault_failure("Send", *sent.fault));
      if (sent.failure) return failed(*sent.failure, sent.at_deadline);
    }
    return Status::kOk;
  }

  Status read(std::string& out, Clock::time_point limit) override {
    if (ended) return Status::kEnded;
    deadline = limit;
    for (;;) {
      Exchange received = call(
          "Receive", [&](const wsman::RequestHeader& h) { return wsman::receive_request(h, shell_id, command_id); },
          deadline, false);
      if (received.fault) {
        if (received.fault->timed_out()) continue;  // no output yet
        return failed(fault_failure("Receive", *received.fault));
      }
      if (received.failure) return failed(*received.failure, received.at_deadline);
      std::string error;
      auto output = wsman::parse_receive(received.body, command_id, &error);
      if (!output) return failed(bad_response("Receive", error));
      out += output->stdout_bytes;
      stderr_text += output->stderr_bytes;
      if (output->done) {
        Outcome done;
        if (output->exit_code) {
          done.exit_code = *output->exit_code;
        } else {
          done = bad_response("Receive", "the command finished without an exit code");
        }
        ended = std::move(done);
        command_id.clear();  // nothing left to signal
      }
      if (!output->stdout_bytes.empty()) return Status::kOk;
      if (ended) return Status::kEnded;
    }
  }

  std::string take_stderr() override { return std::exchange(stderr_text, std::string()); }

  Outcome end() override {
    Outcome outcome = ended.value_or(Outcome{});
    outcome.stderr_text = take_stderr();
    cleanup();
    return outcome;
  }

  void close(std::string_view goodbye, milliseconds grace) override {
    if (!goodbye.empty() && !command_id.empty() && !ended) {
      // The stop frame and the end of stdin: PowerShell exits by itself.
      Exchange sent = call(
          "Send",
          [&](const wsman::RequestHeader& h) { return wsman::send_request(h, shell_id, command_id, goodbye, true); },
          Clock::now() + grace, false);
      (void)sent;
    }
    cleanup();
  }

  /// Signal terminate to the command and Delete the shell; failures here are not reported (the
  /// outcome is already known), each step has cleanup_timeout.
  void cleanup() {
    if (!command_id.empty()) {
      call(
          "Signal", [&](const wsman::RequestHeader& h) { return wsman::signal_request(h, shell_id, command_id); },
          Clock::now() + settings.cleanup_timeout, false);
      command_id.clear();
    }
    if (!shell_id.empty()) {
      call(
          "Delete", [&](const wsman::RequestHeader& h) { return wsman::delete_shell_request(h, shell_id); },
          Clock::now() + settings.cleanup_timeout, false);
      shell_id.clear();
    }
  }
};

WinRmTransport::WinRmTransport(WinRmSettings settings) : settings_(std::move(settings)) {
  std::string host = settings_.host.find(':') != std::string::npos && !settings_.host.starts_with('[')
                         ? "[" + settings_.host + "]"
                         : settings_.host;
  int port = settings_.effective_port();
  endpoint_ = fmt::format("{}://{}:{}/wsman", settings_.https ? "https" : "http", host, port);
  std::string where = fmt::format("{}:{}", settings_.host, port);
  if (settings_.host.empty()) {
    config_error_ = "winrm: no host to connect to";
  } else if (!settings_.https && settings_.auth == WinRmAuth::kBasic) {
    config_error_ = fmt::format(
        "winrm: basic authentication over plain HTTP to {} would send the password in clear, and supctl refuses it "
        "even with allow_unencrypted = true: use https = true, or auth = \"negotiate\", \"kerberos\" or \"ntlm\" "
        "(which seal every message)",
        where);
  } else if (settings_.delegate && (settings_.auth == WinRmAuth::kNtlm || settings_.auth == WinRmAuth::kBasic)) {
    config_error_ = fmt::format(
        "winrm: delegate = true for {} needs Kerberos, which {} authentication is not: use auth = \"kerberos\" or "
        "\"negotiate\" with a Kerberos ticket, or remove delegate",
        where, winrm_auth_name(settings_.auth));
  } else if (!settings_.https && settings_.allow_unencrypted) {
    warnings_.push_back(fmt::format(
        "winrm: {} is reached over plain HTTP without encryption (allow_unencrypted = true): scripts, parameters and "
        "output cross the network in clear, and the service must allow it (AllowUnencrypted); use this on a lab "
        "network only, or remove allow_unencrypted to have supctl seal every message",
        where));
  }
  bool seal = !settings_.https && !settings_.allow_unencrypted;
  http_ = std::make_unique<WinRmHttp>(WinRmHttpSettings{.url = endpoint_,
                                                        .host = settings_.host,
                                                        .auth = settings_.auth,
                                                        .user = settings_.user,
                                                        .password = settings_.password,
                                                        .ca_file = settings_.ca_file,
                                                        .delegate = settings_.delegate,
                                                        .seal = seal,
                                                        .connect_timeout = settings_.connect_timeout});
}

WinRmTransport::~WinRmTransport() {
  http_.reset();
  OPENSSL_cleanse(settings_.password.data(), settings_.password.size());
}

std::unique_ptr<Channel> WinRmTransport::open(const std::vector<std::string>& arguments, Clock::time_point deadline,
                                              Outcome* failure) {
  if (!config_error_.empty()) {
    *failure = transport_failure(FailureKind::kFailed, config_error_);
    return nullptr;
  }
  for (int attempt = 1;; ++attempt) {
    auto shell = std::make_unique<Shell>(*this, settings_);
    shell->deadline = deadline;
    bool quota = false;
    std::optional<Outcome> refused = shell->start(arguments, &quota);
    if (!refused) return shell;
    shell->cleanup();
    *failure = std::move(*refused);
    if (!quota) return nullptr;
    if (attempt == 2) {
      failure->error +=
          "; a new shell hit the quota too: close other WinRM sessions of this user, or raise "
          "MaxShellsPerUser / MaxConcurrentOperationsPerUser (winrm get winrm/config/winrs)";
      return nullptr;
    }
  }
}

}  // namespace supctl::powershell
