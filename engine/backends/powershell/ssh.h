#pragma once
/// The ssh transport: the system OpenSSH client runs `powershell <arguments>` on a Windows host
/// running the OpenSSH server; one ssh process is one session's channel (its stdin and stdout
/// carry the frames). The user's ~/.ssh/config, agent and jump hosts apply; authentication is by
/// key only (BatchMode); one control master per transport carries every session after the first.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/powershell/process.h"
#include "backends/powershell/transport.h"

namespace supctl::powershell {

/// Where and how to connect: the [host] table's ssh settings, plus knobs the manifest does not
/// have (timeouts, retries, the client program) whose defaults suit real use.
struct SshSettings {
  std::string host;           ///< the host's name in the manifest; what is connected to unless `address` is set
  std::string address;        ///< [host] address; empty: connect to `host`
  std::optional<int> port;    ///< [host.ssh] port; nullopt: ssh's own choice (~/.ssh/config, else 22)
  std::string user;           ///< [host.ssh] user, else [host] user; empty: ssh's own choice
  std::string identity_file;  ///< [host.ssh] identity_file; empty: ssh's own keys and agent
  /// [host.ssh] known_hosts_file; set: the host key is checked strictly against this file only.
  /// Empty: ~/.ssh/known_hosts under the user's own checking policy. Checking is never disabled.
  std::string known_hosts_file;

  std::chrono::seconds connect_timeout{10};  ///< ssh's ConnectTimeout, within the request's timeout
  /// Tries when the connection itself fails (refused, DNS, route) before anything ran.
  int connect_attempts = 3;
  /// The wait before the 2nd, 3rd, ... try; the last repeats.
  std::vector<std::chrono::milliseconds> retry_delays{std::chrono::seconds(1), std::chrono::seconds(2)};
  std::string ssh_program = "ssh";  ///< a name looked up on PATH, or a path
  std::string config_file;          ///< ssh -F; empty: ssh's own (~/.ssh/config); "none" reads none
  /// Variables set (a value) or removed (nullopt) for ssh, on top of supctl's own environment.
  std::map<std::string, std::optional<std::string>> environment;
};

/// What ssh's own messages (its -E log) say about a run that ended with status 255.
struct SshProblem {
  enum class Kind {
    kNone,            ///< no message of ssh's: the remote command itself exited with 255
    kConnect,         ///< no connection before anything ran (refused, DNS, no route): worth a retry
    kConnectTimeout,  ///< the connection was not made within ConnectTimeout: worth a retry
    kHostKey,         ///< the host key is unknown or changed: ssh refused to go on
    kAuth,            ///< the server refused every key
    kOther,           ///< anything else (including a connection lost mid-run): never retried
  };
  Kind kind = Kind::kNone;
  std::string message;  ///< ssh's own line(s) that say so, joined with "; "
};

SshProblem classify_ssh_log(std::string_view log);

class SshTransport final : public Transport {
 public:
  explicit SshTransport(SshSettings settings);
  /// Stops the control master (ssh -O exit) and removes the private control directory.
  ~SshTransport() override;
  SshTransport(const SshTransport&) = delete;
  SshTransport& operator=(const SshTransport&) = delete;

  /// One `ssh ... powershell <arguments>` process. Its end is read from its -E log: exit 255 with a
  /// message of ssh's is ssh's failure (a refused host key: unreachable; a refused key:
  /// access_denied; refused, DNS, routing and connect timeouts: never_ran, tried again as
  /// reconnect_delay() says; anything else: failed), without one PowerShell's own exit code.
  std::unique_ptr<Channel> open(const std::vector<std::string>& arguments, Clock::time_point deadline,
                                Outcome* failure) override;
  std::string_view name() const override { return "ssh"; }
  /// retry_delays, for up to connect_attempts tries in all.
  std::optional<std::chrono::milliseconds> reconnect_delay(int attempt) const override;
  /// Over a connection of its own: taskkill /F /T on the server (the process and what it started),
  /// Stop-Process where there is no taskkill.
  void end_remote(long pid, std::chrono::milliseconds limit) override;

  /// The arguments after `ssh` of one session, its -E log file given.
  std::vector<std::string> command_line(const std::vector<std::string>& arguments, std::chrono::seconds connect_timeout,
                                        const std::filesystem::path& log_file) const;
  /// The private directory (mode 0700) that holds the control socket; empty when it could not be made.
  const std::filesystem::path& control_directory() const { return control_directory_; }
  /// Whether a control master is up for this host (ssh -O check).
  bool master_running() const;

 private:
  /// -F, -p and -l: with the destination, what names the control master (ssh's %C).
  std::vector<std::string> connection_options() const;
  std::string control_path_option() const;  ///< "ControlPath=<control directory>/%C"
  /// ssh -O `operation` (check, exit) for this host's control master.
  std::vector<std::string> control_command(std::string_view operation) const;
  std::string destination() const;
  std::string where() const;  ///< "'host' at 'address' port N as 'user'", for messages
  /// How the ssh process of a channel ended, from its status, stderr and -E log (removed here).
  Outcome ended(const ChildProcess& child, std::string stderr_text, const std::filesystem::path& log_file) const;

  SshSettings settings_;
  std::filesystem::path control_directory_;
  std::string setup_error_;  ///< why the control directory could not be made
  unsigned run_count_ = 0;  ///< channels opened, for their log files' names
};

}  // namespace supctl::powershell
