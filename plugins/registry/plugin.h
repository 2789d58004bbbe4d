#pragma once
/// The registry plugin: registry_key and registry_value, all six value types.

#include <memory>

#include "plugin/plugin.h"

namespace supctl::plugins::registry {

std::unique_ptr<plugin::Plugin> make_plugin();

}  // namespace supctl::plugins::registry
