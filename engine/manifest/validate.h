#pragma once
/// The whole of `supctl validate`: read, parse, check attributes and references, run plugin rules.

#include <filesystem>
#include <span>
#include <vector>

#include "diag/diagnostic.h"
#include "diag/source.h"
#include "manifest/loader.h"
#include "model/manifest.h"
#include "plugin/plugin.h"

namespace supctl::manifest {

struct Validation {
  model::Manifest manifest;    ///< what could be read, even when there are errors
  std::size_t file_count = 0;
  diag::Diagnostics diagnostics;  ///< sorted by file and position
};

/// The kinds of the engine itself (`host`) and of every plugin.
KindTable kind_table(std::span<const plugin::Plugin* const> plugins);

/// Validates files already in memory (tests pass inline TOML this way).
Validation validate_files(std::vector<ManifestFile> files, std::span<const plugin::Plugin* const> plugins,
                          diag::SourceSet& sources);

/// Validates every `*.toml` directly in `dir`.
Validation validate_directory(const std::filesystem::path& dir, std::span<const plugin::Plugin* const> plugins,
                              diag::SourceSet& sources);

/// The codes the engine itself can report.
std::span<const diag::RuleInfo> engine_rules();

/// Every code the engine and the plugins can report, for SARIF and the README.
std::vector<diag::RuleInfo> all_rules(std::span<const plugin::Plugin* const> plugins);

/// The kind schema of `host`, which belongs to the engine rather than a plugin.
const model::KindSchema& host_kind();

}  // namespace supctl::manifest
