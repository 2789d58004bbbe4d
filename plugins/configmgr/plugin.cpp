#include "plugins/configmgr/plugin.h"

#include "plugins/configmgr/kinds.h"
#include "plugins/configmgr/edges.h"
#include "plugins/configmgr/rules.h"

namespace supctl::plugins::configmgr {
namespace {

class ConfigMgrPlugin final : public model::Plugin {
 public:
  std::string_view name() const override { return "configmgr"; }
  std::span<const model::KindSchema> kinds() const override { return configmgr::kinds(); }
  std::span<const diag::RuleInfo> rules() const override { return configmgr::rules(); }
  void check(const model::Manifest& manifest, diag::Diagnostics& out) const override { check_rules(manifest, out); }
  std::vector<model::Edge> edges(const model::Manifest& manifest) const override { return implied_edges(manifest); }
};

}  // namespace

std::unique_ptr<model::Plugin> make_plugin() { return std::make_unique<ConfigMgrPlugin>(); }

}  // namespace supctl::plugins::configmgr
