#pragma once
/// `supctl verify`: every check on demand. For each resource of the manifests, the milestones its
/// plugin names are looked for in the logs as they are now (the latest attempt counts), and the
/// plugin's checks (proxies, settings only the server knows) run: one round trip per host for the
/// checks, and one per host per read for the logs.

#include <span>
#include <string>
#include <vector>

#include "model/manifest.h"
#include "plugin/plugin.h"
#include "ops/backend.h"
#include "ops/clock.h"
#include "verify/tracker.h"

namespace supctl::verify {

struct VerifyInputs {
  const model::Manifest* manifest = nullptr;
  std::span<const plugin::Plugin* const> plugins;
  ops::Backend* backend = nullptr;
  ops::Clock* clock = nullptr;
  Tracker::TargetOf target_of;
  /// How long to wait for an install still under way (0: judge the logs as they are now).
  std::chrono::milliseconds timeout{0};
  std::chrono::milliseconds interval = std::chrono::seconds(15);
};

struct CheckOutcome {
  std::string address;               ///< the resource it is about
  std::string name;                  ///< "install-log", "winhttp-proxy", ...
  std::string title;
  bool passed = false;
  std::string summary;
  std::vector<std::string> details;
  std::string hint;
};

struct VerifyReport {
  std::vector<CheckOutcome> checks;  ///< by address, then in the plugin's order
  bool ok() const;
  int failed() const;
};

VerifyReport run_verify(const VerifyInputs& inputs);

}  // namespace supctl::verify
