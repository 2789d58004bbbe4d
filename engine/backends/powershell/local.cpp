#include "backends/powershell/local.h"

#include <fmt/format.h>
#include <signal.h>
#include <string.h>

#include <utility>

#include "backends/powershell/process.h"

namespace supctl::powershell {
namespace {

using model::FailureKind;

/// Tried in this order: Windows PowerShell where it exists, else PowerShell 7.
constexpr std::string_view kPrograms[] = {"powershell.exe", "pwsh"};

std::string seconds(std::chrono::milliseconds duration) {
  return fmt::format("{:g} s", static_cast<double>(duration.count()) / 1000.0);
}

}  // namespace

LocalTransport::LocalTransport(LocalSettings settings) : settings_(std::move(settings)) {}

Outcome LocalTransport::run(const Invocation& invocation) {
  const std::string search_path = search_path_of(settings_.environment);
  std::optional<std::filesystem::path> program;
  for (std::string_view candidate : kPrograms) {
    if ((program = find_program(candidate, search_path))) break;
  }
  if (!program) {
    return transport_failure(
        FailureKind::kUnreachable,
        fmt::format("local: cannot run PowerShell for '{}': neither 'powershell.exe' nor 'pwsh' is on PATH ('{}'); "
                    "check that PowerShell is installed (Windows PowerShell, or PowerShell 7 as pwsh) and on PATH",
                    settings_.host, search_path));
  }

  ProcessRequest request;
  request.program = program->string();
  request.arguments = invocation.arguments;
  request.stdin_data = invocation.stdin_payload;
  request.environment = settings_.environment;
  request.timeout = invocation.timeout;
  ProcessResult result = run_process(request);

  switch (result.status) {
    case ProcessResult::Status::kNotStarted:
      return transport_failure(FailureKind::kFailed,
                               fmt::format("local: cannot run PowerShell for '{}': {}", settings_.host, result.error));
    case ProcessResult::Status::kTimedOut: {
      Outcome outcome = transport_failure(
          FailureKind::kTimeout,
          fmt::format("local: PowerShell ('{}') for '{}' did not finish within {} and was stopped; check what the "
                      "script waits for, or allow it more time",
                      program->string(), settings_.host, seconds(invocation.timeout)));
      outcome.stdout_text = std::move(result.stdout_text);
      outcome.stderr_text = std::move(result.stderr_text);
      return outcome;
    }
    case ProcessResult::Status::kSignaled: {
      Outcome outcome =
          transport_failure(FailureKind::kFailed,
                            fmt::format("local: PowerShell ('{}') for '{}' was ended by signal {} (SIG{})",
                                        program->string(), settings_.host, result.signal,
                                        sigabbrev_np(result.signal) != nullptr ? sigabbrev_np(result.signal) : "?"));
      outcome.stdout_text = std::move(result.stdout_text);
      outcome.stderr_text = std::move(result.stderr_text);
      return outcome;
    }
    case ProcessResult::Status::kExited:
      break;
  }
  Outcome outcome;
  outcome.exit_code = result.exit_code;
  outcome.stdout_text = std::move(result.stdout_text);
  outcome.stderr_text = std::move(result.stderr_text);
  return outcome;
}

}  // namespace supctl::powershell
