#pragma once
/// The plugin table: every plugin supctl ships, in one explicit list (plugins.cpp) with its
/// constructor, PowerShell fragments, lab interpreters and lab seeding. The table is the one place
/// that links both sides of every plugin: the live plugins (plugins/<p>/) and their lab
/// interpreters (plugins/<p>/lab/).

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backends/lab/backend.h"
#include "backends/lab/estate.h"
#include "plugin/plugin.h"

namespace supctl::plugins {

/// One instance of each plugin, in a fixed order, owned for the set's lifetime.
class PluginSet {
 public:
  PluginSet();
  std::span<const plugin::Plugin* const> all() const { return view_; }

 private:
  std::vector<std::unique_ptr<plugin::Plugin>> owned_;
  std::vector<const plugin::Plugin*> view_;  ///< owned_, as the engine takes them
};

/// Every plugin's lab interpreters, one per operation: the lab backend's table.
lab::OperationTable lab_operations();

/// Every plugin's PowerShell fragments, one per operation, sorted by operation: the live twins
/// of lab_operations(), for the PowerShell backend.
std::vector<plugin::ScriptFragment> powershell_fragments();

/// Puts in the lab estate what the manifests take for granted without managing it (for example
/// the services that `service` resources configure), so that valid manifests converge on their
/// derived lab. Every machine the manifests name is already a host.
void seed_lab(const model::Manifest& manifest, lab::Estate& estate);

}  // namespace supctl::plugins
