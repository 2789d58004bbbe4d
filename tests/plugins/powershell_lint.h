#pragma once
// A cheap check of PowerShell fragments for the plugin tests, since no PowerShell parser runs on
// Linux: brackets outside strings and comments balance, and no PowerShell 7-only syntax appears.

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace supctl::test {

/// Empty when the script passes; otherwise what is wrong and where.
inline std::string lint_powershell(std::string_view script) {
  for (std::string_view banned : {"??", "-AsHashtable", "&&", "||", "?."}) {
    if (script.find(banned) != std::string_view::npos) return fmt::format("'{}' is not Windows PowerShell 5.1", banned);
  }
  enum class Mode { kCode, kSingle, kDouble, kComment } mode = Mode::kCode;
  std::string open;
  for (std::size_t i = 0; i < script.size(); ++i) {
    char c = script[i];
    switch (mode) {
      case Mode::kCode:
        if (c == '#')
          mode = Mode::kComment;
        else if (c == '\'')
          mode = Mode::kSingle;
        else if (c == '"')
          mode = Mode::kDouble;
        else if (c == '`')
          ++i;
        else if (c == '(' || c == '{' || c == '[')
          open += c;
        else if (c == ')' || c == '}' || c == ']') {
          char expected = c == ')' ? '(' : c == '}' ? '{' : '[';
          if (open.empty() || open.back() != expected) return fmt::format("unbalanced '{}' at offset {}", c, i);
          open.pop_back();
        }
        break;
      case Mode::kSingle:
        if (c == '\'') mode = Mode::kCode;
        break;
      case Mode::kDouble:
        if (c == '`')
          ++i;
        else if (c == '"')
          mode = Mode::kCode;
        break;
      case Mode::kComment:
        if (c == '\n') mode = Mode::kCode;
        break;
    }
  }
  if (mode == Mode::kSingle || mode == Mode::kDouble) return "an unterminated string";
  if (!open.empty()) return fmt::format("'{}' is never closed", open.back());
  return {};
}

}  // namespace supctl::test
