#include "plugins/plugins.h"

#include <algorithm>

#include "plugins/configmgr/lab/interpreters.h"
#include "plugins/configmgr/plugin.h"
#include "plugins/host/lab/interpreters.h"
#include "plugins/registry/lab/interpreters.h"
#include "plugins/registry/plugin.h"
#include "plugins/service/lab/interpreters.h"
#include "plugins/service/plugin.h"
#include "plugins/wsus/lab/interpreters.h"
#include "plugins/wsus/plugin.h"

namespace supctl::plugins {
namespace {

/// One plugin: how to make it, its PowerShell fragments, its lab interpreters, and what it puts in
/// a lab estate derived from the manifests.
struct Entry {
  std::unique_ptr<plugin::Plugin> (*make)();                           ///< nullptr: operations only, no kind
  std::span<const plugin::ScriptFragment> (*fragments)();
  void (*add_lab_operations)(lab::OperationTable&);
  void (*seed_lab)(const model::Manifest&, lab::Estate&);            ///< nullptr: nothing to seed
};

/// Every plugin, in the order the engine sees them.
constexpr Entry kPlugins[] = {
    // Sites, and the group memberships ConfigMgr takes for granted.
    {configmgr::make_plugin, configmgr::powershell_fragments, configmgr::add_lab_operations, configmgr::seed_lab},
    // WSUS on a SUP host that has no wsus_server resource.
    {wsus::make_plugin, wsus::powershell_fragments, wsus::add_lab_operations, wsus::seed_lab},
    {registry::make_plugin, registry::powershell_fragments, registry::add_lab_operations, nullptr},
    // The services the manifests configure exist in the lab.
    {service::make_plugin, service::powershell_fragments, service::add_lab_operations, service::seed_lab},
    // logs.read and winhttp.show_proxy, on any Windows host.
    {nullptr, host::powershell_fragments, host::add_lab_operations, nullptr},
};

}  // namespace

PluginSet::PluginSet() {
  for (const Entry& entry : kPlugins) {
    if (entry.make) owned_.push_back(entry.make());
  }
  for (const auto& plugin : owned_) view_.push_back(plugin.get());
}

lab::OperationTable lab_operations() {
  lab::OperationTable table;
  for (const Entry& entry : kPlugins) entry.add_lab_operations(table);
  return table;
}

std::vector<plugin::ScriptFragment> powershell_fragments() {
  std::vector<plugin::ScriptFragment> fragments;
  for (const Entry& entry : kPlugins) {
    std::span<const plugin::ScriptFragment> own = entry.fragments();
    fragments.insert(fragments.end(), own.begin(), own.end());
  }
  std::sort(fragments.begin(), fragments.end(),
            [](const plugin::ScriptFragment& a, const plugin::ScriptFragment& b) { return a.operation < b.operation; });
  return fragments;
}

void seed_lab(const model::Manifest& manifest, lab::Estate& estate) {
  for (const Entry& entry : kPlugins) {
    if (entry.seed_lab) entry.seed_lab(manifest, estate);
  }
}

}  // namespace supctl::plugins
