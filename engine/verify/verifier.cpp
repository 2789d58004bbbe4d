#include "verify/verifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "model/attributes.h"

namespace supctl::verify {
namespace {


struct Pending {
  const plugin::Plugin* plugin = nullptr;
  plugin::Check check;
  std::vector<plugin::OperationResult> results;  ///< one per check operation
  std::size_t outcome = 0;                      ///< index into the report's checks
};

}  // namespace

bool VerifyReport::ok() const { return failed() == 0; }

int VerifyReport::failed() const {
  return static_cast<int>(std::count_if(checks.begin(), checks.end(), [](const CheckOutcome& c) { return !c.passed; }));
}

VerifyReport run_verify(const VerifyInputs& in) {
  VerifyReport report;
  std::vector<Pending> pending;
  const plugin::KindRegistry kinds(in.plugins);
  auto schema_of = [&](std::string_view kind) { return kinds.schema(kind); };
  for (const model::Resource& resource : in.manifest->resources()) {
    const plugin::Plugin* plugin = kinds.find(resource.kind()).plugin;
    if (!plugin) continue;  // the engine's own tables ([host], [hierarchy])
    const std::string host = plugin->host_of(resource, *in.manifest);
    const model::AttributeMap desired = model::desired_attributes(resource);
    const model::Json references = model::resolve_references(resource, *in.manifest, schema_of);

    plugin::EvidenceRequest evidence{resource.address, plugin::Action::kNoOp, host, &desired, nullptr, &references};
    if (auto chain = plugin->evidence(evidence)) {
      TrackOptions options;
      options.on_demand = true;
      options.timeout = in.timeout;
      options.interval = in.interval;
      std::string title = chain->subject;
      Tracker tracker(std::move(*chain), *in.backend, *in.clock, in.target_of, options);
      TrackReport tracked = tracker.wait();
      report.checks.push_back(CheckOutcome{resource.address.str(), "install-log", "the install in the logs: " + title,
                                           tracked.outcome == TrackOutcome::kSucceeded, tracked.summary(), tracked.details(),
                                           tracked.outcome == TrackOutcome::kSucceeded ? std::string() : tracked.hint});
    }
    plugin::CheckRequest request{resource.address, host, &desired, &references, in.manifest};
    for (plugin::Check& check : plugin->checks(request)) {
      report.checks.push_back(CheckOutcome{resource.address.str(), check.name, check.title, false, {}, {}, {}});
      pending.push_back(Pending{plugin, std::move(check), {}, report.checks.size() - 1});
    }
  }

  // Every check's operations, one batch per host.
  std::map<std::string, std::vector<std::pair<std::size_t, std::size_t>>> by_host;  // host -> (check, operation)
  for (std::size_t c = 0; c < pending.size(); ++c) {
    pending[c].results.resize(pending[c].check.operations.size());
    for (std::size_t o = 0; o < pending[c].check.operations.size(); ++o) by_host[pending[c].check.operations[o].host].emplace_back(c, o);
  }
  for (const auto& [host, slots] : by_host) {
    std::vector<plugin::Operation> batch;
    for (auto [c, o] : slots) batch.push_back(pending[c].check.operations[o].operation);
    auto results = in.backend->run(in.target_of(host), batch);
    for (std::size_t i = 0; i < slots.size(); ++i) {
      auto [c, o] = slots[i];
      pending[c].results[o] = i < results.size() ? results[i]
                                                 : plugin::OperationResult{plugin::FailureKind::kFailed, nullptr, "the backend returned no result"};
    }
  }
  for (Pending& p : pending) {
    plugin::CheckResult judged = p.plugin->evaluate(p.check, p.results);
    CheckOutcome& outcome = report.checks[p.outcome];
    outcome.passed = judged.passed;
    outcome.summary = std::move(judged.summary);
    outcome.details = std::move(judged.details);
    outcome.hint = std::move(judged.hint);
  }
  return report;
}

}  // namespace supctl::verify
