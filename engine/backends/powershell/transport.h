#pragma once
/// How supctl reaches PowerShell on a Windows machine. A Transport opens a Channel: a bidirectional
/// byte stream to one PowerShell process started with the session bootstrap (protocol.h) on its
/// command line. The session (session.h) speaks the framed protocol over it, the same way for
/// every transport. Transports: local (a child process), ssh (the system OpenSSH client), winrm
/// (one WS-Management shell and command), and fakes in tests.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/operation.h"

namespace supctl::powershell {

using Clock = std::chrono::steady_clock;

/// What came back for one request, or how a channel ended.
struct Outcome {
  /// kNone when PowerShell answered (or, for an ended channel, ran and exited: exit_code); otherwise
  /// the transport failed: kUnreachable (no connection: refused, DNS, host key refused),
  /// kAccessDenied (authentication), kTimeout (connect or request took longer than allowed),
  /// kFailed (anything else, e.g. a connection lost).
  plugin::FailureKind failure = plugin::FailureKind::kNone;
  std::string error;        ///< when failure != kNone: names the host, the transport and what to check
  int exit_code = -1;       ///< PowerShell's exit code when it ended by itself; 0 for an answered request
  std::string stdout_text;  ///< UTF-8: a request's response (between its lines), or what came after its begin line
  std::string stderr_text;  ///< raw: may hold CLIXML (see clixml.h)
  /// The connection itself failed before PowerShell ran anything (refused, DNS, connect timeout):
  /// the request may be sent again on a new channel.
  bool never_ran = false;
};

/// An Outcome for a transport failure.
Outcome transport_failure(plugin::FailureKind kind, std::string error);

/// A byte stream to one PowerShell process. Every call returns by its deadline. Used from one
/// thread at a time.
class Channel {
 public:
  enum class Status {
    kOk,        ///< done: all written, or some output read
    kTimedOut,  ///< the deadline passed first
    kEnded,     ///< the process, shell or connection is gone: end() says how
  };
  virtual ~Channel() = default;
  /// Writes all of `bytes` to PowerShell's stdin (reading its output meanwhile, so neither side
  /// blocks the other).
  virtual Status write(std::string_view bytes, Clock::time_point deadline) = 0;
  /// Appends what PowerShell wrote to stdout to `out`, waiting until something arrives.
  virtual Status read(std::string& out, Clock::time_point deadline) = 0;
  /// What PowerShell wrote to stderr since the last call.
  virtual std::string take_stderr() = 0;
  /// After kEnded: how it ended, in the host's words (an exit code and stderr, or the transport's
  /// own failure, e.g. ssh's message).
  virtual Outcome end() = 0;
  /// Ends the process: writes `goodbye` (the stop frame; nothing when empty), gives PowerShell
  /// `grace` to exit by itself, then kills it (local, ssh: its process group) or terminates it
  /// (winrm: Signal and Delete). Safe to call more than once.
  virtual void close(std::string_view goodbye, std::chrono::milliseconds grace) = 0;
};

/// Opens channels to one machine. The backend makes one per host and keeps it for the command.
class Transport {
 public:
  virtual ~Transport() = default;
  /// Starts PowerShell with `arguments` (bootstrap_arguments()). nullptr with `*failure` set when
  /// it cannot even be started (no program, refused shell, bad settings); a connection that fails
  /// later shows as a channel that ends with never_ran set.
  virtual std::unique_ptr<Channel> open(const std::vector<std::string>& arguments, Clock::time_point deadline,
                                        Outcome* failure) = 0;
  /// "ssh", "winrm", "local": for error messages.
  virtual std::string_view name() const = 0;
  /// How long to wait before opening again after the `attempt`-th channel in a row ended with
  /// never_ran; nullopt: do not try again.
  virtual std::optional<std::chrono::milliseconds> reconnect_delay(int attempt) const {
    (void)attempt;
    return std::nullopt;
  }
  /// Ends the PowerShell process `pid` on the far side, with what it started, within `limit`: for a
  /// transport whose close() ends only its own side (ssh: the server keeps a command whose client
  /// went away running). Nothing by default: closing the channel ends the process there too (local:
  /// its process group; winrm: Signal terminate).
  virtual void end_remote(long pid, std::chrono::milliseconds limit) {
    (void)pid;
    (void)limit;
  }
};

}  // namespace supctl::powershell
