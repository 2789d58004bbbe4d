#pragma once
/// What carrying out a planned change asks its plugin for (its operations, its read-back, its log
/// evidence) and the machines that takes: made here once for the planner, which records the
/// machines' targets, and for the applier, its witness and `plan --emit-scripts`.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "plugin/plugin.h"

namespace supctl::plan {

/// True when apply sends the change to a host: a create, update, replace or delete of something
/// that lives on one (not pure data, not a read, a no-op or a forget).
bool runs_on_host(const Change& change);

/// The request for the change's operations; it points into `change`.
plugin::ApplyRequest apply_request(const Change& change);
/// The request for its read-back once the operations ran (as desired: there is no manifest).
plugin::ReadRequest read_back_request(const Change& change);
/// The request for the log milestones that prove it.
plugin::EvidenceRequest evidence_request(const Change& change);

/// Every machine apply talks to for `change`: its host, each machine its operations and its
/// read-back name (Operation::host), and each whose logs prove it (Plugin::evidence); unique
/// without case, in that order. Only its host when it does not run on one's operations.
std::vector<std::string> machines_of(const Change& change, const plugin::Plugin& plugin);

/// The first machine that apply would talk to for some change of `plan` but that `plan.hosts`
/// has no target for, as "ADDRESS runs on 'HOST'", or nullopt when every one is there.
std::optional<std::string> missing_host_target(const Plan& plan, std::span<const plugin::Plugin* const> plugins);

}  // namespace supctl::plan
