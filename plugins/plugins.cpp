#include "plugins/plugins.h"

#include <algorithm>

#include "plugins/configmgr/lab.h"
#include "plugins/configmgr/plugin.h"
#include "plugins/host/lab.h"
#include "plugins/registry/lab.h"
#include "plugins/registry/plugin.h"
#include "plugins/service/lab.h"
#include "plugins/service/plugin.h"
#include "plugins/wsus/lab.h"
#include "plugins/wsus/plugin.h"

namespace supctl::plugins {

PluginSet::PluginSet() {
  owned_.push_back(configmgr::make_plugin());
  owned_.push_back(wsus::make_plugin());
  owned_.push_back(registry::make_plugin());
  owned_.push_back(service::make_plugin());
  for (const auto& plugin : owned_) view_.push_back(plugin.get());
}

lab::OperationTable lab_operations() {
  lab::OperationTable table;
  configmgr::add_lab_operations(table);
  wsus::add_lab_operations(table);
  registry::add_lab_operations(table);
  service::add_lab_operations(table);
  host::add_lab_operations(table);
  return table;
}

std::vector<model::ScriptFragment> powershell_fragments() {
  std::vector<model::ScriptFragment> fragments;
  for (auto plugin_fragments : {configmgr::powershell_fragments(), wsus::powershell_fragments(), registry::powershell_fragments(),
                                service::powershell_fragments(), host::powershell_fragments()}) {
    fragments.insert(fragments.end(), plugin_fragments.begin(), plugin_fragments.end());
  }
  std::sort(fragments.begin(), fragments.end(),
            [](const model::ScriptFragment& a, const model::ScriptFragment& b) { return a.operation < b.operation; });
  return fragments;
}

void seed_lab(const model::Manifest& manifest, lab::Estate& estate) {
  configmgr::seed_lab(manifest, estate);  // sites, and the group memberships ConfigMgr takes for granted
  wsus::seed_lab(manifest, estate);       // WSUS on a SUP host that has no wsus_server resource
  // `service` manages startup and state; it never installs a service. In the lab the services the
  // manifests name exist (stopped, started manually) until something else says otherwise.
  for (const model::Resource& service : manifest.of_kind("service")) {
    auto host = service.string("host");
    auto name = service.string("name");
    if (!host || !name || estate.service(*host, *name)) continue;
    estate.put_service(*host, lab::Service{std::string(*name), std::string(*name), "manual", "stopped", {}});
  }
}

}  // namespace supctl::plugins
