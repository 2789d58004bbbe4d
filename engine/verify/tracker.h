#pragma once
/// The install tracker: follows an InstallChain's milestones through the servers' logs, reading
/// them with the `logs.read` operation (one round trip per host per poll), until every milestone
/// shows, a failure shows, or time runs out.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugin/evidence.h"
#include "ops/backend.h"
#include "ops/clock.h"

namespace supctl::verify {

struct TrackOptions {
  std::chrono::milliseconds timeout = std::chrono::minutes(30);
  std::chrono::milliseconds interval = std::chrono::seconds(15);  ///< between polls that found nothing new
  /// On demand (`supctl verify`): read each log from its start, its rolled-over `.lo_` first, and
  /// judge the latest attempt; a milestone whose lines have rolled out of the logs counts when a
  /// later one shows. Otherwise only what is written after mark() counts, and every milestone must show.
  bool on_demand = false;
  std::uint64_t max_read_bytes = std::uint64_t{8} << 20;  ///< per log per round trip
};

/// A log entry quoted as evidence.
struct Sighting {
  std::string host;
  std::string log;
  std::uint64_t line = 0;  ///< the line in the file; 0 when unknown (reading began mid-file, after mark())
  std::string time;     ///< as the log wrote it; empty when it has none
  std::string message;
  std::string str() const;  ///< "pr1wsus.contoso.com SUPSetup.log:17 [2026-11-21 08:00:14] message" (no ":17" when unknown)
};

enum class TrackOutcome { kSucceeded, kFailed, kTimedOut };
std::string_view track_outcome_name(TrackOutcome outcome);  ///< "succeeded", "failed", "timed out"

struct TrackReport {
  TrackOutcome outcome = TrackOutcome::kTimedOut;
  std::string subject;
  std::vector<std::string> milestones;          ///< the chain's milestone names, in order
  std::vector<std::optional<Sighting>> seen;    ///< per milestone: the entry that proved it
  std::vector<bool> implied;                    ///< per milestone: counted because a later one showed (on demand)
  std::optional<std::size_t> failed_step;       ///< kFailed: the milestone the failure stopped
  std::vector<Sighting> quoted;                 ///< kFailed: the failing entry, after the lines before it in its log
  std::string hint;                             ///< what to do (the failure's, or the chain's timeout hint)
  std::vector<std::string> read_errors;         ///< logs that could not be read, with why
  std::chrono::milliseconds waited{0};
  bool on_demand = false;                       ///< judged from the logs as they were (verify), not followed after a change

  /// One line: "... installed: 9 milestones in SMSProv.log, SiteComp.log, SUPSetup.log and WCM.log",
  /// "... failed at 'WSUS version supported': <message>", "... not proven after 30m: no '<milestone>' yet".
  std::string summary() const;
  /// The evidence under the summary: milestones with their lines, quoted failure lines, the hint.
  std::vector<std::string> details() const;
};

class Tracker {
 public:
  using TargetOf = std::function<ops::HostTarget(const std::string& host)>;
  using Progress = std::function<void(const std::string& line)>;

  Tracker(plugin::InstallChain chain, ops::Backend& backend, ops::Clock& clock, TargetOf target_of, TrackOptions options,
          Progress progress = {});
  ~Tracker();
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  /// Notes where every log ends now (one round trip per host), so that only lines written from
  /// now on count. Called before the change; a log that cannot be read is marked on the next poll.
  void mark();
  /// Polls until the chain succeeds, fails or times out.
  TrackReport wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace supctl::verify
