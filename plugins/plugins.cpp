#include "plugins/plugins.h"

#include "plugins/configmgr/plugin.h"
#include "plugins/registry/plugin.h"
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

}  // namespace supctl::plugins
