#include "plugins/configmgr/plugin.h"

#include "plugins/configmgr/edges.h"
#include "plugins/configmgr/evidence.h"
#include "plugins/configmgr/kinds.h"
#include "plugins/configmgr/placement.h"
#include "plugins/configmgr/rules.h"

namespace supctl::plugins::configmgr {
namespace {

class ConfigMgrPlugin final : public plugin::Plugin {
 public:
  std::string_view name() const override { return "configmgr"; }
  std::span<const model::KindSchema> kinds() const override { return configmgr::kinds(); }
  std::span<const diag::RuleInfo> rules() const override { return configmgr::rules(); }
  void check(const model::Manifest& manifest, diag::Diagnostics& out) const override { check_rules(manifest, out); }
  std::vector<plugin::Edge> edges(const model::Manifest& manifest) const override { return implied_edges(manifest); }

  /// Every ConfigMgr resource is read and changed through the SMS Provider that answers for its
  /// site; what lives on a SUP's own server is read and changed there (Operation::host).
  std::string host_of(const model::Resource& resource, const model::Manifest& manifest) const override {
    return provider_of(resource, manifest);
  }
  /// The state records the server each resource was applied on: the planner falls back to it.
  std::string host_of_recorded(const model::Address&, const model::AttributeMap&) const override { return {}; }

  plugin::ReadResponse read(const plugin::ReadRequest& request) const override { return handlers().read(name(), request); }
  plugin::ObserveResponse observe(const plugin::ObserveRequest& request) const override { return handlers().observe(name(), request); }
  plugin::DiffResponse diff(const plugin::DiffRequest& request) const override { return handlers().diff(name(), request); }
  plugin::ApplyResponse apply(const plugin::ApplyRequest& request) const override { return handlers().apply(name(), request); }
  std::optional<plugin::InstallChain> evidence(const plugin::EvidenceRequest& request) const override { return sup_evidence(request); }
  std::vector<plugin::Check> checks(const plugin::CheckRequest& request) const override { return sup_checks(request); }
  plugin::CheckResult evaluate(const plugin::Check& check, std::span<const plugin::OperationResult> results) const override {
    return evaluate_sup_check(check, results);
  }
};

}  // namespace

std::unique_ptr<plugin::Plugin> make_plugin() { return std::make_unique<ConfigMgrPlugin>(); }

}  // namespace supctl::plugins::configmgr
