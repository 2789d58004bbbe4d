#pragma once
// What a plan or an apply did, as text for a failing plugin test's output.

#include <fmt/format.h>

#include <string>

#include "apply/applier.h"
#include "plan/plan.h"

namespace supctl::test {

/// Each step of an apply with its status and message.
inline std::string steps_of(const apply::ApplyReport& report) {
  std::string out;
  for (const auto& step : report.steps) {
    out += fmt::format("{} {}: {}\n", step.address.str(), apply::step_status_name(step.status), step.message);
  }
  return out;
}

/// Each change and drift of a plan with its attributes.
inline std::string changes_of(const plan::Plan& plan) {
  std::string out;
  for (const auto& change : plan.changes) {
    out += fmt::format("{} {}:", change.address.str(), plugin::action_name(change.action));
    for (const auto& a : change.attributes) out += fmt::format(" {} {} -> {};", a.name, a.before.dump(), a.after.dump());
    out += "\n";
  }
  for (const auto& drift : plan.drift) {
    out += fmt::format("drift {}:", drift.address.str());
    for (const auto& a : drift.attributes) out += fmt::format(" {} {} -> {};", a.name, a.before.dump(), a.after.dump());
    out += "\n";
  }
  return out;
}

}  // namespace supctl::test
