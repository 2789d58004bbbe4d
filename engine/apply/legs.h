#pragma once
/// A change's operations as apply sends them: leg by leg, each leg the consecutive operations on
/// one machine, which go out as one request to that machine.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "diag/diagnostic.h"
#include "plan/plan.h"
#include "plugin/plugin.h"

namespace supctl::apply {

/// Where the leg that starts at `begin` ends: at the first later operation on another machine than
/// operations[begin] (each on its Operation::host, else on `host`; names compared without case).
std::size_t leg_end(std::span<const plugin::Operation> operations, std::size_t begin, std::string_view host);

struct Leg {
  std::string host;                           ///< its operations' Operation::host, else the change's host
  std::vector<plugin::Operation> operations;  ///< in order; never empty
};

/// One change of a plan and its operations as apply makes them, before secrets are resolved (a
/// secret is still its {"$secret": REFERENCE} placeholder), cut into legs.
struct ChangeLegs {
  const plan::Change* change = nullptr;
  std::vector<Leg> legs;          ///< in order; empty when the plugin refused
  diag::Diagnostics diagnostics;  ///< the plugin's, when it made the operations
};

/// Every change of `plan` that runs on a host (plan::runs_on_host), in apply order, with its legs.
/// A change whose kind no plugin owns is left out (apply fails it by itself).
std::vector<ChangeLegs> plan_legs(const plan::Plan& plan, std::span<const plugin::Plugin* const> plugins);

}  // namespace supctl::apply
