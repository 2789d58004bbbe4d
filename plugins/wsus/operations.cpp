#include "plugins/wsus/operations.h"

#include <cctype>
#include <optional>

#include "model/text.h"
#include "plugins/common/products.h"

namespace supctl::plugins::wsus {
namespace {

/// The GUID in upper case without braces, or nullopt when the text is not one.
std::optional<std::string> normalized_guid(std::string_view text) {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') text = text.substr(1, 36);
  if (text.size() != 36) return std::nullopt;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  return model::upper(text);
}

}  // namespace

std::vector<const Category*> match_categories(std::string_view pattern, std::span<const Category> catalog) {
  std::vector<const Category*> out;
  std::optional<std::string> guid = normalized_guid(pattern);
  for (const Category& category : catalog) {
    bool selected = guid ? model::upper(category.id) == *guid
                         : (category.family ? model::iequals(pattern, category.title)
                                            : common::glob_match(pattern, category.title));
    if (selected) out.push_back(&category);
  }
  return out;
}

}  // namespace supctl::plugins::wsus
