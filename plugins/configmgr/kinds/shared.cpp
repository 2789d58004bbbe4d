#include "plugins/configmgr/kinds/shared.h"

#include <fmt/format.h>

#include "model/attributes.h"

namespace supctl::plugins::configmgr {

using model::Json;
using model::Resource;

std::optional<std::string> attribute_of(const plugin::ReadRequest& request, std::string_view name) {
  if (request.desired) {
    auto value = request.desired->string(name);
    return value ? std::optional<std::string>(*value) : std::nullopt;
  }
  return model::string_attribute(request.recorded, name);
}

const Resource* top_of(const Resource* site, const model::Manifest& manifest) {
  for (int depth = 0; site && depth < 16; ++depth) {
    auto parent = site->string("parent");
    if (!parent) return site;
    site = manifest.find("site", *parent);
  }
  return nullptr;
}

const Resource* top_level_site(const model::Manifest& manifest) {
  for (const Resource& site : manifest.of_kind("site")) {
    if (!site.find("parent")) return &site;
  }
  return nullptr;
}

const Resource* named_site(const Resource& resource, const model::Manifest& manifest) {
  auto code = resource.string("site");
  return code ? manifest.find("site", *code) : nullptr;
}

std::optional<std::string> site_of_change(const plugin::ApplyRequest& request) {
  auto site = model::string_attribute(request.desired, "site");
  return site ? site : model::string_attribute(request.observed, "site");
}

std::optional<Json> fqdn_and_site(const plugin::ReadRequest& request, diag::Diagnostics& out) {
  auto site = attribute_of(request, "site");
  if (!site) {
    plugin::resource_error(out, request.address, "read-failed", fmt::format("cannot read {}: it has no 'site'", request.address.str()));
    return std::nullopt;
  }
  return Json{{"fqdn", request.address.name}, {"site", *site}};
}

std::optional<Json> fqdn_and_site(const plugin::ApplyRequest& request) {
  auto site = site_of_change(request);
  if (!site) return std::nullopt;
  return Json{{"fqdn", request.address.name}, {"site", *site}};
}

plugin::ApplyResponse cannot_change(const plugin::ApplyRequest& request, std::string_view why) {
  plugin::ApplyResponse response;
  plugin::resource_error(response.diagnostics, request.address, "apply-failed", fmt::format("cannot change {}: {}", request.address.str(), why));
  return response;
}

std::vector<std::string> changed_names(const plugin::ApplyRequest& request) {
  std::vector<std::string> names;
  if (!request.desired) return names;
  if (request.action == plugin::Action::kCreate) {
    for (const auto& [name, value] : *request.desired) names.push_back(name);
  } else {
    for (const plugin::AttributeDiff& a : request.attributes) {
      if (request.desired->contains(a.name)) names.push_back(a.name);
    }
  }
  return names;
}

}  // namespace supctl::plugins::configmgr
