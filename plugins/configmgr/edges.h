#pragma once
/// The dependencies ConfigMgr implies beyond references: a SUP needs its site system and the WSUS
/// server on its host, and syncs from the parent site's first SUP; a site's sync settings need its SUPs.

#include <vector>

#include "plugin/plugin.h"

namespace supctl::plugins::configmgr {

std::vector<plugin::Edge> implied_edges(const model::Manifest& manifest);

}  // namespace supctl::plugins::configmgr
