#pragma once
/// Generates manifests of any size: a CAS, primaries with remote SUPs, and registry values and
/// services on the SUP hosts until the requested resource count is reached.

#include <string>
#include <vector>

#include "manifest/loader.h"

namespace supctl::bench {

std::vector<manifest::ManifestFile> generate_hierarchy(std::size_t resources, std::size_t files);

}  // namespace supctl::bench
