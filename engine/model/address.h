#pragma once
/// A resource's address: `KIND.NAME`, or `KIND["NAME"]` when the name is not a bare word.

#include <optional>
#include <string>
#include <string_view>

namespace supctl::model {

struct Address {
  std::string kind;
  std::string name;  ///< empty for a singleton kind such as `hierarchy`

  std::string str() const;
  friend auto operator<=>(const Address&, const Address&) = default;
};

/// True when `name` can follow `KIND.` unquoted: letters, digits, '_' and '-'.
bool is_bare_name(std::string_view name);

/// Parses `kind.name`, `kind["name"]` or a singleton `kind`; nullopt when malformed.
std::optional<Address> parse_address(std::string_view text);

}  // namespace supctl::model
