#include "plugins/registry/plugin.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <vector>

#include "diag/suggest.h"
#include "model/formats.h"

namespace supctl::plugins::registry {
namespace {

using diag::Severity;
using model::AttrType;
using model::KindSchema;
using model::Resource;
using model::Value;
namespace formats = model::formats;

struct Hive {
  std::string_view short_name;
  std::string_view long_name;
};
constexpr std::array<Hive, 5> kHives{{{"HKLM", "HKEY_LOCAL_MACHINE"},
                                      {"HKCU", "HKEY_CURRENT_USER"},
                                      {"HKCR", "HKEY_CLASSES_ROOT"},
                                      {"HKU", "HKEY_USERS"},
                                      {"HKCC", "HKEY_CURRENT_CONFIG"}}};

// 'HKEY_LOCAL_MACHINE\X' and 'HKLM\X' are one key; the short form is kept.
std::optional<model::FormatError> check_key(std::string_view text, std::string* normalized) {
  std::size_t slash = text.find('\\');
  std::string_view hive = text.substr(0, slash);
  auto it = std::find_if(kHives.begin(), kHives.end(), [&](const Hive& h) { return h.short_name == hive || h.long_name == hive; });
  if (it == kHives.end()) {
    std::vector<std::string_view> names;
    for (const Hive& h : kHives) names.push_back(h.short_name);
    return model::FormatError{fmt::format("'{}' is not a registry hive", hive), 0, diag::did_you_mean(hive, names)};
  }
  if (slash == std::string_view::npos || slash + 1 == text.size()) {
    return model::FormatError{"expected a key below the hive, such as 'HKLM\\SOFTWARE\\Microsoft'", hive.size(), {}};
  }
  std::string_view rest = text.substr(slash + 1);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '\\' && (i + 1 == rest.size() || rest[i + 1] == '\\')) {
      return model::FormatError{"a key path has an empty part ('\\\\' or a trailing '\\')", slash + 1 + i, {}};
    }
  }
  if (normalized && it->long_name == hive) *normalized = std::string(it->short_name) + "\\" + std::string(rest);
  return std::nullopt;
}

const model::Format kKeyFormat{
    "registry key", "a registry key such as 'HKLM\\SOFTWARE\\Microsoft\\Update Services'",
    R"json({"type":"string","pattern":"^(HKLM|HKEY_LOCAL_MACHINE|HKCU|HKEY_CURRENT_USER|HKCR|HKEY_CLASSES_ROOT|HKU|HKEY_USERS|HKCC|HKEY_CURRENT_CONFIG)(\\\\[^\\\\]+)+$"})json",
    check_key, "invalid-value", true};

model::AttributeSchema host() {
  return {.name = "host", .type = AttrType::kMachine, .description = "the machine the key is on", .required = true};
}
model::AttributeSchema depends_on() {
  return {.name = "depends_on", .type = AttrType::kAddressList, .description = "resources that must be applied first"};
}
model::AttributeSchema ensure() {
  return {.name = "ensure", .type = AttrType::kEnum, .description = "present (the default) or absent", .enum_values = {"present", "absent"}};
}

std::vector<KindSchema> make_kinds() {
  std::vector<KindSchema> kinds;
  kinds.push_back(KindSchema{
      .kind = "registry_key",
      .plugin = "registry",
      .description = "A registry key that must exist (or not).",
      .name_format = &formats::kIdentifier,
      .attributes = {depends_on(), ensure(), host(),
                     {.name = "key", .type = AttrType::kString, .description = "the key's path", .required = true, .format = &kKeyFormat}},
  });
  kinds.push_back(KindSchema{
      .kind = "registry_value",
      .plugin = "registry",
      .description = "A registry value: its type and data.",
      .name_format = &formats::kIdentifier,
      .attributes = {{.name = "data", .type = AttrType::kRegistryData,
                      .description = "string (string, expand_string), array of strings (multi_string), integer (dword, qword), "
                                     "hex string or array of bytes (binary)"},
                     depends_on(), ensure(), host(),
                     {.name = "key", .type = AttrType::kString, .description = "the key's path", .required = true, .format = &kKeyFormat},
                     {.name = "name", .type = AttrType::kString, .description = "the value's name; \"\" for the key's default value",
                      .required = true},
                     {.name = "type", .type = AttrType::kEnum, .description = "the value's registry type",
                      .enum_values = {"string", "expand_string", "multi_string", "dword", "qword", "binary"}}},
  });
  return kinds;
}

constexpr diag::RuleInfo kRules[] = {
    {"registry-data", "A registry value's data does not fit its type."},
    {"duplicate-target", "Two resources manage the same registry key, registry value or service."},
};

bool is_hex_bytes(std::string_view text, std::size_t* bad) {
  std::size_t digits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == ',') {
      if (digits % 2 != 0) { *bad = i; return false; }
      continue;
    }
    if (!std::isxdigit(static_cast<unsigned char>(c))) { *bad = i; return false; }
    ++digits;
  }
  if (digits % 2 != 0) { *bad = text.size(); return false; }
  return true;
}

