#pragma once
/// What several commands share: loading and validating a manifest directory, finding the state.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "cli/app.h"
#include "cli/context.h"
#include "diag/source.h"
#include "manifest/validate.h"

namespace supctl::cli {

/// A validated manifest directory and the hash of its files (names and bytes).
struct Loaded {
  diag::SourceSet sources;
  manifest::Validation validation;
  std::string hash;  ///< SHA-256 hex over every file's name and bytes, in name order
};

/// Loads and validates `dir`; prints the diagnostics to stderr. nullopt when it is not valid.
std::optional<Loaded> load_valid(const std::string& dir, const Context& context, Io& io);

/// --state, else SUPCTL_STATE, else DIR/.supctl/state.db.
std::filesystem::path state_path(const std::string& dir, const std::string& option, const Io& io);

/// "30s", "5m", "250ms", "1h" or "0"; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace supctl::cli
