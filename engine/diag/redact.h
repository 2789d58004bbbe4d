#pragma once
/// Keeps secrets out of everything supctl prints: source lines shown under a diagnostic are
/// masked wherever a secret-like key (password, secret, token, ...) is assigned a value.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace supctl::diag {

/// True for keys that name a secret: a word of the key starts with "pass", "pasw", "pwd", "secret",
/// "token" or "credential" ("ProxyPassword", "api_token", "pasword"; not "bypass").
bool looks_sensitive(std::string_view key);

/// A source line with every value assigned to a secret-like key replaced by "(sensitive)".
struct MaskedLine {
  std::string text;
  /// Maps a 0-based code-point column of the original line to the masked one.
  std::size_t map_column(std::size_t column) const;

  struct Replacement {
    std::size_t begin, end;  ///< code points replaced in the original, [begin, end)
    std::size_t length;      ///< code points of the replacement
  };
  std::vector<Replacement> replacements;  ///< in order of position
};

MaskedLine mask_secrets(std::string_view line);

}  // namespace supctl::diag
