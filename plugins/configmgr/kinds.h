#pragma once
/// The attribute schemas of the ConfigMgr kinds.

#include <span>

#include "model/schema.h"

namespace supctl::plugins::configmgr {

std::span<const model::KindSchema> kinds();

/// Settings of `sync` that only the top-level site takes; the others are per site.
bool top_level_only(std::string_view sync_attribute);

}  // namespace supctl::plugins::configmgr
