#include "plugins/registry/plugin.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "diag/suggest.h"
#include "model/formats.h"
#include "model/text.h"
#include "plugins/registry/operations.h"

namespace supctl::plugins::registry {
namespace {

using diag::Severity;
using plugin::Action;
using model::AttributeMap;
using model::AttrType;
using model::Json;
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

constexpr std::string_view kKeyDescription = "the key's path; HKCU only on a host with transport = \"local\" or \"lab\"";

model::AttributeSchema host() {
  return {.name = "host", .type = AttrType::kMachine, .description = "the machine the key is on", .required = true};
}
using model::attr::depends_on;
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
                     {.name = "key", .type = AttrType::kString, .description = kKeyDescription, .required = true, .format = &kKeyFormat}},
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
                     {.name = "key", .type = AttrType::kString, .description = kKeyDescription, .required = true, .format = &kKeyFormat},
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
    {"remote-current-user", "A registry key or value under HKCU on a host that supctl reaches over WinRM or SSH."},
};

/// The transport a live run reaches `machine` through: its [host] table's (the name compared
/// without case, as the planner does), or WinRM, the live backend's choice for a machine that
/// has none.
std::string transport_of(const model::Manifest& manifest, std::string_view machine, bool* declared) {
  const Resource* host = manifest.find("host", machine);
  if (!host) {
    for (const Resource& r : manifest.of_kind("host")) {
      if (model::iequals(r.name(), machine)) host = &r;
    }
  }
  *declared = host != nullptr;
  auto transport = host ? host->string("transport") : std::nullopt;
  return transport ? std::string(*transport) : std::string("winrm");
}

/// HKCU through a remote session is refused: WinRM and SSH sessions have no interactive user, so
/// HKEY_CURRENT_USER there is the hive of the account supctl signs in with (the default profile's
/// when Windows loads none), never the hive of the user the setting is meant for. A local run
/// (transport = "local") is the signed-in user's, and the lab has no users: both keep HKCU.
void check_current_user(const Resource& r, const model::Manifest& manifest, diag::Diagnostics& out) {
  auto path = r.string("key");
  auto machine = r.string("host");
  if (!path || !machine) return;
  std::string_view hive = path->substr(0, path->find('\\'));
  if (hive != "HKCU" && hive != "HKEY_CURRENT_USER") return;
  bool declared = false;
  std::string transport = transport_of(manifest, *machine, &declared);
  if (transport == "local" || transport == "lab") return;
  auto& d = out.error("remote-current-user",
                      fmt::format("'{}' on '{}' is not a user's registry: supctl reaches the host over {}", *path, *machine, transport));
  d.address = r.address.str();
  d.key_path = d.address + ".key";
  d.range = r.range_of("key");
  d.detail = fmt::format(
      "expected: HKCU only on a host with transport = \"local\" or \"lab\"\nfound: {}; a remote session has no interactive "
      "user, so HKCU there is the hive of the account supctl signs in with (or the default profile's), and no user would see the value",
      declared ? fmt::format("transport = \"{}\"", transport) : fmt::format("no [host.\"{}\"] table, so transport \"winrm\"", *machine));
  d.help = fmt::format("write the user's own hive as 'HKU\\<SID>{}' (it must be loaded), or a machine-wide policy under "
                       "'HKLM\\SOFTWARE\\Policies'",
                       path->substr(hive.size()));
}

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

// ---- Reading and changing keys and values on a host, through the registry.* operations (operations.h).

/// The attributes that say which key or value a resource is: they are how it is read, so they
/// cannot differ from what the host shows.
constexpr std::array<std::string_view, 3> kIdentity{"host", "key", "name"};

/// An attribute of a resource being read: from the manifest, or from the state once it left it.
std::optional<std::string> read_attribute(const plugin::ReadRequest& request, std::string_view name) {
  if (request.desired) {
    auto value = request.desired->string(name);
    return value ? std::optional<std::string>(*value) : std::nullopt;
  }
  return model::string_attribute(request.recorded, name);
}

/// "present" unless the attributes say "absent".
std::string_view ensure_of(const AttributeMap& attributes) { return model::string_attribute(&attributes, "ensure") == "absent" ? "absent" : "present"; }

