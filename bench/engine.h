#pragma once
/// The engine's phases on generated input, in memory, each measurement in a process of its own.

#include <cstddef>

#include "child.h"

namespace supctl::bench {

struct EngineOptions {
  std::size_t resources = 100000;
  std::size_t files = 10;
  std::size_t hosts = 50;
};

/// "configmgr_hierarchy": a ConfigMgr hierarchy of about N resources with the real plugins,
/// loaded and validated, then graphed. "converged_plan" and "new_plan": N fake resources over H
/// hosts, validated, then planned against the in-memory backend (the real plugins read through
/// the lab or live backends, which this leaves out) with everything in place, and with nothing.
Figures engine_figures(const EngineOptions& options);

}  // namespace supctl::bench