class RegistryPlugin final : public model::Plugin {
 public:
  std::string_view name() const override { return "registry"; }
  std::span<const KindSchema> kinds() const override {
    static const std::vector<KindSchema> all = make_kinds();
    return all;
  }
  std::span<const diag::RuleInfo> rules() const override { return kRules; }

  void check(const model::Manifest& manifest, diag::Diagnostics& out) const override {
    std::map<std::string, const Resource*> targets;
    auto lower = [](std::string_view s) {
      std::string o(s);
      for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return o;
    };
    auto claim = [&](const Resource& r, std::string target, std::string_view what) {
      auto [it, inserted] = targets.emplace(lower(target), &r);
      if (inserted) return;
      auto& d = out.error("duplicate-target", fmt::format("{} and {} both manage {}", it->second->address.str(), r.address.str(), what));
      d.address = r.address.str();
      d.key_path = d.address;
      d.range = r.range;
      d.help = "keep one of them: two resources for one setting would undo each other";
      d.notes.push_back(diag::Note{"the other definition", it->second->range});
    };
    for (const Resource& key : manifest.of_kind("registry_key")) {
      auto host = key.string("host");
      auto path = key.string("key");
      if (host && path) claim(key, fmt::format("{}|{}", *host, *path), fmt::format("the key '{}' on '{}'", *path, *host));
    }
    for (const Resource& value : manifest.of_kind("registry_value")) {
      auto host = value.string("host");
      auto path = value.string("key");
      auto name = value.string("name");
      if (host && path && name) {
        claim(value, fmt::format("{}|{}|{}", *host, *path, *name), fmt::format("the value '{}' of '{}' on '{}'", *name, *path, *host));
      }
      check_data(value, out);
    }
  }

 private:
  static void check_data(const Resource& r, diag::Diagnostics& out) {
    auto report = [&](std::string summary, std::string_view attribute) -> diag::Diagnostic& {
      diag::Diagnostic& d = out.error("registry-data", std::move(summary));
      d.address = r.address.str();
      d.key_path = d.address + "." + std::string(attribute);
      d.range = r.range_of(attribute);
      return d;
    };
    bool absent = r.string("ensure") == "absent";
    const model::Attribute* data = r.find("data");
    auto type = r.string("type");
    if (absent) {
      for (std::string_view attribute : {"data", "type"}) {
        if (r.find(attribute)) report(fmt::format("'{}' of a value that ensure = \"absent\" removes", attribute), attribute)
            .help = "remove it: a removed value has no type or data";
      }
      return;
    }
    if (!type || !data) {
      if (!type) report("a registry value needs a 'type'", "type").help =
          "add type = \"string\", \"expand_string\", \"multi_string\", \"dword\", \"qword\" or \"binary\"";
      if (!data) report("a registry value needs 'data'", "data").help = "add data = ... in the form its type takes";
      return;
    }
    const Value& v = data->value;
    std::string expected;
    if (*type == "string" || *type == "expand_string") {
      if (!v.is_string()) expected = "a string";
    } else if (*type == "multi_string") {
      if (!v.is_array() || !std::all_of(v.as_array().begin(), v.as_array().end(), [](const Value& x) { return x.is_string(); })) {
        expected = "an array of strings";
      }
    } else if (*type == "dword" || *type == "qword") {
      std::int64_t max = *type == "dword" ? 4294967295LL : INT64_MAX;
      if (!v.is_integer()) {
        expected = *type == "dword" ? "an integer from 0 to 4294967295" : "an integer of at least 0";
      } else if (v.as_integer() < 0 || v.as_integer() > max) {
        auto& d = report(fmt::format("{} data {} is out of range", *type, v.as_integer()), "data");
        d.detail = *type == "dword" ? "expected: an integer from 0 to 4294967295" : "expected: an integer of at least 0";
        return;
      }
    } else if (*type == "binary") {
      std::size_t bad = 0;
      if (v.is_string()) {
        if (!is_hex_bytes(v.as_string(), &bad)) {
          auto& d = report("binary data is not a string of hex bytes", "data");
          d.detail = fmt::format("expected: hex bytes such as \"01 0a ff\"\nfound: '{}'", v.as_string());
          return;
        }
      } else if (v.is_array() && std::all_of(v.as_array().begin(), v.as_array().end(),
                                             [](const Value& x) { return x.is_integer() && x.as_integer() >= 0 && x.as_integer() <= 255; })) {
      } else {
        expected = "a string of hex bytes such as \"01 0a ff\", or an array of integers from 0 to 255";
      }
    }
    if (!expected.empty()) {
      auto& d = report(fmt::format("'data' does not fit type '{}'", *type), "data");
      d.detail = fmt::format("expected: {}\nfound: {} {}", expected, model::type_name(v.type()), model::display(v));
    }
  }
};

}  // namespace

std::unique_ptr<model::Plugin> make_plugin() { return std::make_unique<RegistryPlugin>(); }

}  // namespace supctl::plugins::registry
