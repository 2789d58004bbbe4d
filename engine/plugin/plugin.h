#pragma once
/// The contract between the engine and a plugin. A plugin owns a set of resource kinds: their
/// schemas, the rules the manifests alone decide, the edges they imply, and the operations that
/// read, change and verify them. Every call takes a request and returns a response that carries
/// diagnostics. Plugins never see TOML, Boost.Graph, CLI options, state or each other.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "diag/diagnostic.h"
#include "model/attributes.h"
#include "plugin/evidence.h"
#include "model/manifest.h"
#include "plugin/operation.h"
#include "model/schema.h"

namespace supctl::plugin {

/// Saved plans carry this; a plan made with another plugin API version is refused.
inline constexpr int kPluginApiVersion = 1;

/// `from` depends on `to`: `to` is applied first.
struct Edge {
  model::Address from;
  model::Address to;
  std::string reason;                 ///< e.g. "site_system.proxy", "depends_on", "same host"
  std::optional<diag::SourceRange> range;  ///< the reference or depends_on item that makes it, when written
};

/// What a change does to a resource.
enum class Action { kNoOp, kRead, kCreate, kUpdate, kReplace, kDelete, kForget };
std::string_view action_name(Action action);

struct AttributeDiff {
  std::string name;
  model::Json before;  ///< null: not set (or absent)
  model::Json after;   ///< null: removed
  bool sensitive = false;  ///< a secret: shown as "(sensitive)", never as a value
};

/// Read: the operations that observe one resource on its host. All reads of all plugins for one
/// host go out as one batch.
struct ReadRequest {
  model::Address address;
  const model::Resource* desired = nullptr;      ///< nullptr when the resource left the manifests
  const model::AttributeMap* recorded = nullptr; ///< last applied, nullptr when not in state
  const model::Manifest* manifest = nullptr;     ///< the whole manifest, for context (null when reading back after apply)
  const model::Json* references = nullptr;       ///< what its references name (model::resolve_references), or null
};
struct ReadResponse {
  std::vector<Operation> operations;
  diag::Diagnostics diagnostics;
};

/// Observe: turn the read operations' results into the resource's observed attributes.
struct ObserveRequest {
  model::Address address;
  const model::Resource* desired = nullptr;
  std::span<const OperationResult> results;  ///< one per operation of the ReadResponse, in order
  /// What was last applied (the state's record, or the change just applied when reading back),
  /// nullptr when nothing was; lets a plugin name a resource that left the manifests.
  const model::AttributeMap* recorded = nullptr;
  const model::Json* references = nullptr;  ///< as in ReadRequest
  const model::Manifest* manifest = nullptr;  ///< as in ReadRequest: null when reading back after apply
};
struct ObserveResponse {
  std::optional<model::AttributeMap> observed;  ///< nullopt: absent on the host, never an empty map
  diag::Diagnostics diagnostics;         ///< errors here fail the plan (e.g. host unreachable)
};

/// Diff: desired against observed, with the kind's normalisation (sets, case, GUIDs).
struct DiffRequest {
  model::Address address;
  const model::KindSchema* schema = nullptr;
  const model::AttributeMap* desired = nullptr;     ///< nullptr when the resource left the manifests
  const model::AttributeMap* observed = nullptr;    ///< nullptr when absent on the host
  /// Secret attributes whose value differs from the one last applied (by keyed fingerprint),
  /// or is being set for the first time.
  std::span<const std::string> rotated_secrets;
  const model::Json* references = nullptr;  ///< what its references name (model::resolve_references), or null
};
struct DiffResponse {
  Action action = Action::kNoOp;
  std::vector<AttributeDiff> attributes;  ///< only the attributes that change, sorted by name
  diag::Diagnostics diagnostics;
};

/// Apply: the operations that carry out one change on its host, run as one batch.
struct ApplyRequest {
  model::Address address;
  Action action = Action::kNoOp;
  const model::AttributeMap* desired = nullptr;   ///< secrets as {"env"|"file": ...} references
  const model::AttributeMap* observed = nullptr;  ///< as planned; nullptr when absent
  std::span<const AttributeDiff> attributes;
  /// What its references named when the plan was made (model::resolve_references): apply has no
  /// manifest, so a site system's proxy or a SUP's connection account reaches it this way.
  const model::Json* references = nullptr;
};
struct ApplyResponse {
  std::vector<Operation> operations;
  diag::Diagnostics diagnostics;
};

/// Verify: after apply, whether the resource on the host is what was asked for.
struct VerifyRequest {
  model::Address address;
  const model::KindSchema* schema = nullptr;
  const model::AttributeMap* desired = nullptr;
  const model::AttributeMap* observed = nullptr;  ///< re-read after apply; nullptr when absent
  const model::Json* references = nullptr;        ///< as in ApplyRequest
};
struct VerifyResponse {
  bool converged = false;
  diag::Diagnostics diagnostics;  ///< what differs, when not converged
};

/// Evidence: the log milestones that prove a change after its operations returned (work the
/// servers carry on with, such as a role install), or that prove on demand what is there now.
struct EvidenceRequest {
  model::Address address;
  Action action = Action::kNoOp;           ///< kNoOp: on demand (`supctl verify`), not after a change
  std::string host;                        ///< where the resource is read and changed (host_of)
  const model::AttributeMap* desired = nullptr;
  const model::AttributeMap* observed = nullptr;  ///< as planned; nullptr when absent or on demand
  const model::Json* references = nullptr;        ///< as in ApplyRequest
};

/// Checks: what `supctl verify` asks the servers about a resource beyond its attributes.
struct CheckRequest {
  model::Address address;
  std::string host;                        ///< where the resource is read and changed (host_of)
  const model::AttributeMap* desired = nullptr;
  const model::Json* references = nullptr;
  const model::Manifest* manifest = nullptr;      ///< the whole manifest, for what the resource implies (its site system)
};

class Plugin {
 public:
  virtual ~Plugin() = default;

