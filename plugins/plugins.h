#pragma once
/// The plugin table: every plugin supctl ships, in one explicit list.

#include <memory>
#include <vector>

#include "model/plugin.h"

namespace supctl::plugins {

/// One instance of each plugin, in a fixed order.
std::vector<std::unique_ptr<model::Plugin>> make_all();

}  // namespace supctl::plugins
