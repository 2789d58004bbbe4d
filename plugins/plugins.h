#pragma once
/// The plugin table: every plugin supctl ships, in one explicit list.

#include <memory>
#include <span>
#include <vector>

#include "model/plugin.h"

namespace supctl::plugins {

/// One instance of each plugin, in a fixed order, owned for the set's lifetime.
class PluginSet {
 public:
  PluginSet();
  std::span<const model::Plugin* const> all() const { return view_; }

 private:
  std::vector<std::unique_ptr<model::Plugin>> owned_;
  std::vector<const model::Plugin*> view_;  ///< owned_, as the engine takes them
};

}  // namespace supctl::plugins