/// What to check when a read fails.
constexpr plugin::ReadAdvice kReadAdvice{.access_denied = "check that supctl's account may read the registry on the host"};

/// Binary data in its canonical spelling, so that equal bytes compare equal.
AttributeMap canonical(AttributeMap attributes) {
  if (model::string_attribute(&attributes, "type") == "binary") {
    auto data = attributes.find("data");
    if (data != attributes.end()) {
      if (auto hex = canonical_binary(data->second)) data->second = *hex;
    }
  }
  return attributes;
}

/// Desired attributes as the host shows them: canonical and, when `observed` lacks them (an
/// observation made without the manifest), without identity attributes.
AttributeMap comparable(const AttributeMap& desired, const AttributeMap* observed) {
  AttributeMap out = canonical(desired);
  if (observed) {
    for (std::string_view name : kIdentity) {
      if (!observed->contains(name)) {
        auto it = out.find(name);
        if (it != out.end()) out.erase(it);
      }
    }
  }
  return out;
}

class RegistryPlugin final : public plugin::Plugin {
 public:
  std::string_view name() const override { return "registry"; }
  std::span<const KindSchema> kinds() const override {
    static const std::vector<KindSchema> all = make_kinds();
    return all;
  }
  std::span<const diag::RuleInfo> rules() const override { return kRules; }

  void check(const model::Manifest& manifest, diag::Diagnostics& out) const override {
    std::map<std::string, const Resource*> targets;
    auto claim = [&](const Resource& r, std::string target, std::string_view what) {
      auto [it, inserted] = targets.emplace(model::lower(target), &r);
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
      check_current_user(key, manifest, out);
    }
    for (const Resource& value : manifest.of_kind("registry_value")) {
      auto host = value.string("host");
      auto path = value.string("key");
      auto name = value.string("name");
      if (host && path && name) {
        claim(value, fmt::format("{}|{}|{}", *host, *path, *name), fmt::format("the value '{}' of '{}' on '{}'", *name, *path, *host));
      }
      check_data(value, out);
      check_current_user(value, manifest, out);
    }
  }

  plugin::ReadResponse read(const plugin::ReadRequest& request) const override {
    plugin::ReadResponse response;
    auto key = read_attribute(request, "key");
    auto name = read_attribute(request, "name");
    if (!key || (request.address.kind == "registry_value" && !name)) {
      plugin::resource_error(response.diagnostics, request.address, "read-failed",
                fmt::format("cannot read {}: it has no {}", request.address.str(), key ? "'name'" : "'key'"));
      return response;
    }
    if (request.address.kind == "registry_key") {
      response.operations.push_back({"registry.get_key", Json{{"key", *key}}});
    } else {
      response.operations.push_back({"registry.get_value", Json{{"key", *key}, {"name", *name}}});
    }
    return response;
  }

  plugin::ObserveResponse observe(const plugin::ObserveRequest& request) const override {
    plugin::ObserveResponse response;
    bool is_key = request.address.kind == "registry_key";
    const Json* result = plugin::read_result(request, 0, is_key ? "registry.get_key" : "registry.get_value", kReadAdvice, response.diagnostics);
    if (!result) return response;
    const Resource* desired = request.desired;
    // Identity as the manifest writes it; without the manifest, as the read echoes it.
    AttributeMap observed;
    for (std::string_view name : kIdentity) {
      if (is_key && name == "name") continue;
      auto written = desired ? desired->string(name) : std::nullopt;
      auto recorded = desired ? std::nullopt : model::string_attribute(request.recorded, name);
      if (written) {
        observed[std::string(name)] = std::string(*written);
      } else if (recorded) {
        observed[std::string(name)] = *recorded;
      } else if (result->contains(name) && (*result)[std::string(name)].is_string()) {
        observed[std::string(name)] = (*result)[std::string(name)];
      }
    }
    if (!result->value("exists", false)) {
      // Absent is what `ensure = "absent"` asks for: show it, so that state and host agree.
      if (!desired || desired->string("ensure") != "absent") return response;
      observed["ensure"] = "absent";
      response.observed = std::move(observed);
      return response;
    }
    observed["ensure"] = "present";
    if (!is_key) {
      observed["type"] = result->value("type", Json(nullptr));
      observed["data"] = result->value("data", Json(nullptr));
      // Binary data that means what the manifest says is shown as the manifest spells it
      // (an array of bytes, or hex in any case), so that state and host compare equal.
      const model::Attribute* data = desired ? desired->find("data") : nullptr;
      if (data && observed["type"] == "binary" && desired->string("type") == "binary") {
        Json written = model::to_json(data->value);
        if (canonical_binary(written) == canonical_binary(observed["data"])) observed["data"] = written;
      }
    }
    response.observed = std::move(observed);
    return response;
  }

