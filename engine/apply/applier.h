#pragma once
/// The Applier: carries out a Plan, step by step, and reports what succeeded, failed or was skipped.

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "plugin/plugin.h"
#include "ops/backend.h"
#include "plan/plan.h"
#include "plan/secrets.h"
#include "state/state.h"

namespace supctl::apply {

struct ApplyOptions {
  int parallelism = 10;        ///< hosts changed at once; one mutation at a time per host
  bool allow_destroy = false;  ///< --allow-destroy: consent for every delete and replace
};

enum class StepStatus { kSucceeded, kFailed, kSkipped };
std::string_view step_status_name(StepStatus status);

struct StepResult {
  model::Address address;
  std::string host;
  plugin::Action action = plugin::Action::kNoOp;
  StepStatus status = StepStatus::kSkipped;
  std::string message;  ///< why it failed or was skipped; empty on success
};

struct ApplyReport {
  std::string run_id;
  std::vector<StepResult> steps;  ///< in the plan's order
  bool ok() const;
  int count(StepStatus status) const;
};

/// Proves a change from the servers' own logs once its operations return (the install tracker in
/// engine/verify): the applier asks for a watch before a change's operations run, and for the
/// watch's verdict after they succeeded.
class Witness {
 public:
  class Watch {
   public:
    virtual ~Watch() = default;
    /// Waits for the evidence: nullopt when it proves the change, otherwise why not.
    virtual std::optional<std::string> verdict() = 0;
  };
  virtual ~Witness() = default;
  /// nullptr when the change leaves nothing in the logs to wait for. Called from several threads.
  virtual std::unique_ptr<Watch> watch(const plan::Change& change, const ops::HostTarget& target) = 0;
};

struct ApplyInputs {
  const plan::Plan* plan = nullptr;
  std::span<const plugin::Plugin* const> plugins;
  ops::Backend* backend = nullptr;
  state::StateStore* state = nullptr;  ///< must be locked by the caller
  const plan::Secrets* secrets = nullptr;
  /// Finds the transport settings of a host (the CLI looks in the manifests or the saved plan).
  std::function<ops::HostTarget(const std::string& host)> target_of;
  /// Progress lines (e.g. "pr1wsus.contoso.com: creating software_update_point[...]"); may be empty.
  std::function<void(const std::string& line)> progress;
  /// Proves changes from the servers' logs after their operations (may be null: no such proof).
  Witness* witness = nullptr;
};

ApplyReport apply_plan(const ApplyInputs& inputs, const ApplyOptions& options);

/// Replaces every {"$secret": REFERENCE} object inside `params` with the secret's value.
/// False with `*error` when a secret cannot be resolved.
bool resolve_secret_placeholders(model::Json& params, const plan::Secrets& secrets, std::string* error);

}  // namespace supctl::apply
