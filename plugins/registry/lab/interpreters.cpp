#include "plugins/registry/lab/interpreters.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <string_view>

#include "model/base64.h"
#include "model/text.h"

namespace supctl::plugins::registry {
namespace {

using plugin::FailureKind;
using model::Json;
using plugin::OperationResult;

constexpr std::array<std::string_view, 5> kHives{"HKLM", "HKCU", "HKCR", "HKU", "HKCC"};
constexpr std::array<std::string_view, 6> kTypes{"string", "expand_string", "multi_string", "dword", "qword", "binary"};

using plugin::failed;
using plugin::succeeded;

// A string parameter, or why it is unusable.
std::optional<std::string> text(const Json& params, std::string_view operation, const char* name, std::string* error) {
  if (params.is_object() && params.contains(name) && params[name].is_string()) return params[name].get<std::string>();
  *error = fmt::format("{}: the parameter '{}' is missing or not a string", operation, name);
  return std::nullopt;
}

// The key parameter: a short hive, a backslash, and a path below it.
std::optional<std::string> key_param(const Json& params, std::string_view operation, std::string* error) {
  auto key = text(params, operation, "key", error);
  if (!key) return std::nullopt;
  std::size_t slash = key->find('\\');
  std::string_view hive = std::string_view(*key).substr(0, slash);
  bool known = false;
  for (std::string_view h : kHives) known |= model::iequals(h, hive);
  if (!known || slash == std::string::npos || slash + 1 == key->size()) {
    *error = fmt::format(
        "'{}' is not a registry key: expected HKLM, HKCU, HKCR, HKU or HKCC, a backslash and a key below it", *key);
    return std::nullopt;
  }
  return key;
}

// Data of a registry type as the estate keeps it, or why it does not fit the type.
std::optional<Json> stored_data(std::string_view type, const Json& data, std::string* error) {
  auto wrong = [&](std::string_view expected) {
    *error = fmt::format("{} data must be {}; found {}", type, expected, data.dump());
    return std::nullopt;
  };
  if (type == "string" || type == "expand_string") {
    if (!data.is_string()) return wrong("a string");
    return data;
  }
  if (type == "multi_string") {
    if (!data.is_array()) return wrong("an array of strings");
    for (const Json& item : data) {
      if (!item.is_string()) return wrong("an array of strings");
    }
    return data;
  }
  if (type == "dword" || type == "qword") {
    std::uint64_t max = type == "dword" ? 0xFFFFFFFFull : UINT64_MAX;
    if (data.is_number_unsigned() && data.get<std::uint64_t>() <= max) return data;
    if (data.is_number_integer() && !data.is_number_unsigned() && data.get<std::int64_t>() >= 0 &&
        static_cast<std::uint64_t>(data.get<std::int64_t>()) <= max) {
      return data;
    }
    return wrong(type == "dword" ? "an integer from 0 to 4294967295" : "an integer from 0 to 18446744073709551615");
  }
  auto hex = canonical_binary(data);
  if (!hex) return wrong("hex bytes such as \"01 0a ff\" or an array of integers from 0 to 255");
  return Json(*hex);
}

OperationResult get_key(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto key = key_param(params, "registry.get_key", &error);
  if (!key) return failed(error);
  return succeeded(Json{{"exists", estate.key_exists(host, *key)}, {"key", *key}});
}

OperationResult create_key(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto key = key_param(params, "registry.create_key", &error);
  if (!key) return failed(error);
  estate.create_key(host, *key);
  return succeeded();
}

OperationResult delete_key(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto key = key_param(params, "registry.delete_key", &error);
  if (!key) return failed(error);
  estate.delete_key(host, *key);
  return succeeded();
}

OperationResult get_value(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto key = key_param(params, "registry.get_value", &error);
  auto name = key ? text(params, "registry.get_value", "name", &error) : std::nullopt;
  if (!key || !name) return failed(error);
  Json result{{"exists", false}, {"key", *key}, {"name", *name}, {"type", nullptr}, {"data", nullptr}};
  if (auto value = estate.value(host, *key, *name)) {
    result["exists"] = true;
    result["type"] = value->type;
    auto hex = value->type == "binary" ? canonical_binary(value->data) : std::nullopt;
    result["data"] = hex ? Json(*hex) : value->data;
  }
  return succeeded(std::move(result));
}

OperationResult set_value(lab::Estate& estate, const std::string& host, const Json& params) {
  constexpr std::string_view kOperation = "registry.set_value";
  std::string error;
  auto key = key_param(params, kOperation, &error);
  auto name = key ? text(params, kOperation, "name", &error) : std::nullopt;
  auto type = name ? text(params, kOperation, "type", &error) : std::nullopt;
  if (!key || !name || !type) return failed(error);
  bool known = false;
  for (std::string_view t : kTypes) known |= t == *type;
  if (!known) {
    return failed(fmt::format(
        "'{}' is not a registry type: expected string, expand_string, multi_string, dword, qword or binary", *type));
  }
  if (!params.contains("data")) return failed(fmt::format("{}: the parameter 'data' is missing", kOperation));
  auto data = stored_data(*type, params["data"], &error);
  if (!data) return failed(error);
  estate.set_value(host, *key, *name, lab::RegistryValue{*type, std::move(*data)});
  return succeeded();
}

OperationResult delete_value(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto key = key_param(params, "registry.delete_value", &error);
  auto name = key ? text(params, "registry.delete_value", "name", &error) : std::nullopt;
  if (!key || !name) return failed(error);
  estate.delete_value(host, *key, *name);
  return succeeded();
}

}  // namespace

void add_lab_operations(lab::OperationTable& table) {
  table.add("registry.get_key", get_key);
  table.add("registry.create_key", create_key);
  table.add("registry.delete_key", delete_key);
  table.add("registry.get_value", get_value);
  table.add("registry.set_value", set_value);
  table.add("registry.delete_value", delete_value);
}

}  // namespace supctl::plugins::registry
