#include "plugins/plugins.h"

#include "plugins/configmgr/plugin.h"
#include "plugins/registry/lab.h"
#include "plugins/registry/plugin.h"
#include "plugins/service/lab.h"
#include "plugins/service/plugin.h"
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
  registry::add_lab_operations(table);
  service::add_lab_operations(table);
  return table;
}

void seed_lab(const model::Manifest& manifest, lab::Estate& estate) {
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
