#pragma once
/// One warm PowerShell process on one host, for a whole supctl command: the framed protocol of
/// protocol.h spoken over a Channel from the host's Transport, written once for every transport.
///
/// The process starts at the first request. Each request is one frame with a fresh nonce; its
/// response is what PowerShell writes between that nonce's begin and end lines. A process that dies
/// (its channel ends: exit, crash, lost connection) fails the request in flight with the host's
/// words and is started again for the next request; after a second death in the session, requests
/// fail at once with the same explanation. A request past its timeout fails with kTimeout and its
/// process is ended on both sides (Channel::close). A request is never sent again once it may have
/// started; only a channel whose connection failed before anything ran (Outcome::never_ran) is
/// opened again and the request re-sent, as the transport's reconnect_delay() allows.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "backends/powershell/transport.h"

namespace supctl::powershell {

struct SessionSettings {
  /// PowerShell ends itself when no request came for this long; supctl opens a new process
  /// rather than use one that is about to end.
  std::chrono::seconds idle_timeout{std::chrono::minutes(15)};
  /// Requests per process before it is stopped and a new one started; 0: no limit. 1 is one
  /// process per request (what supctl did before sessions).
  int max_requests_per_session = 0;
  /// How long a stopped process may take to exit after the stop frame before it is killed.
  std::chrono::milliseconds stop_grace{std::chrono::seconds(2)};
};

/// What a session has cost so far.
struct SessionStats {
  int processes = 0;  ///< PowerShell processes (WinRM: commands) started
  int requests = 0;   ///< request frames sent
  bool operator==(const SessionStats&) const = default;
};

class Session {
 public:
  /// `transport` must outlive the session; `host` names the host in messages.
  Session(Transport& transport, std::string host, SessionSettings settings = {});
  /// Stops the process cleanly (stop()).
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Runs one request: `script` (as assemble_script() makes it) with `json` as its argument,
  /// within `timeout` (connecting included). On success: failure kNone, exit_code 0, the response
  /// in stdout_text and the stderr PowerShell wrote meanwhile; else a failure naming host and transport.
  Outcome run(std::string_view script, std::string_view json, std::chrono::milliseconds timeout);

  /// Ends the process: the stop frame, stop_grace to exit, then a kill. The next run() starts a new one.
  void stop();

  const SessionStats& stats() const { return stats_; }

 private:
  /// Reads until the response to `nonce` is complete: kOk with it in `*response`.
  Channel::Status read_response(const std::string& nonce, Clock::time_point deadline, std::string* response);
  /// Why the channel ended, as the request's failure; counts the death.
  Outcome died(Outcome end);
  /// Notes the far side's process id from the line at `body` in the buffer and moves `body` past
  /// it; false while that line has not come in full.
  bool read_pid(std::size_t& body);

  Transport& transport_;
  std::string host_;
  SessionSettings settings_;
  SessionStats stats_;
  std::unique_ptr<Channel> channel_;  ///< null until the first request, and after the process ended
  std::string buffer_;                ///< stdout not yet consumed
  std::string stderr_;                ///< stderr of the current process
  int channel_requests_ = 0;          ///< requests sent on the current channel
  std::optional<long> remote_pid_;    ///< the current channel's PowerShell process on the far side, once it said
  Clock::time_point last_answer_;     ///< when the current process last answered (or started)
  int deaths_ = 0;
  std::optional<Outcome> dead_;  ///< set after the second death: every later request fails with it
};

}  // namespace supctl::powershell
