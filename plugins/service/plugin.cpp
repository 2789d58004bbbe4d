#include "plugins/service/plugin.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/formats.h"
#include "model/text.h"

namespace supctl::plugins::service {
namespace {

using plugin::Action;
using model::AttributeMap;
using model::AttrType;
using model::Json;
using model::KindSchema;
using model::Resource;
namespace formats = model::formats;

std::optional<model::FormatError> check_service_name(std::string_view text, std::string*) {
  if (text.empty() || text.size() > 256) return model::FormatError{"a service name has 1 to 256 characters", 0, {}};
  auto bad = std::find_if(text.begin(), text.end(), [](char c) { return c == '\\' || c == '/'; });
  if (bad != text.end()) {
    return model::FormatError{"a service name has no '\\' or '/'", static_cast<std::size_t>(bad - text.begin()), {}};
  }
  return std::nullopt;
}

const model::Format kServiceName{"service name", "a service name such as 'WsusService'",
                                 R"json({"type":"string","minLength":1,"maxLength":256,"pattern":"^[^\\\\/]+$"})json", check_service_name, "invalid-value", true};

std::vector<KindSchema> make_kinds() {
  std::vector<KindSchema> kinds;
  kinds.push_back(KindSchema{
      .kind = "service",
      .plugin = "service",
      .description = "A Windows service: its startup type and whether it runs.",
      .name_format = &formats::kIdentifier,
      .deletable = false,  // supctl sets startup and state; it never installs or removes a service
      .attributes = {
          model::attr::depends_on(),
          {.name = "host", .type = AttrType::kMachine, .description = "the machine the service is on", .required = true},
          {.name = "name", .type = AttrType::kString, .description = "the service's name (not its display name)", .required = true,
           .format = &kServiceName},
          {.name = "startup", .type = AttrType::kEnum, .description = "the startup type",
           .enum_values = {"automatic", "delayed", "manual", "disabled"}},
          {.name = "state", .type = AttrType::kEnum, .description = "running or stopped", .enum_values = {"running", "stopped"}},
      },
  });
  return kinds;
}

constexpr diag::RuleInfo kRules[] = {
    {"service-state", "A disabled service that should be running."},
    {"duplicate-target", "Two resources manage the same registry key, registry value or service."},
};

// ---- Reading and changing a service on its host, through the service.* operations (operations.h).

/// How long service.set waits for a service to reach its state.
constexpr int kTimeoutSeconds = 60;

/// What to check when a read fails.
constexpr plugin::ReadAdvice kReadAdvice{.access_denied = "check that supctl's account may query services on the host"};

class ServicePlugin final : public plugin::Plugin {
 public:
  std::string_view name() const override { return "service"; }
  std::span<const KindSchema> kinds() const override {
    static const std::vector<KindSchema> all = make_kinds();
    return all;
  }
  std::span<const diag::RuleInfo> rules() const override { return kRules; }

  void check(const model::Manifest& manifest, diag::Diagnostics& out) const override {
    std::map<std::string, const Resource*> seen;
    for (const Resource& s : manifest.of_kind("service")) {
      if (s.string("startup") == "disabled" && s.string("state") == "running") {
        auto& d = out.error("service-state", "a disabled service cannot be kept running");
        d.address = s.address.str();
        d.key_path = d.address + ".state";
        d.range = s.range_of("state");
        d.help = "set startup to \"automatic\", \"delayed\" or \"manual\", or state = \"stopped\"";
      }
      auto host = s.string("host");
      auto name = s.string("name");
      if (!host || !name) continue;
      std::string key = model::lower(fmt::format("{}|{}", *host, *name));
      auto [it, inserted] = seen.emplace(key, &s);
      if (inserted) continue;
      auto& d = out.error("duplicate-target", fmt::format("{} and {} both manage the service '{}' on '{}'",
                                                          it->second->address.str(), s.address.str(), *name, *host));
      d.address = s.address.str();
      d.key_path = d.address;
      d.range = s.range;
      d.help = "keep one of them: two resources for one service would undo each other";
      d.notes.push_back(diag::Note{"the other definition", it->second->range});
    }
  }

