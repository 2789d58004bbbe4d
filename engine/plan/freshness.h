#pragma once
/// Whether a saved plan still fits what it was made for: apply --plan runs exactly the plan, so it
/// refuses one whose plugin API, state (lineage and serial), manifests or secrets moved since.

#include <optional>
#include <string>

#include "plan/plan.h"
#include "plan/secrets.h"
#include "state/state.h"

namespace supctl::plan {

/// Why `plan` is stale against `state` (nullptr: no state yet), the manifests' `manifest_hash`
/// (manifest::content_hash) and the secrets it sends, which `secrets` resolves and the state
/// fingerprints; nullopt when it still fits.
std::optional<std::string> stale_reason(const Plan& plan, const state::StateStore* state, const std::string& manifest_hash,
                                        const Secrets& secrets);

}  // namespace supctl::plan
