#pragma once
/// Renderings of a plan: text for people at a terminal, JSON for pipelines and saved plans,
/// Markdown for a pull-request comment. Secrets show as "(sensitive)" in all three.

#include <cstddef>
#include <string>

#include "plan/plan.h"

namespace supctl::plan {

struct TextOptions {
  bool color = false;  ///< ANSI colours; the CLI decides (terminal and no NO_COLOR)
};

/// Terraform-like: a partial-plan warning, the drift section, one block per change (unchanged
/// attributes hidden), then the summary line `Plan: X to add, Y to change, Z to destroy.`, a
/// stable line that tools parse.
std::string render_text(const Plan& plan, TextOptions options);

/// `to_json(plan)` pretty-printed with two spaces, ending in a newline.
std::string render_json(const Plan& plan, bool with_fingerprints = true);

struct MarkdownOptions {
  std::size_t max_chars = 65000;  ///< the result never exceeds this many bytes (GitHub allows 65,536)
};

/// A pull-request comment: summary, destroy banner and drift in view, change details folded in
/// `<details>`. When too long, change details are dropped from the end (then drift rows, then
/// banner entries) with a note saying how many are not shown.
std::string render_markdown(const Plan& plan, MarkdownOptions options);

}  // namespace supctl::plan
