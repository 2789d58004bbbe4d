#include "backends/powershell/ssh.h"

#include <fmt/format.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

#include "backends/powershell/process.h"
#include "backends/powershell/process_channel.h"
#include "backends/powershell/protocol.h"

namespace supctl::powershell {
namespace {

using plugin::FailureKind;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

/// How long the control master stays after the last run (ssh's ControlPersist, seconds).
constexpr int kControlPersist = 60;
/// ssh -O check / -O exit answer at once from the local socket.
constexpr milliseconds kControlCommandTimeout{5000};
/// The longest control socket path ssh makes in the private directory: "/" + %C (40 hex digits)
/// + the ".XXXXXXXXXXXXXXXX" it appends while creating it; sun_path holds 108 bytes with the NUL.
constexpr std::size_t kSocketNameReserve = 1 + 40 + 17;
constexpr std::size_t kSunPathMax = 107;

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

/// '%' doubled: ssh expands %-tokens in file names (-i, UserKnownHostsFile, ControlPath).
std::string escape_percent(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    if (c == '%') escaped += '%';
    escaped += c;
  }
  return escaped;
}

/// A value for `ssh -o Name=value`, quoted the way ssh's option parser reads it when it holds
/// blanks, quotes or backslashes (a blank would otherwise separate two file names).
std::string option_value(std::string value) {
  if (value.find_first_of(" \t\"'\\") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

/// The PowerShell arguments pass through the remote shell (cmd.exe or PowerShell on Windows):
/// only characters no shell treats specially, as in -EncodedCommand's base64.
bool shell_safe(std::string_view argument) {
  if (argument.empty()) return false;
  return std::all_of(argument.begin(), argument.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
           c == '=' || c == '-' || c == '_' || c == '.' || c == ':';
  });
}

std::filesystem::path make_control_directory(std::string& error) {
  std::string base = "/tmp";
  if (const char* tmpdir = std::getenv("TMPDIR"); tmpdir != nullptr && *tmpdir == '/') {
    std::string candidate(tmpdir);
    while (candidate.size() > 1 && candidate.back() == '/') candidate.pop_back();
    if (candidate.size() + std::string_view("/supctl-ssh-XXXXXX").size() + kSocketNameReserve <= kSunPathMax) {
      base = candidate;
    }
  }
  std::string pattern = base + "/supctl-ssh-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {  // mode 0700: the socket is reachable by this user only
    error = fmt::format("cannot create a private directory for the ssh control socket in '{}': {}", base,
                        std::system_category().message(errno));
    return {};
  }
  return pattern;
}

std::string read_and_remove(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::error_code ec;
  std::filesystem::remove(path, ec);
  return text;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

/// ssh's notes that do not mean failure: "Warning: ..." and the "** WARNING: ..." banners.
bool is_warning(std::string_view line) { return line.starts_with("Warning:") || line.starts_with("**"); }

bool is_host_key_line(std::string_view line) {
  return contains(line, "REMOTE HOST IDENTIFICATION HAS CHANGED") || contains(line, "Host key verification failed");
}
bool is_auth_line(std::string_view line) {
  return contains(line, "Permission denied (") || contains(line, "Too many authentication failures") ||
         contains(line, "No more authentication methods");
}
bool is_connect_timeout_line(std::string_view line) {
  return (contains(line, "connect to host") && contains(line, "timed out")) ||
         contains(line, "timed out during banner exchange");
}
/// Failures before any session opened, so a retry cannot run the script twice.
bool is_connect_line(std::string_view line) {
  if (contains(line, "Could not resolve hostname") || contains(line, "kex_exchange_identification")) return true;
  if (contains(line, "open failed: connect failed")) return true;  // a jump host could not reach the host
  return contains(line, "connect to host") &&
         (contains(line, "Connection refused") || contains(line, "No route to host") ||
          contains(line, "Network is unreachable") || contains(line, "Name or service not known"));
}

}  // namespace

SshProblem classify_ssh_log(std::string_view log) {
  std::vector<std::string_view> lines = lines_of(log);
  auto first = [&](bool (*match)(std::string_view)) -> std::optional<std::string> {
    for (std::string_view line : lines) {
      if (match(line)) return std::string(line);
    }
    return std::nullopt;
  };
  // The host key check comes first: its warning banner mentions other things.
  if (auto line = first(&is_host_key_line)) {
    std::string message = *line;
    if (contains(log, "REMOTE HOST IDENTIFICATION HAS CHANGED") && !contains(message, "HAS CHANGED")) {
      message = "REMOTE HOST IDENTIFICATION HAS CHANGED; " + message;
    }
    return {SshProblem::Kind::kHostKey, message};
  }
  if (auto line = first(&is_auth_line)) return {SshProblem::Kind::kAuth, *line};
  if (auto line = first(&is_connect_timeout_line)) return {SshProblem::Kind::kConnectTimeout, *line};
  if (auto line = first(&is_connect_line)) return {SshProblem::Kind::kConnect, *line};
  std::string other;
  for (std::string_view line : lines) {
    if (is_warning(line)) continue;
    if (!other.empty()) other += "; ";
    other += line;
  }
  if (other.empty()) return {};
  return {SshProblem::Kind::kOther, other};
}

SshTransport::SshTransport(SshSettings settings) : settings_(std::move(settings)) {
  control_directory_ = make_control_directory(setup_error_);
}

SshTransport::~SshTransport() {
  if (control_directory_.empty()) return;
  std::error_code ec;
  if (!std::filesystem::is_empty(control_directory_, ec)) {
    ProcessRequest request;
    request.program = settings_.ssh_program;
    request.arguments = control_command("exit");
    request.environment = settings_.environment;
    request.timeout = kControlCommandTimeout;
    run_process(request);
  }
  std::filesystem::remove_all(control_directory_, ec);
}

std::string SshTransport::destination() const { return settings_.address.empty() ? settings_.host : settings_.address; }

std::string SshTransport::where() const {
  std::string text = fmt::format("'{}'", settings_.host);
  if (!settings_.address.empty() && settings_.address != settings_.host)
    text += fmt::format(" at '{}'", settings_.address);
  if (settings_.port) text += fmt::format(" port {}", *settings_.port);
  if (!settings_.user.empty()) text += fmt::format(" as '{}'", settings_.user);
  return text;
}

std::vector<std::string> SshTransport::connection_options() const {
  std::vector<std::string> args;
  if (!settings_.config_file.empty()) args.insert(args.end(), {"-F", settings_.config_file});
  if (settings_.port) args.insert(args.end(), {"-p", std::to_string(*settings_.port)});
  if (!settings_.user.empty()) args.insert(args.end(), {"-l", settings_.user});
  return args;
}

std::string SshTransport::control_path_option() const {
  return "ControlPath=" + option_value(escape_percent(control_directory_.string()) + "/%C");
}

std::vector<std::string> SshTransport::control_command(std::string_view operation) const {
  std::vector<std::string> args = connection_options();
  args.insert(args.end(), {"-o", control_path_option(), "-O", std::string(operation), "--", destination()});
  return args;
}

std::vector<std::string> SshTransport::command_line(const std::vector<std::string>& arguments,
                                                    std::chrono::seconds connect_timeout,
                                                    const std::filesystem::path& log_file) const {
  std::vector<std::string> args{"-T", "-o", "BatchMode=yes", "-o",
                                fmt::format("ConnectTimeout={}", connect_timeout.count())};
  std::vector<std::string> connection = connection_options();
  args.insert(args.end(), connection.begin(), connection.end());
  if (!settings_.identity_file.empty()) {
    // Only that key (from the file, or the agent holding it): an agent with many keys would
    // otherwise use up the server's MaxAuthTries first.
    args.insert(args.end(), {"-i", escape_percent(settings_.identity_file), "-o", "IdentitiesOnly=yes"});
  }
  if (!settings_.known_hosts_file.empty()) {
    args.insert(args.end(), {"-o", "UserKnownHostsFile=" + option_value(escape_percent(settings_.known_hosts_file)),
                             "-o", "StrictHostKeyChecking=yes"});
  }
  args.insert(args.end(), {"-o", "ControlMaster=auto", "-o", control_path_option(), "-o",
                           fmt::format("ControlPersist={}", kControlPersist)});
  // ssh's own messages go to the log, so that stderr holds only PowerShell's.
  args.insert(args.end(), {"-E", log_file.string(), "--", destination(), "powershell"});
  args.insert(args.end(), arguments.begin(), arguments.end());
  return args;
}

bool SshTransport::master_running() const {
  if (control_directory_.empty()) return false;
  ProcessRequest request;
  request.program = settings_.ssh_program;
  request.arguments = control_command("check");
  request.environment = settings_.environment;
  request.timeout = kControlCommandTimeout;
  ProcessResult result = run_process(request);
  return result.status == ProcessResult::Status::kExited && result.exit_code == 0;
}

void SshTransport::end_remote(long pid, milliseconds limit) {
  // The same constant-shape command line as the session's, so that a server that runs only
  // supctl's PowerShell (a forced command, the test estate) runs this too; the pid is a number.
  const std::string script = fmt::format(
      "$k=$false;try{{& taskkill.exe /F /T /PID {0} 2>&1|Out-Null;$k=$LASTEXITCODE -eq 0}}catch{{}}\n"
      "if(-not $k){{Stop-Process -Id {0} -Force -ErrorAction SilentlyContinue}}\n",
      pid);
  ProcessRequest request;
  request.program = settings_.ssh_program;
  request.arguments = command_line(encoded_command_arguments(script), settings_.connect_timeout, control_directory_.empty() ? "/dev/null" : control_directory_ / "end.log");
  request.environment = settings_.environment;
  request.timeout = limit;
  run_process(request);
}

std::optional<milliseconds> SshTransport::reconnect_delay(int attempt) const {
  if (attempt >= std::max(1, settings_.connect_attempts)) return std::nullopt;
  const auto& delays = settings_.retry_delays;
  return delays.empty() ? milliseconds(0) : delays[std::min<std::size_t>(attempt - 1, delays.size() - 1)];
}

Outcome SshTransport::ended(const ChildProcess& child, std::string stderr_text, const std::filesystem::path& log_file) const {
  const std::string log = read_and_remove(log_file);
  const int status = child.status();
  if (WIFSIGNALED(status)) {
    return transport_failure(FailureKind::kFailed,
                             fmt::format("ssh to {}: the ssh client was ended by signal {}", where(), WTERMSIG(status)));
  }
  Outcome outcome;
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  outcome.stderr_text = std::move(stderr_text);
  SshProblem problem = outcome.exit_code == 255 ? classify_ssh_log(log) : SshProblem{};
  switch (problem.kind) {
    case SshProblem::Kind::kNone:
      return outcome;
    case SshProblem::Kind::kHostKey: {
      std::string file = settings_.known_hosts_file.empty() ? std::string("~/.ssh/known_hosts")
                                                            : fmt::format("'{}'", settings_.known_hosts_file);
      return transport_failure(
          FailureKind::kUnreachable,
          fmt::format("ssh to {}: the host key was refused ({}); check the host key: get the server's key "
                      "fingerprint on the server itself (ssh-keygen -lf on its host key), and add or correct the "
                      "host's entry in {} when it matches",
                      where(), problem.message, file));
    }
    case SshProblem::Kind::kAuth: {
      std::string key = settings_.identity_file.empty() ? std::string("a key of your ssh agent or ~/.ssh")
                                                        : fmt::format("the key '{}'", settings_.identity_file);
      return transport_failure(
          FailureKind::kAccessDenied,
          fmt::format("ssh to {}: the login was refused ({}); check that {} is authorized for that user on the "
                      "server (authorized_keys; administrators_authorized_keys for administrators on Windows); "
                      "passwords are never used (BatchMode)",
                      where(), problem.message, key));
    }
    case SshProblem::Kind::kOther:
      return transport_failure(FailureKind::kFailed,
                               fmt::format("ssh to {}: failed (exit 255): {}; check the host's [host.ssh] settings "
                                           "and your ssh configuration",
                                           where(), problem.message));
    case SshProblem::Kind::kConnect:
    case SshProblem::Kind::kConnectTimeout:
      break;
  }
  Outcome failed = transport_failure(
      problem.kind == SshProblem::Kind::kConnectTimeout ? FailureKind::kTimeout : FailureKind::kUnreachable,
      fmt::format("ssh to {}: no connection ({}); check that the host is up and its name resolves, that the OpenSSH "
                  "server (sshd) runs there and listens on that port, and that no firewall blocks it",
                  where(), problem.message));
  failed.never_ran = true;
  return failed;
}

std::unique_ptr<Channel> SshTransport::open(const std::vector<std::string>& arguments, Clock::time_point deadline,
                                            Outcome* failure) {
  if (!setup_error_.empty()) {
    *failure = transport_failure(FailureKind::kFailed, fmt::format("ssh to {}: {}", where(), setup_error_));
    return nullptr;
  }
  for (const std::string& argument : arguments) {
    if (!shell_safe(argument)) {
      *failure = transport_failure(FailureKind::kFailed,
                                   fmt::format("ssh to {}: the PowerShell argument '{}' is not safe to pass through the "
                                               "remote shell (letters, digits and + / = - _ . : only)",
                                               where(), argument));
      return nullptr;
    }
  }
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
  const auto connect_timeout = std::clamp(std::chrono::ceil<std::chrono::seconds>(left), std::chrono::seconds(1),
                                          std::max(settings_.connect_timeout, std::chrono::seconds(1)));
  const std::filesystem::path log_file = control_directory_ / fmt::format("ssh-{}.log", ++run_count_);

  ProcessRequest request;
  request.program = settings_.ssh_program;
  request.arguments = command_line(arguments, connect_timeout, log_file);
  request.environment = settings_.environment;
  std::string error;
  std::unique_ptr<ChildProcess> child = ChildProcess::start(request, &error);
  if (!child) {
    *failure = transport_failure(
        FailureKind::kUnreachable,
        fmt::format("ssh to {}: cannot run the OpenSSH client: {}; check that it is installed (openssh-client)",
                    where(), error));
    return nullptr;
  }
  return std::make_unique<ProcessChannel>(std::move(child), [this, log_file](const ChildProcess& ended_child, std::string err) {
    return ended(ended_child, std::move(err), log_file);
  });
}

}  // namespace supctl::powershell
