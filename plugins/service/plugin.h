#pragma once
/// The service plugin: a Windows service's startup type and state.

#include <memory>

#include "model/plugin.h"

namespace supctl::plugins::service {

std::unique_ptr<model::Plugin> make_plugin();

}  // namespace supctl::plugins::service
