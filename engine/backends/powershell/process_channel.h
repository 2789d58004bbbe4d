#pragma once
/// A Channel (transport.h) over a ChildProcess (process.h): the local transport's PowerShell and
/// the ssh transport's client. Only how the end is described differs between them.

#include <functional>
#include <memory>

#include "backends/powershell/process.h"
#include "backends/powershell/transport.h"

namespace supctl::powershell {

class ProcessChannel final : public Channel {
 public:
  /// Turns how the child ended (it has exited, or was killed) and its remaining stderr into end().
  using Describe = std::function<Outcome(const ChildProcess& child, std::string stderr_text)>;
  ProcessChannel(std::unique_ptr<ChildProcess> child, Describe describe);
  ~ProcessChannel() override;

  Status write(std::string_view bytes, Clock::time_point deadline) override;
  Status read(std::string& out, Clock::time_point deadline) override;
  std::string take_stderr() override;
  Outcome end() override;
  void close(std::string_view goodbye, std::chrono::milliseconds grace) override;

 private:
  std::unique_ptr<ChildProcess> child_;
  Describe describe_;
};

}  // namespace supctl::powershell
