#include "plan/requests.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/text.h"

namespace supctl::plan {

bool runs_on_host(const Change& change) {
  return !change.host.empty() && change.action != Action::kNoOp && change.action != Action::kRead &&
         change.action != Action::kForget;
}

plugin::ApplyRequest apply_request(const Change& change) {
  return plugin::ApplyRequest{change.address, change.action, &change.desired,
                              change.observed ? &*change.observed : nullptr, change.attributes, &change.references};
}

plugin::ReadRequest read_back_request(const Change& change) {
  return plugin::ReadRequest{change.address, nullptr, &change.desired, nullptr, &change.references};
}

plugin::EvidenceRequest evidence_request(const Change& change) {
  return plugin::EvidenceRequest{change.address, change.action, change.host, &change.desired,
                                 change.observed ? &*change.observed : nullptr, &change.references};
}

std::vector<std::string> machines_of(const Change& change, const plugin::Plugin& plugin) {
  std::vector<std::string> machines;
  auto add = [&machines](const std::string& name) {
    if (name.empty()) return;
    const std::string wanted = model::lower(name);
    if (std::none_of(machines.begin(), machines.end(), [&](const std::string& m) { return model::lower(m) == wanted; }))
      machines.push_back(name);
  };
  add(change.host);
  if (!runs_on_host(change)) return machines;
  for (const plugin::Operation& op : plugin.apply(apply_request(change)).operations) add(op.host);
  if (change.action != Action::kDelete) {
    for (const plugin::Operation& op : plugin.read(read_back_request(change)).operations) add(op.host);
  }
  if (auto chain = plugin.evidence(evidence_request(change))) {
    for (const plugin::Milestone& milestone : chain->milestones) {
      add(milestone.source.host);
      for (const plugin::LogSource& other : milestone.also_in) add(other.host);
    }
    for (const plugin::FailureSign& failure : chain->failures) add(failure.source.host);
  }
  return machines;
}

std::optional<std::string> missing_host_target(const Plan& plan, std::span<const plugin::Plugin* const> plugins) {
  const plugin::KindRegistry kinds(plugins);
  for (const Change& change : plan.changes) {
    const plugin::Plugin* plugin = kinds.find(change.address.kind).plugin;
    std::vector<std::string> machines = plugin ? machines_of(change, *plugin) : std::vector<std::string>{};
    if (!plugin && !change.host.empty()) machines.push_back(change.host);
    machines.insert(machines.end(), change.also_on.begin(), change.also_on.end());
    for (const std::string& machine : machines) {
      if (!plan.hosts.contains(model::lower(machine))) return fmt::format("{} runs on '{}'", change.address.str(), machine);
    }
  }
  return std::nullopt;
}

}  // namespace supctl::plan
