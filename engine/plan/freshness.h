#pragma once
/// Whether a saved plan still fits what it was made for: apply --plan runs exactly the plan, so it
/// refuses one whose plugin API, state (lineage and serial) or secrets moved since. The manifests
/// are not asked: a saved plan is applied as it was reviewed, with the host targets it carries,
/// whatever the manifests say now.

#include <optional>
#include <string>

#include "plan/plan.h"
#include "plan/secrets.h"
#include "state/state.h"

namespace supctl::plan {

/// Why `plan` is stale against `state` (nullptr: no state yet) and the secrets it sends, which
/// `secrets` resolves and the state fingerprints; nullopt when it still fits.
std::optional<std::string> stale_reason(const Plan& plan, const state::StateStore* state, const Secrets& secrets);

}  // namespace supctl::plan
