#pragma once
/// A plan: what supctl would change on which host and why. Pure data: apply reads only this.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/address.h"
#include "model/attributes.h"
#include "ops/backend.h"
#include "plugin/plugin.h"

namespace supctl::plan {

using plugin::Action;
using plugin::AttributeDiff;
using model::Json;

/// Saved plans and `plan --format json`. 2: the plan carries its host targets (`hosts`).
inline constexpr int kPlanFormatVersion = 3;  ///< 3: scrypt fingerprints, state_key

/// Why a resource changes.
enum class Reason {
  kNone,                ///< no change, or a read
  kNew,                 ///< declared, absent on the host
  kChangedInManifest,   ///< the manifest now asks for something else (including a rotated secret)
  kDrift,               ///< the host no longer has what was last applied
  kRemovedFromManifest  ///< recorded in state, no longer declared
};
std::string_view reason_name(Reason reason);

struct Change {
  model::Address address;
  std::string host;                        ///< where the change runs; empty for pure data
  /// The other machines some of its operations run on, each through its own transport (a SUP's
  /// group memberships on its own server while the role goes through its site's SMS Provider).
  std::vector<std::string> also_on;
  Action action = Action::kNoOp;
  Reason reason = Reason::kNone;
  std::vector<AttributeDiff> attributes;   ///< only what changes; unchanged attributes are hidden
  model::AttributeMap desired;             ///< the declared attributes (secrets as references)
  Json references = Json::object();        ///< what its references named at plan time (model::resolve_references)
  std::optional<model::AttributeMap> observed;  ///< nullopt: absent on the host
  std::map<std::string, std::string> fingerprints;  ///< secret attribute -> keyed fingerprint planned
  std::vector<std::string> depends_on;     ///< addresses (as text) of the changes this one waits for
  bool allow_destroy = false;              ///< the manifest's allow_destroy, when it had one
  bool destroy_needs_consent = false;      ///< delete or replace of a role or site system
  std::string note;                        ///< e.g. "adopted: supctl forgets it, the host keeps it"

  bool destructive() const { return action == Action::kDelete || action == Action::kReplace; }
};

/// A resource whose settings on the host moved away from what supctl last applied.
struct Drift {
  model::Address address;
  std::string host;
  std::vector<AttributeDiff> attributes;  ///< before: last applied; after: observed now
};

struct Summary {
  int add = 0;      ///< create, and the create half of replace
  int change = 0;   ///< update
  int destroy = 0;  ///< delete, and the delete half of replace
  int forget = 0;
  int read = 0;
};

struct Plan {
  int format_version = kPlanFormatVersion;
  int plugin_api_version = plugin::kPluginApiVersion;
  std::string supctl_version;
  std::string lineage;       ///< of the state the plan was made against
  std::int64_t serial = 0;   ///< of that state
  std::string manifest_hash; ///< SHA-256 of the manifest files, names and bytes
  std::string created_at;    ///< RFC 3339, UTC
  bool refresh_only = false; ///< drift only: no change is proposed
  std::vector<std::string> targets;  ///< non-empty: a partial plan of these and their dependencies
  /// The secret reference ({ env } or { file }) of the state key the manifests named
  /// (hierarchy.state_key), for `apply --plan`; null when they named none.
  Json state_key = nullptr;
  /// The secret reference of the PostgreSQL state's password the manifests named
  /// (hierarchy.state_password), for `apply --plan`; null when they named none.
  Json state_password = nullptr;
  /// The check value of the state key the plan was made with (hex; empty: none), so that apply
  /// --plan with another key (or none) says so instead of calling every secret changed.
  std::string state_key_check;
  /// Lower-case machine name -> how to reach it: every machine apply talks to (each change's host
  /// and plan::machines_of it), as the manifests said when the plan was made. Apply takes its
  /// targets from here, never from the manifests.
  std::map<std::string, ops::HostTarget> hosts;
  std::vector<Change> changes;       ///< in apply order: dependencies first, ties by address
  std::vector<Drift> drift;          ///< sorted by address

  Summary summary() const;
  bool has_changes() const;  ///< any create, update, replace, delete or forget
  /// The recorded target of `host` (without case); one without settings when `hosts` lacks it.
  ops::HostTarget target(std::string_view host) const;
};

/// The plan as JSON (the saved plan file and `--format json`): secrets are never in it, only
/// their references and keyed fingerprints (a host target's password included).
/// `with_fingerprints` false (what `plan --format json` prints, which may end in a CI log): each
/// fingerprint shows as "(recorded)", and the document cannot be applied.
Json to_json(const Plan& plan, bool with_fingerprints = true);
/// Reads a saved plan; nullopt with `*error` set (naming the key path) when it is not one, is of
/// another format, or lacks the host target of a machine a change runs on.
std::optional<Plan> plan_from_json(const Json& json, std::string* error);

}  // namespace supctl::plan
