#pragma once
/// A child process run to completion: arguments without a shell, a stdin payload written while
/// stdout and stderr are read (so large outputs never deadlock), a deadline that ends its whole
/// process group. The local and ssh transports run PowerShell and the OpenSSH client with it.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
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

/// Runs the request to completion. Never throws for the child's behaviour; EINTR-safe; every
/// descriptor it opens is close-on-exec and closed before it returns.
ProcessResult run_process(const ProcessRequest& request);

/// The first executable file named `name` in the ':'-separated `search_path`; nullopt if none.
std::optional<std::filesystem::path> find_program(std::string_view name, std::string_view search_path);

/// The PATH a request's program is looked up on: its environment's when it sets one, else this
/// process's ("" when unset).
std::string search_path_of(const std::map<std::string, std::optional<std::string>>& environment);

}  // namespace supctl::powershell
