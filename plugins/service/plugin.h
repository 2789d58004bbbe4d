#pragma once
/// The service plugin: a Windows service's startup type and state.

#include <memory>

#include "plugin/plugin.h"

namespace supctl::plugins::service {

std::unique_ptr<plugin::Plugin> make_plugin();

}  // namespace supctl::plugins::service
