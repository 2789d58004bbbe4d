#include "model/schema.h"

namespace supctl::model {

const AttributeSchema* KindSchema::attribute(std::string_view name) const {
  for (const AttributeSchema& a : attributes) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

namespace attr {

AttributeSchema depends_on() {
  return {.name = "depends_on", .type = AttrType::kAddressList, .description = "resources that must be applied first"};
}

AttributeSchema boolean(std::string_view name, std::string_view description) {
  return {.name = name, .type = AttrType::kBoolean, .description = description};
}

AttributeSchema reference(std::string_view name, std::string_view kind, std::string_view description, bool required) {
  return {.name = name, .type = AttrType::kReference, .description = description, .required = required, .ref_kind = kind};
}

AttributeSchema integer(std::string_view name, std::int64_t min, std::int64_t max, std::string_view description) {
  return {.name = name, .type = AttrType::kInteger, .description = description, .min = min, .max = max};
}

AttributeSchema set_of(std::string_view name, const Format& format, std::string_view description) {
  return {.name = name, .type = AttrType::kStringSet, .description = description, .format = &format};
}

}  // namespace attr

}  // namespace supctl::model
