#include "verify/witness.h"

#include <fmt/format.h>

#include "plan/requests.h"

namespace supctl::verify {
namespace {

class TrackerWatch final : public apply::Witness::Watch {
 public:
  TrackerWatch(std::unique_ptr<Tracker> tracker, Tracker::Progress progress) : tracker_(std::move(tracker)), progress_(std::move(progress)) {}

  std::optional<std::string> verdict() override {
    TrackReport report = tracker_->wait();
    if (report.outcome == TrackOutcome::kSucceeded) {
      if (progress_) progress_(report.summary());
      return std::nullopt;
    }
    std::string text = report.summary();
    for (const std::string& line : report.details()) text += "\n    " + line;
    return text;
  }

 private:
  std::unique_ptr<Tracker> tracker_;
  Tracker::Progress progress_;
};

}  // namespace

LogWitness::LogWitness(std::span<const plugin::Plugin* const> plugins, ops::Backend& backend, ops::Clock& clock,
                       Tracker::TargetOf target_of, TrackOptions options, Progress progress)
    : kinds_(plugins),
      backend_(backend),
      clock_(clock),
      target_of_(std::move(target_of)),
      options_(options),
      progress_(std::move(progress)) {}

std::unique_ptr<apply::Witness::Watch> LogWitness::watch(const plan::Change& change, const ops::HostTarget&) {
  const plugin::Plugin* plugin = kinds_.find(change.address.kind).plugin;
  if (!plugin) return nullptr;
  auto chain = plugin->evidence(plan::evidence_request(change));
  if (!chain) return nullptr;
  const std::string prefix = fmt::format("{}: {}: ", change.host, change.address.str());
  Tracker::Progress progress;
  if (progress_) {
    progress = [this, prefix](const std::string& line) {
      std::lock_guard lock(progress_mutex_);
      progress_(prefix + line);
    };
  }
  auto tracker = std::make_unique<Tracker>(std::move(*chain), backend_, clock_, target_of_, options_, progress);
  tracker->mark();
  return std::make_unique<TrackerWatch>(std::move(tracker), progress);
}

}  // namespace supctl::verify