  virtual std::string_view name() const = 0;
  virtual std::span<const model::KindSchema> kinds() const = 0;
  virtual std::span<const diag::RuleInfo> rules() const = 0;
  /// Checks the rules that need no server. `manifest` has passed attribute and reference
  /// checks only in part: read attributes through the typed accessors, which skip ill-typed ones.
  virtual void check(const model::Manifest& manifest, diag::Diagnostics& out) const = 0;

  /// Edges the plugin's kinds imply beyond their references (e.g. a SUP on the WSUS server of
  /// its host). References and depends_on are the engine's.
  virtual std::vector<Edge> edges(const model::Manifest& manifest) const;
  /// The machine where a resource is read and changed: its host, or the SMS Provider of its site.
  virtual std::string host_of(const model::Resource& resource, const model::Manifest& manifest) const;
  /// The same for a resource known only from state (it left the manifests).
  virtual std::string host_of_recorded(const model::Address& address, const model::AttributeMap& recorded) const;

  virtual ReadResponse read(const ReadRequest& request) const;
  virtual ObserveResponse observe(const ObserveRequest& request) const;
  /// The default diff compares each desired attribute with its observed value through
  /// `same_value` (and never looks at attributes that are not written).
  virtual DiffResponse diff(const DiffRequest& request) const;
  virtual ApplyResponse apply(const ApplyRequest& request) const;
  /// The default verify is a diff of desired against the re-read state: converged when no-op.
  virtual VerifyResponse verify(const VerifyRequest& request) const;

  /// The milestones that prove the change (or, on demand, the resource) in the servers' logs;
  /// nullopt when its operations' results are proof enough (the default).
  virtual std::optional<InstallChain> evidence(const EvidenceRequest& request) const;
  /// The checks `supctl verify` runs for the resource; none by default.
  virtual std::vector<Check> checks(const CheckRequest& request) const;
  /// Judges one of this plugin's checks from its operations' results (one per operation, in order).
  virtual CheckResult evaluate(const Check& check, std::span<const OperationResult> results) const;
};

/// The plugin that owns a kind, with the kind's schema; both null when none does (the engine's own
/// tables, such as [host]).
struct KindOwner {
  const Plugin* plugin = nullptr;
  const model::KindSchema* schema = nullptr;
};

/// The one index from kind to plugin and schema, built once from the plugins: what the planner,
/// the applier, the verifier, the witness and the commands look kinds up in.
class KindRegistry {
 public:
  explicit KindRegistry(std::span<const Plugin* const> plugins);
  /// The plugin that owns `kind`, with the kind's schema; both null when none does.
  KindOwner find(std::string_view kind) const;
  const model::KindSchema* schema(std::string_view kind) const { return find(kind).schema; }
  /// Every plugin kind's schema, in plugin order, each plugin's kinds in its own order.
  const std::vector<const model::KindSchema*>& schemas() const { return schemas_; }

 private:
  std::map<std::string, KindOwner, std::less<>> owners_;
  std::vector<const model::KindSchema*> schemas_;
};

/// An error about one resource: its address is the diagnostic's address and key path.
diag::Diagnostic& resource_error(diag::Diagnostics& out, const model::Address& address, std::string code, std::string summary);

/// The "not-implemented" error of a kind a plugin cannot yet `verb` ("read", "change"): what the
/// Plugin and KindHandler defaults, and a dispatch to a kind no handler owns, answer with.
diag::Diagnostics not_implemented_error(const model::Address& address, std::string_view plugin, std::string_view verb);
template <typename Response>
Response not_implemented(const model::Address& address, std::string_view plugin, std::string_view verb) {
  Response response;
  response.diagnostics = not_implemented_error(address, plugin, verb);
  return response;
}

/// What to check when a read failed because the host was unreachable or refused the account.
struct ReadAdvice {
  std::string_view unreachable = "check that the host is up and that supctl can reach it";
  std::string_view access_denied;  ///< e.g. "check that supctl's account may query services on the host"
};

/// The result of the read operation at `index` (`operation` names it) as an object; nullptr with
/// a `read-failed` error on the resource that names the operation, the failure and its kind (and
/// `advice` for an unreachable host or a denied account) when there is none, it failed, or it is
/// not an object.
const model::Json* read_result(const ObserveRequest& request, std::size_t index, std::string_view operation,
                        const ReadAdvice& advice, diag::Diagnostics& out);

/// True when a desired value and an observed one mean the same for this attribute: sets compare
/// as sets (include/exclude as containment), machine names and enumerations without case.
bool same_value(const model::AttributeSchema& schema, const model::Json& desired, const model::Json& observed);

/// The generic diff behind `Plugin::diff`, for plugins that extend it.
DiffResponse generic_diff(const DiffRequest& request);

}  // namespace supctl::plugin
