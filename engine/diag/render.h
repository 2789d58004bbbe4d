#pragma once
/// Renderings of a diagnostic list: text for people, JSON for pipelines, SARIF for code scanning.

#include <span>
#include <string>

#include "diag/diagnostic.h"
#include "diag/source.h"

namespace supctl::diag {

struct TextStyle {
  bool color = false;  ///< ANSI colours; the CLI decides (terminal and no NO_COLOR)
};

/// Each diagnostic with its location, source line and caret, key path, detail, help and notes.
std::string render_text(const Diagnostics& diagnostics, const SourceSet& sources, TextStyle style);

/// `{format_version, valid, error_count, warning_count, diagnostics[]}`, pretty-printed.
std::string render_json(const Diagnostics& diagnostics, const SourceSet& sources);

/// SARIF 2.1.0 with one rule per code in `rules` (codes not in `rules` are added with no text).
/// A diagnostic without a range is located at `fallback_path` (the manifest directory), since
/// code scanning wants a location on every result.
std::string render_sarif(const Diagnostics& diagnostics, const SourceSet& sources,
                         std::span<const RuleInfo> rules, std::string_view tool_version,
                         std::string_view fallback_path);

}  // namespace supctl::diag
