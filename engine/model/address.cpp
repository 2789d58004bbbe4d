#include "model/address.h"

#include <cctype>

namespace supctl::model {

bool is_bare_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '_' && c != '-') return false;
  }
  return true;
}

std::string Address::str() const {
  if (name.empty()) return kind;
  if (is_bare_name(name)) return kind + "." + name;
  return kind + "[\"" + name + "\"]";
}

std::optional<Address> parse_address(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::islower(static_cast<unsigned char>(text[i])) || text[i] == '_')) ++i;
  if (i == 0) return std::nullopt;
  Address address{std::string(text.substr(0, i)), {}};
  std::string_view rest = text.substr(i);
  if (rest.empty()) return address;
  if (rest.front() == '.') {
    rest.remove_prefix(1);
    if (!is_bare_name(rest)) return std::nullopt;
    address.name = std::string(rest);
    return address;
  }
  if (rest.size() >= 5 && rest.substr(0, 2) == "[\"" && rest.substr(rest.size() - 2) == "\"]") {
    std::string_view name = rest.substr(2, rest.size() - 4);
    if (name.empty() || name.find('"') != std::string_view::npos) return std::nullopt;
    address.name = std::string(name);
    return address;
  }
  return std::nullopt;
}

}  // namespace supctl::model
