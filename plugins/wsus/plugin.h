#pragma once
/// The WSUS plugin: wsus_server (install, configuration when standalone, verification under ConfigMgr).

#include <memory>

#include "plugin/plugin.h"

namespace supctl::plugins::wsus {

std::unique_ptr<plugin::Plugin> make_plugin();

}  // namespace supctl::plugins::wsus