  plugin::ReadResponse read(const plugin::ReadRequest& request) const override {
    plugin::ReadResponse response;
    std::optional<std::string> name;
    if (request.desired) {
      if (auto written = request.desired->string("name")) name = std::string(*written);
    } else {
      name = model::string_attribute(request.recorded, "name");
    }
    if (!name) {
      plugin::resource_error(response.diagnostics, request.address, "read-failed", fmt::format("cannot read {}: it has no 'name'", request.address.str()));
      return response;
    }
    response.operations.push_back({"service.get", Json{{"name", *name}}});
    return response;
  }

  plugin::ObserveResponse observe(const plugin::ObserveRequest& request) const override {
    plugin::ObserveResponse response;
    const Json* result = plugin::read_result(request, 0, "service.get", kReadAdvice, response.diagnostics);
    if (!result) return response;
    const Resource* desired = request.desired;
    std::string host;  // as the manifest or the last apply names it
    if (desired) host = std::string(desired->string("host").value_or(""));
    else host = model::string_attribute(request.recorded, "host").value_or("");
    if (!result->value("exists", false)) {
      // Gone from a host after it left the manifests: nothing to report, the plan forgets it.
      if (!desired) return response;
      auto name = desired->string("name");
      auto& d = plugin::resource_error(response.diagnostics, request.address, "not-found",
                          fmt::format("the service '{}' does not exist on '{}': supctl sets startup and state; it does not install services",
                                      name.value_or(""), host));
      d.range = desired->range_of("name");
      d.help = "install it first (with the role, feature or product that provides it), or correct 'name'";
      return response;
    }
    AttributeMap observed;
    if (!host.empty()) observed["host"] = host;
    observed["name"] = result->value("name", Json(nullptr));
    observed["startup"] = result->value("startup", Json(nullptr));
    observed["state"] = result->value("state", Json(nullptr));
    response.observed = std::move(observed);
    return response;
  }

  plugin::DiffResponse diff(const plugin::DiffRequest& request) const override {
    // An observation made without the manifest (the read-back after apply) does not know the host.
    if (!request.desired || !request.observed || request.observed->contains("host")) return plugin::generic_diff(request);
    AttributeMap desired = *request.desired;
    desired.erase("host");
    plugin::DiffRequest narrowed = request;
    narrowed.desired = &desired;
    return plugin::generic_diff(narrowed);
  }

  plugin::ApplyResponse apply(const plugin::ApplyRequest& request) const override {
    plugin::ApplyResponse response;
    if (request.action != Action::kUpdate) {
      plugin::resource_error(response.diagnostics, request.address, "apply-failed",
                fmt::format("cannot {} {}: supctl sets a service's startup and state; it does not install or remove services",
                            plugin::action_name(request.action), request.address.str()));
      return response;
    }
    auto name = model::string_attribute(request.desired, "name");
    if (!name) name = model::string_attribute(request.observed, "name");
    if (!name) {
      plugin::resource_error(response.diagnostics, request.address, "apply-failed", fmt::format("cannot change {}: it has no 'name'", request.address.str()));
      return response;
    }
    Json params{{"name", *name}};
    if (auto startup = model::string_attribute(request.desired, "startup")) params["startup"] = *startup;
    if (auto state = model::string_attribute(request.desired, "state")) params["state"] = *state;
    params["timeout_seconds"] = kTimeoutSeconds;
    response.operations.push_back({"service.set", std::move(params)});
    return response;
  }
};

}  // namespace

std::unique_ptr<plugin::Plugin> make_plugin() { return std::make_unique<ServicePlugin>(); }

}  // namespace supctl::plugins::service
