#include "backends/powershell/local.h"

#include <fmt/format.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <utility>

#include "backends/powershell/process.h"
#include "backends/powershell/process_channel.h"

namespace supctl::powershell {
namespace {

using plugin::FailureKind;

/// Tried in this order: Windows PowerShell where it exists, else PowerShell 7.
constexpr std::string_view kPrograms[] = {"powershell.exe", "pwsh"};

}  // namespace

LocalTransport::LocalTransport(LocalSettings settings) : settings_(std::move(settings)) {}

std::unique_ptr<Channel> LocalTransport::open(const std::vector<std::string>& arguments, Clock::time_point,
                                              Outcome* failure) {
  const std::string search_path = search_path_of(settings_.environment);
  std::optional<std::filesystem::path> program;
  for (std::string_view candidate : kPrograms) {
    if ((program = find_program(candidate, search_path))) break;
  }
  if (!program) {
    *failure = transport_failure(
        FailureKind::kUnreachable,
        fmt::format("local: cannot run PowerShell for '{}': neither 'powershell.exe' nor 'pwsh' is on PATH ('{}'); "
                    "check that PowerShell is installed (Windows PowerShell, or PowerShell 7 as pwsh) and on PATH",
                    settings_.host, search_path));
    return nullptr;
  }

  ProcessRequest request;
  request.program = program->string();
  request.arguments = arguments;
  request.environment = settings_.environment;
  std::string error;
  std::unique_ptr<ChildProcess> child = ChildProcess::start(request, &error);
  if (!child) {
    *failure = transport_failure(FailureKind::kFailed,
                                 fmt::format("local: cannot run PowerShell for '{}': {}", settings_.host, error));
    return nullptr;
  }
  return std::make_unique<ProcessChannel>(
      std::move(child), [host = settings_.host, path = program->string()](const ChildProcess& ended, std::string err) {
        const int status = ended.status();
        if (WIFSIGNALED(status)) {
          const int signal = WTERMSIG(status);
          Outcome outcome = transport_failure(
              FailureKind::kFailed, fmt::format("local: PowerShell ('{}') for '{}' was ended by signal {} (SIG{})", path,
                                                host, signal, sigabbrev_np(signal) != nullptr ? sigabbrev_np(signal) : "?"));
          outcome.stderr_text = std::move(err);
          return outcome;
        }
        Outcome outcome;
        outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        outcome.stderr_text = std::move(err);
        return outcome;
      });
}

}  // namespace supctl::powershell
