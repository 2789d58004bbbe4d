#pragma once
/// How an assembled PowerShell invocation reaches a Windows machine. The PowerShell backend
/// (backend.h) builds one Invocation per host per phase; a Transport runs it and reports what came
/// back. Transports: local (a child process), ssh (the system OpenSSH client), winrm
/// (WS-Management over libcurl), and recording ones in tests.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/operation.h"

namespace supctl::powershell {

/// Separates the script from its JSON parameters on stdin: four NUL characters, which neither
/// PowerShell text nor JSON can contain.
inline constexpr std::string_view kPayloadSentinel{"\0\0\0\0", 4};

/// One PowerShell run: a small constant bootstrap on the command line, everything else on stdin.
struct Invocation {
  /// The arguments after the program name, e.g. {"-NoProfile", "-NonInteractive",
  /// "-ExecutionPolicy", "Bypass", "-EncodedCommand", "<base64 of the UTF-16LE bootstrap>"}.
  std::vector<std::string> arguments;
  /// The payload the bootstrap reads from stdin (all of it, to end of input): the script (UTF-8),
  /// then the sentinel kPayloadSentinel, then the JSON parameters (UTF-8). Never on a command
  /// line, so no command-line limit applies; parameters are data, never spliced into script text.
  std::string stdin_payload;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};  ///< the whole run, connection included
};

/// What came back from one Invocation.
struct Outcome {
  /// kNone when PowerShell ran (whatever its exit code); otherwise the transport failed:
  /// kUnreachable (no connection: refused, DNS, host key refused), kAccessDenied (authentication),
  /// kTimeout (connect or run took longer than allowed), kFailed (anything else).
  model::FailureKind failure = model::FailureKind::kNone;
  std::string error;        ///< when failure != kNone: names the host, the transport and what to check
  int exit_code = -1;       ///< PowerShell's exit code when it ran
  std::string stdout_text;  ///< UTF-8
  std::string stderr_text;  ///< raw: may hold CLIXML (see clixml.h)
};

/// Runs invocations on one machine. Implementations must be safe to use from one thread at a
/// time; the backend creates one per host and may reuse it across phases (connection reuse).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Outcome run(const Invocation& invocation) = 0;
  /// "ssh", "winrm", "local": for error messages.
  virtual std::string_view name() const = 0;
};

/// An Outcome for a transport failure.
Outcome transport_failure(model::FailureKind kind, std::string error);

}  // namespace supctl::powershell
