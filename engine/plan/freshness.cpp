#include "plan/freshness.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/attributes.h"

namespace supctl::plan {

std::optional<std::string> stale_reason(const Plan& plan, const state::StateStore* state, const Secrets& secrets) {
  if (plan.plugin_api_version != plugin::kPluginApiVersion) {
    return fmt::format("the plan was made with plugin API version {}; this supctl has version {}", plan.plugin_api_version,
                       plugin::kPluginApiVersion);
  }
  std::string lineage = state ? state->lineage() : std::string();
  std::int64_t serial = state ? state->serial() : 0;
  // A plan made before there was any state fits the empty state that this apply just created.
  bool fresh = plan.lineage.empty() && plan.serial == 0 && serial == 0 && state && state->resources().empty();
  if (fresh) lineage.clear();
  if (plan.lineage != lineage) {
    return fmt::format("the plan was made against another state (lineage '{}'); this state's lineage is '{}'",
                       plan.lineage.empty() ? "none" : plan.lineage, lineage.empty() ? "none" : lineage);
  }
  if (plan.serial != serial) {
    return fmt::format("the state has moved since the plan was made (serial {} then, {} now)", plan.serial, serial);
  }
  if (state) {
    // Fingerprints keyed with the plan's key compare only under that key (unkeyed ones under any).
    const bool fingerprinted = std::any_of(plan.changes.begin(), plan.changes.end(), [](const Change& c) { return !c.fingerprints.empty(); });
    if (fingerprinted && !plan.state_key_check.empty() && plan.state_key_check != state->state_key_check()) {
      return state->has_state_key()
                 ? "the plan was made with another state key than this run's: set SUPCTL_STATE_KEY (or the hierarchy's "
                   "state_key) as when the plan was made"
                 : "the plan was made with a state key, and this run has none: set SUPCTL_STATE_KEY (or the hierarchy's "
                   "state_key) as when the plan was made";
    }
    for (const Change& change : plan.changes) {
      for (const auto& [attribute, fingerprint] : change.fingerprints) {
        const model::Json* reference = model::sent_secret(change.desired, change.references, attribute);
        std::string error = "the plan does not say where this secret comes from";
        auto secret = reference ? secrets.resolve(*reference, &error) : std::nullopt;
        if (!secret) return fmt::format("{}.{}: {}", change.address.str(), attribute, error);
        const bool same = state->matches(*secret, fingerprint);
        secret->assign(secret->size(), '\0');
        if (!same) {
          return fmt::format("the secret of {}.{} changed since the plan was made", change.address.str(), attribute);
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace supctl::plan
