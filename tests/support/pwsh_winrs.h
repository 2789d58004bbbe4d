#pragma once
/// A WinRS shell service for the tests' WinRM responder whose commands run for real on this
/// machine, meant for the real pwsh: the end-to-end tests' far side of `transport = "winrm"`.
//
// Create opens a shell; Command splits the Windows command line the client gives (rsp:Command, then
// rsp:Arguments) as Windows does, maps its program ("powershell", "powershell.exe", "pwsh", ...) to a
// local one, e.g. the estate's wrapper tests/pwsh/estate/powershell around build/tools/powershell/pwsh,
// and starts it; Send writes its stdin (End closes it); Receive returns its stdout and stderr as they
// come, and CommandState Done with its exit code once it has ended; Signal terminate ends it; Delete
// ends the shell's commands. Every command still running is ended when the service is destroyed.

#include <pugixml.hpp>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/powershell/process.h"
#include "support/wsman_responder.h"

namespace supctl::test {

/// The arguments of a Windows command line, split as CommandLineToArgvW does: white space separates
/// arguments outside double quotes; 2n backslashes before a quote are n backslashes and the quote
/// opens or closes; 2n+1 are n backslashes and a literal quote; other backslashes are themselves.
inline std::vector<std::string> split_windows_command_line(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    std::string argument;
    bool quoted = false;
    while (i < line.size() && (quoted || (line[i] != ' ' && line[i] != '\t'))) {
      std::size_t backslashes = 0;
      while (i < line.size() && line[i] == '\\') {
        ++backslashes;
        ++i;
      }
      if (i < line.size() && line[i] == '"') {
        argument.append(backslashes / 2, '\\');
        if (backslashes % 2 == 1) {
          argument += '"';
        } else if (quoted && i + 1 < line.size() && line[i + 1] == '"') {
          argument += '"';  // "" inside quotes: a literal quote
          ++i;
        } else {
          quoted = !quoted;
        }
        ++i;
      } else {
        argument.append(backslashes, '\\');
        if (i < line.size() && (quoted || (line[i] != ' ' && line[i] != '\t'))) argument += line[i++];
      }
    }
    out.push_back(std::move(argument));
  }
  return out;
}

class PwshWinRs {
 public:
  struct Options {
    /// What a Windows program name runs here: keys in lower case without ".exe" ("powershell",
    /// "pwsh"); a command naming anything else is answered with the fault Windows gives for a
    /// program it cannot find.
    std::map<std::string, std::filesystem::path> programs;
    /// Set (or, nullopt, removed) for every command, on top of this process's environment.
    /// TERM=dumb by default: pwsh writes no terminal escapes into stdout.
    std::map<std::string, std::optional<std::string>> environment{{"TERM", "dumb"}};
    /// How long a Receive waits for output before it answers "Running" with none (WinRM holds a
    /// Receive until there is output or its OperationTimeout passes).
    std::chrono::milliseconds receive_wait{std::chrono::seconds(1)};
  };

  /// One command started, as the client gave it and as it ran here.
  struct Started {
    std::string shell_id;
    std::string command_id;
    std::string command_line;            ///< rsp:Command, a space, rsp:Arguments
    std::filesystem::path program;       ///< the local program it ran
    std::vector<std::string> arguments;  ///< after the program, split as Windows does
  };

  explicit PwshWinRs(Options options) : options_(std::move(options)) {}
  ~PwshWinRs() {
    std::lock_guard lock(mutex_);
    for (auto& [id, command] : commands_) {
      std::lock_guard command_lock(command->mutex);
      if (command->child) command->child->kill(std::chrono::seconds(2));
    }
  }
  PwshWinRs(const PwshWinRs&) = delete;
  PwshWinRs& operator=(const PwshWinRs&) = delete;

  /// The responder's handler; this service must outlive the responder.
  Handler handler() {
    return [this](const HttpRequest& request) { return answer(request); };
  }

  std::vector<Started> started() const {
    std::lock_guard lock(mutex_);
    return started_;
  }

  /// Shells created and not deleted.
  std::size_t open_shells() const {
    std::lock_guard lock(mutex_);
    return shells_.size();
  }

 private:
  static constexpr std::string_view kShellUri = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell";

  struct Command {
    std::mutex mutex;  ///< held by one step on this command at a time
    std::string shell_id;
    std::unique_ptr<powershell::ChildProcess> child;
    bool done = false;  ///< Done was answered: stdout ended and the exit code is known
  };

