#pragma once
/// Child processes without a shell, in a process group of their own, every descriptor close-on-exec:
/// ChildProcess, one kept running and talked to (the local and ssh transports' PowerShell
/// sessions), and run_process, one run to completion (ssh's control commands). Both write stdin
/// while they drain stdout and stderr, so large outputs never deadlock, and end the whole process
/// group at a deadline.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace supctl::powershell {

struct ProcessRequest {
  /// A path (holding a '/'), or a name looked up on PATH (the PATH of `environment` when it sets
  /// one, else this process's).
  std::string program;
  std::vector<std::string> arguments;  ///< after the program name; passed as they are, no shell
  std::string stdin_data;              ///< written in full, then stdin is closed; may be megabytes
  /// Variables set (a value) or removed (nullopt) on top of this process's environment.
  std::map<std::string, std::optional<std::string>> environment;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};  ///< from start to exit
  /// After the timeout: SIGTERM to the process group, then SIGKILL when it has not ended this
  /// much later.
  std::chrono::milliseconds kill_grace{std::chrono::seconds(2)};
};

struct ProcessResult {
  enum class Status {
    kExited,      ///< it ended by itself: exit_code holds its status
    kSignaled,    ///< a signal ended it (not one of ours): signal holds it
    kTimedOut,    ///< the timeout passed; its process group was killed
    kNotStarted,  ///< it could not be started: error says why
  };
  Status status = Status::kNotStarted;
  int exit_code = -1;  ///< when kExited
  int signal = 0;      ///< when kSignaled
  std::string stdout_text;
  std::string stderr_text;
  std::size_t stdin_written = 0;  ///< less than the payload when the program closed its stdin early
  std::string error;              ///< when kNotStarted, e.g. "'pwsh' is not on PATH"
};

/// A running child whose stdin, stdout and stderr are pipes to this process. Every call returns by
/// its deadline; EINTR-safe; SIGPIPE cannot end supctl when the child stops reading. Destroying
/// it kills the process group if the child still runs.
class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Io {
    kOk,        ///< all written, or new output read
    kTimedOut,  ///< the deadline passed first
    kEnded,     ///< write: the child stopped reading; read: its stdout reached the end
  };

  /// Starts `request.program` with its arguments and environment (its stdin_data, timeout and
  /// kill_grace are not used here). nullptr with `*error` saying why when it cannot be started.
  static std::unique_ptr<ChildProcess> start(const ProcessRequest& request, std::string* error);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Writes all of `bytes` to the child's stdin, reading its output meanwhile.
  Io write(std::string_view bytes, Clock::time_point deadline);
  /// Waits until more stdout arrives (in stdout()), stdout ends, or the deadline.
  Io read(Clock::time_point deadline);
  /// Ends the child's input.
  void close_stdin();
  /// Waits for the child to exit and its output to end (reading it), until the deadline. After the
  /// exit, output is read while it still arrives, for at most 2 s of quiet: a descendant that
  /// outlives the child may hold the pipes open forever. True once the child has exited.
  bool wait(Clock::time_point deadline);
  /// SIGTERM to the process group, SIGKILL to what is left of it after `grace` (or at once when
  /// the child has exited); reaps the child. Nothing when it was already reaped and killed.
  void kill(std::chrono::milliseconds grace);

  std::string& stdout_text() { return stdout_; }  ///< what stdout has brought; the caller may consume it
  std::string& stderr_text() { return stderr_; }  ///< what stderr has brought; the caller may consume it
  std::size_t stdin_written() const { return written_; }  ///< bytes written to stdin in all
  bool exited() const { return reaped_; }
  int status() const { return status_; }  ///< the waitpid() status, once exited()
  pid_t pid() const { return pid_; }
  const std::string& error() const { return error_; }  ///< set when poll() itself failed

 private:
  struct Pipes;
  ChildProcess();
  /// One poll() round (at most until `deadline`, and briefly): writes from `pending` at `*offset`,
  /// reads stdout and stderr, reaps the child.
  void step(Clock::time_point deadline, std::string_view pending, std::size_t* offset);

  std::unique_ptr<Pipes> pipes_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  bool killed_ = false;
  int status_ = 0;
  std::size_t written_ = 0;
  Clock::time_point last_output_;
  std::string stdout_;
  std::string stderr_;
  std::string error_;
};

/// Runs the request to completion. Never throws for the child's behaviour; EINTR-safe; every
/// descriptor it opens is close-on-exec and closed before it returns.
ProcessResult run_process(const ProcessRequest& request);

/// The first executable file named `name` in the ':'-separated `search_path`; nullopt if none.
std::optional<std::filesystem::path> find_program(std::string_view name, std::string_view search_path);

/// The PATH a request's program is looked up on: its environment's when it sets one, else this
/// process's ("" when unset).
std::string search_path_of(const std::map<std::string, std::optional<std::string>>& environment);

}  // namespace supctl::powershell
