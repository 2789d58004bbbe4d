#pragma once
/// The applier's witness: for each change whose plugin names log milestones (a software update
/// point's install), a tracker marks the logs before the change and waits for the milestones after.

#include <functional>
#include <mutex>
#include <span>
#include <string>

#include "apply/applier.h"
#include "plugin/plugin.h"
#include "ops/clock.h"
#include "verify/tracker.h"

namespace supctl::verify {

class LogWitness final : public apply::Witness {
 public:
  using Progress = std::function<void(const std::string& line)>;
  /// `progress` gets each milestone as it shows ("pr1wsus.contoso.com: software_update_point[...]:
  /// SUPSetup.log: installation successful"); it may be called from several threads at once.
  /// `target_of` finds the transport settings of every host a chain reads logs on.
  LogWitness(std::span<const plugin::Plugin* const> plugins, ops::Backend& backend, ops::Clock& clock, Tracker::TargetOf target_of,
             TrackOptions options, Progress progress);

  std::unique_ptr<Watch> watch(const plan::Change& change, const ops::HostTarget& target) override;

 private:
  plugin::KindRegistry kinds_;
  ops::Backend& backend_;
  ops::Clock& clock_;
  Tracker::TargetOf target_of_;
  TrackOptions options_;
  Progress progress_;
  std::mutex progress_mutex_;
};

}  // namespace supctl::verify
