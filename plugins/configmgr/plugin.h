#pragma once
/// The ConfigMgr plugin: hierarchy, site, site_system, account, proxy, software_update_point, sync.

#include <memory>

#include "plugin/plugin.h"

namespace supctl::plugins::configmgr {

std::unique_ptr<plugin::Plugin> make_plugin();

}  // namespace supctl::plugins::configmgr
