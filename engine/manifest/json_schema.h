#pragma once
/// The JSON Schema of the manifest language, generated from the kinds' schemas so that the
/// editor's view and the engine's can never drift apart. `schemas/manifest.schema.json` is its output.

#include <string>

#include "manifest/loader.h"

namespace supctl::manifest {

/// JSON Schema draft-07 for one manifest file (TOML read as JSON), pretty-printed.
std::string json_schema(const KindTable& kinds);

}  // namespace supctl::manifest
