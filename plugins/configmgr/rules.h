#pragma once
/// The ConfigMgr rules the manifests alone decide (listed in the README's "Rules" section).

#include <span>

#include "diag/diagnostic.h"
#include "model/manifest.h"

namespace supctl::plugins::configmgr {

std::span<const diag::RuleInfo> rules();
void check_rules(const model::Manifest& manifest, diag::Diagnostics& out);

}  // namespace supctl::plugins::configmgr
