#pragma once
/// The Planner: reads every host once, diffs desired against observed and against what was
/// last applied, and returns a Plan. It changes nothing anywhere.

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "diag/diagnostic.h"
#include "model/manifest.h"
#include "plugin/plugin.h"
#include "ops/backend.h"
#include "plan/plan.h"
#include "plan/secrets.h"
#include "state/state.h"

namespace supctl::plan {

struct PlanOptions {
  std::vector<model::Address> targets;  ///< non-empty: only these and what they depend on
  bool refresh_only = false;            ///< report drift only
  int parallelism = 10;                 ///< hosts read at once
  std::string supctl_version;
  std::string manifest_hash;
  std::string created_at;               ///< RFC 3339; the caller's clock, so tests are deterministic
};

struct PlanInputs {
  const model::Manifest* manifest = nullptr;
  std::span<const plugin::Plugin* const> plugins;
  const state::StateStore* state = nullptr;  ///< nullptr: nothing applied yet
  ops::Backend* backend = nullptr;
  const Secrets* secrets = nullptr;
};

struct PlanResult {
  Plan plan;
  diag::Diagnostics diagnostics;  ///< errors mean there is no plan to apply
};

PlanResult make_plan(const PlanInputs& inputs, const PlanOptions& options);

/// The host target for a machine name: the settings of its [host] resource when the manifest
/// declares one (its name compared without case), none otherwise.
ops::HostTarget host_target(const model::Manifest& manifest, const std::string& host);

}  // namespace supctl::plan
