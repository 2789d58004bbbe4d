#include "plugins/service/plugin.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "model/formats.h"

namespace supctl::plugins::service {
namespace {

using model::AttrType;
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
      .attributes = {
          {.name = "depends_on", .type = AttrType::kAddressList, .description = "resources that must be applied first"},
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

class ServicePlugin final : public model::Plugin {
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
      std::string key = fmt::format("{}|{}", *host, *name);
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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
};

}  // namespace

std::unique_ptr<model::Plugin> make_plugin() { return std::make_unique<ServicePlugin>(); }

}  // namespace supctl::plugins::service
