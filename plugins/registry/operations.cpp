#include "plugins/registry/operations.h"

#include <cctype>
#include <cstdint>

#include "model/base64.h"

namespace supctl::plugins::registry {

using model::Json;

std::optional<std::string> canonical_binary(const Json& data) {
  std::string bytes;
  if (data.is_array()) {
    for (const Json& item : data) {
      if (!item.is_number_integer()) return std::nullopt;
      if (item.is_number_unsigned() ? item.get<std::uint64_t>() > 255
                                    : (item.get<std::int64_t>() < 0 || item.get<std::int64_t>() > 255)) {
        return std::nullopt;
      }
      bytes += static_cast<char>(item.get<std::int64_t>());
    }
    return model::spaced_hex(bytes);
  }
  if (!data.is_string()) return std::nullopt;
  // Pairs of hex digits; separators (spaces, commas) only between pairs.
  const std::string& s = data.get_ref<const std::string&>();
  int high = -1;
  for (char c : s) {
    if (c == ' ' || c == ',') {
      if (high >= 0) return std::nullopt;
      continue;
    }
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    int digit =
        std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    if (high < 0) {
      high = digit;
    } else {
      bytes += static_cast<char>(high * 16 + digit);
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return model::spaced_hex(bytes);
}

}  // namespace supctl::plugins::registry
