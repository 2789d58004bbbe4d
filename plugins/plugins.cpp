#include "plugins/plugins.h"

#include "plugins/configmgr/plugin.h"
#include "plugins/registry/plugin.h"
#include "plugins/service/plugin.h"
#include "plugins/wsus/plugin.h"

namespace supctl::plugins {

std::vector<std::unique_ptr<model::Plugin>> make_all() {
  std::vector<std::unique_ptr<model::Plugin>> all;
  all.push_back(configmgr::make_plugin());
  all.push_back(wsus::make_plugin());
  all.push_back(registry::make_plugin());
  all.push_back(service::make_plugin());
  return all;
}

}  // namespace supctl::plugins