  plugin::DiffResponse diff(const plugin::DiffRequest& request) const override {
    if (!request.desired) return plugin::generic_diff(request);
    const AttributeMap* observed = request.observed && ensure_of(*request.observed) == "present" ? request.observed : nullptr;
    if (ensure_of(*request.desired) == "absent") {
      plugin::DiffResponse response;
      if (observed) {
        response.action = Action::kUpdate;
        response.attributes.push_back(plugin::AttributeDiff{"ensure", "present", "absent", false});
      }
      return response;
    }
    AttributeMap desired = comparable(*request.desired, observed);
    std::optional<AttributeMap> seen;
    if (observed) seen = canonical(*observed);
    plugin::DiffRequest narrowed = request;
    narrowed.desired = &desired;
    narrowed.observed = seen ? &*seen : nullptr;
    return plugin::generic_diff(narrowed);
  }

  plugin::VerifyResponse verify(const plugin::VerifyRequest& request) const override {
    if (!request.desired || ensure_of(*request.desired) != "absent") return Plugin::verify(request);
    plugin::VerifyResponse response;
    response.converged = !request.observed || ensure_of(*request.observed) == "absent";
    if (!response.converged) {
      plugin::resource_error(response.diagnostics, request.address, "not-converged",
                fmt::format("{} still exists after apply; ensure = \"absent\"", request.address.str()));
    }
    return response;
  }

  plugin::ApplyResponse apply(const plugin::ApplyRequest& request) const override {
    plugin::ApplyResponse response;
    // A resource that left the manifests has no desired attributes: it is named by what was read.
    auto identity = [&](std::string_view name) {
      auto value = model::string_attribute(request.desired, name);
      return value ? value : model::string_attribute(request.observed, name);
    };
    auto key = identity("key");
    auto name = identity("name");
    bool is_key = request.address.kind == "registry_key";
    if (!key || (!is_key && !name)) {
      plugin::resource_error(response.diagnostics, request.address, "apply-failed",
                fmt::format("cannot change {}: its {} is not known", request.address.str(), key ? "value name" : "key"));
      return response;
    }
    bool remove = request.action == Action::kDelete || (request.desired && ensure_of(*request.desired) == "absent");
    if (is_key) {
      response.operations.push_back({remove ? "registry.delete_key" : "registry.create_key", Json{{"key", *key}}});
      return response;
    }
    if (remove) {
      response.operations.push_back({"registry.delete_value", Json{{"key", *key}, {"name", *name}}});
      return response;
    }
    auto type = model::string_attribute(request.desired, "type");
    const Json* data = nullptr;
    if (request.desired) {
      auto it = request.desired->find("data");
      if (it != request.desired->end()) data = &it->second;
    }
    if (!type || !data) {
      plugin::resource_error(response.diagnostics, request.address, "apply-failed",
                fmt::format("cannot set {}: it has no {}", request.address.str(), type ? "'data'" : "'type'"));
      return response;
    }
    Json value = *data;
    if (*type == "binary") {
      auto hex = canonical_binary(value);
      if (!hex) {
        plugin::resource_error(response.diagnostics, request.address, "registry-data",
                  fmt::format("cannot set {}: binary data {} is not hex bytes or an array of bytes", request.address.str(), value.dump()));
        return response;
      }
      value = *hex;
    }
    response.operations.push_back({"registry.set_value", Json{{"key", *key}, {"name", *name}, {"type", *type}, {"data", value}}});
    return response;
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

std::unique_ptr<plugin::Plugin> make_plugin() { return std::make_unique<RegistryPlugin>(); }

}  // namespace supctl::plugins::registry
