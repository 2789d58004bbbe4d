#pragma once
/// The WSUS plugin: wsus_server (install, configuration when standalone, verification under ConfigMgr).

#include <memory>
#include <string_view>
#include <vector>

#include "plugin/plugin.h"

namespace supctl::plugins::wsus {

std::unique_ptr<plugin::Plugin> make_plugin();

/// The wsus_server attributes that wsus.configure sets and wsus.get reads back, by their manifest
/// names (the schema's, less what postinstall fixes, the version and supctl's own settings).
std::vector<std::string_view> configured_settings();

}  // namespace supctl::plugins::wsus
