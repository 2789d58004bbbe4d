#include "backends/powershell/process_channel.h"

namespace supctl::powershell {
namespace {

using std::chrono::milliseconds;

/// How long an ended child may take to exit after its stdout closed, before it is killed.
constexpr milliseconds kExitWait{2000};

Channel::Status status_of(ChildProcess::Io io) {
  switch (io) {
    case ChildProcess::Io::kOk:
      return Channel::Status::kOk;
    case ChildProcess::Io::kTimedOut:
      return Channel::Status::kTimedOut;
    case ChildProcess::Io::kEnded:
      break;
  }
  return Channel::Status::kEnded;
}

}  // namespace

ProcessChannel::ProcessChannel(std::unique_ptr<ChildProcess> child, Describe describe)
    : child_(std::move(child)), describe_(std::move(describe)) {}

ProcessChannel::~ProcessChannel() { close({}, milliseconds(0)); }

Channel::Status ProcessChannel::write(std::string_view bytes, Clock::time_point deadline) {
  return status_of(child_->write(bytes, deadline));
}

Channel::Status ProcessChannel::read(std::string& out, Clock::time_point deadline) {
  Status status = status_of(child_->read(deadline));
  out += child_->stdout_text();
  child_->stdout_text().clear();
  return status;
}

std::string ProcessChannel::take_stderr() { return std::exchange(child_->stderr_text(), std::string()); }

Outcome ProcessChannel::end() {
  child_->close_stdin();
  if (!child_->wait(Clock::now() + kExitWait)) child_->kill(milliseconds(0));
  return describe_(*child_, take_stderr());
}

void ProcessChannel::close(std::string_view goodbye, std::chrono::milliseconds grace) {
  if (child_->exited()) return;
  const auto deadline = Clock::now() + grace;
  if (!goodbye.empty()) child_->write(goodbye, deadline);
  child_->close_stdin();
  if (!child_->wait(deadline)) child_->kill(milliseconds(0));
}

}  // namespace supctl::powershell
