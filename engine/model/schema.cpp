#include "model/schema.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdint>

#include "model/attributes.h"

namespace supctl::model {

const AttributeSchema* KindSchema::attribute(std::string_view name) const {
  for (const AttributeSchema& a : attributes) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

namespace {

std::string_view json_type(const Json& value) {
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number_integer()) return "an integer";
  if (value.is_number()) return "a number";
  if (value.is_array()) return "an array";
  if (value.is_object()) return "a table";
  return "null";
}

bool strings(const Json& value) {
  return value.is_array() && std::all_of(value.begin(), value.end(), [](const Json& item) { return item.is_string(); });
}

/// What is wrong with `value` as `schema` wants it, or an empty string.
std::string misfit_value(const AttributeSchema& schema, const Json& value, const std::string& path) {
  auto expected = [&](std::string_view what) { return fmt::format("{}: expected {}, found {}", path, what, json_type(value)); };
  switch (schema.type) {
    case AttrType::kString:
    case AttrType::kReference:
    case AttrType::kMachine:
      return value.is_string() ? std::string() : expected("a string");
    case AttrType::kBoolean:
      return value.is_boolean() ? std::string() : expected("a boolean");
    case AttrType::kInteger: {
      if (!value.is_number_integer()) return expected("an integer");
      const std::int64_t n = value.get<std::int64_t>();
      if ((schema.min && n < *schema.min) || (schema.max && n > *schema.max)) {
        return fmt::format("{}: expected an integer from {} to {}", path, schema.min.value_or(INT64_MIN), schema.max.value_or(INT64_MAX));
      }
      return {};
    }
    case AttrType::kEnum: {
      const bool known = value.is_string() && std::find(schema.enum_values.begin(), schema.enum_values.end(),
                                                        value.get_ref<const std::string&>()) != schema.enum_values.end();
      return known ? std::string() : expected(fmt::format("one of {}", fmt::join(schema.enum_values, ", ")));
    }
    case AttrType::kSecret:
      return is_secret_reference(value) ? std::string()
                                        : expected("a secret reference such as {\"env\": \"NAME\"} or {\"file\": \"PATH\"}");
    case AttrType::kStringList:
    case AttrType::kAddressList:
      return strings(value) ? std::string() : expected("an array of strings");
    case AttrType::kStringSet:
      return strings(value) || value.is_object() ? std::string() : expected("an array of strings or {include, exclude}");
    case AttrType::kTable:
      if (!value.is_object()) return expected("a table");
      if (auto nested = misfit(schema.fields, value, path)) return *nested;
      return {};
    case AttrType::kRegistryData:
      return {};
  }
  return {};
}

}  // namespace

std::optional<std::string> misfit(std::span<const AttributeSchema> attributes, const Json& settings, std::string_view path) {
  if (!settings.is_object()) return fmt::format("{}: expected a table, found {}", path, json_type(settings));
  for (auto it = settings.begin(); it != settings.end(); ++it) {
    const std::string key_path = fmt::format("{}.{}", path, it.key());
    auto schema = std::find_if(attributes.begin(), attributes.end(), [&](const AttributeSchema& a) { return a.name == it.key(); });
    if (schema == attributes.end()) return fmt::format("{}: not a setting supctl knows", key_path);
    if (std::string wrong = misfit_value(*schema, it.value(), key_path); !wrong.empty()) return wrong;
  }
  return std::nullopt;
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