  Reply answer(const HttpRequest& request) {
    namespace r = wsman_reply;
    pugi::xml_document doc;
    doc.load_buffer(request.body.data(), request.body.size());
    const std::string step = r::step(request);
    const std::string shell_id = doc.select_node("//*[local-name()='Selector'][@Name='ShellId']").node().text().get();
    if (step == "Create") {
      std::lock_guard lock(mutex_);
      std::string id = "C0FFEE00-0000-4000-8000-" + fmt::format("{:012}", ++shell_count_);
      shells_.push_back(id);
      return r::created(request, id);
    }
    if (!has_shell(shell_id)) {
      return r::fault(request, "w:InvalidSelectors", 2150858843,
                      "The request for the Windows Remote Shell with ShellId " + shell_id +
                          " failed because the shell was not found on the server.");
    }
    if (step == "Command") return start(request, doc, shell_id);
    if (step == "Send") {
      pugi::xml_node stream = doc.select_node("//*[local-name()='Stream']").node();
      std::shared_ptr<Command> command = find(stream.attribute("CommandId").value());
      if (!command) return unknown_command(request);
      std::lock_guard lock(command->mutex);
      const std::string bytes = b64_decode(stream.text().get());
      if (!bytes.empty()) command->child->write(bytes, powershell::ChildProcess::Clock::now() + std::chrono::seconds(30));
      if (std::string_view(stream.attribute("End").value()) == "true") command->child->close_stdin();
      return r::empty(request, std::string(kShellUri) + "/SendResponse", "<rsp:SendResponse/>");
    }
    if (step == "Receive") {
      const std::string id = doc.select_node("//*[local-name()='DesiredStream']").node().attribute("CommandId").value();
      std::shared_ptr<Command> command = find(id);
      if (!command) return unknown_command(request);
      return receive(request, id, *command);
    }
    if (step == "Signal") {
      std::shared_ptr<Command> command = find(doc.select_node("//*[local-name()='Signal']").node().attribute("CommandId").value());
      if (command) {
        std::lock_guard lock(command->mutex);
        command->child->kill(std::chrono::seconds(2));
      }
      return r::empty(request, std::string(kShellUri) + "/SignalResponse", "<rsp:SignalResponse/>");
    }
    if (step == "Delete") {
      std::vector<std::shared_ptr<Command>> ended;
      {
        std::lock_guard lock(mutex_);
        shells_.erase(std::remove(shells_.begin(), shells_.end(), shell_id), shells_.end());
        for (auto it = commands_.begin(); it != commands_.end();) {
          if (it->second->shell_id == shell_id) {
            ended.push_back(it->second);
            it = commands_.erase(it);
          } else {
            ++it;
          }
        }
      }
      for (auto& command : ended) {
        std::lock_guard lock(command->mutex);
        command->child->kill(std::chrono::seconds(2));
      }
      return r::empty(request, "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse");
    }
    return {.status = 400, .body = "unknown action " + step};
  }

  Reply start(const HttpRequest& request, const pugi::xml_document& doc, const std::string& shell_id) {
    Started started;
    started.shell_id = shell_id;
    started.command_line = doc.select_node("//*[local-name()='CommandLine']/*[local-name()='Command']").node().text().get();
    for (pugi::xpath_node argument : doc.select_nodes("//*[local-name()='CommandLine']/*[local-name()='Arguments']")) {
      started.command_line += std::string(" ") + argument.node().text().get();
    }
    std::vector<std::string> words = split_windows_command_line(started.command_line);
    std::string name = words.empty() ? std::string() : words.front();
    name = name.substr(name.find_last_of("\\/") == std::string::npos ? 0 : name.find_last_of("\\/") + 1);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (name.ends_with(".exe")) name.resize(name.size() - 4);
    auto program = options_.programs.find(name);
    if (program == options_.programs.end()) {
      return wsman_reply::fault(request, "w:InternalError", 2147942402, "The system cannot find the file specified.");
    }
    started.program = program->second;
    started.arguments.assign(words.begin() + 1, words.end());
    powershell::ProcessRequest spawn;
    spawn.program = started.program.string();
    spawn.arguments = started.arguments;
    spawn.environment = options_.environment;
    std::string error;
    auto command = std::make_shared<Command>();
    command->shell_id = shell_id;
    command->child = powershell::ChildProcess::start(spawn, &error);
    if (!command->child) return wsman_reply::fault(request, "w:InternalError", 2147942402, error);
    std::lock_guard lock(mutex_);
    started.command_id = fmt::format("C0FFEE11-0000-4000-8000-{:012}", ++command_count_);
    commands_[started.command_id] = command;
    started_.push_back(started);
    return wsman_reply::command_started(request, started.command_id);
  }

  /// Output so far, or, once stdout has ended and the program exited, Done with its exit code.
  Reply receive(const HttpRequest& request, const std::string& id, Command& command) {
    using Clock = powershell::ChildProcess::Clock;
    std::lock_guard lock(command.mutex);
    powershell::ChildProcess& child = *command.child;
    const auto until = Clock::now() + options_.receive_wait;
    bool ended = child.exited();
    while (!ended && child.stdout_text().empty() && child.stderr_text().empty() && Clock::now() < until) {
      ended = child.read(until) == powershell::ChildProcess::Io::kEnded;
    }
    if (ended && !child.exited()) child.wait(Clock::now() + std::chrono::seconds(30));
    std::vector<wsman_reply::Stream> streams;
    const bool done = child.exited();
    if (!child.stdout_text().empty() || done) streams.push_back({"stdout", std::exchange(child.stdout_text(), {}), done});
    if (!child.stderr_text().empty() || done) streams.push_back({"stderr", std::exchange(child.stderr_text(), {}), done});
    if (!done) return wsman_reply::output(request, id, streams);
    command.done = true;
    const int status = child.status();
    const int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return wsman_reply::output(request, id, streams, std::to_string(exit_code));
  }

  Reply unknown_command(const HttpRequest& request) const {
    return wsman_reply::fault(request, "w:InvalidParameter", 2150858882, "The command was not found in the shell.");
  }

  bool has_shell(const std::string& id) const {
    std::lock_guard lock(mutex_);
    return std::find(shells_.begin(), shells_.end(), id) != shells_.end();
  }

  std::shared_ptr<Command> find(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = commands_.find(id);
    return it == commands_.end() ? nullptr : it->second;
  }

  Options options_;
  mutable std::mutex mutex_;  ///< guards the maps and counters below, not a command's steps
  int shell_count_ = 0;
  int command_count_ = 0;
  std::vector<std::string> shells_;
  std::map<std::string, std::shared_ptr<Command>> commands_;
  std::vector<Started> started_;
};

}  // namespace supctl::test
