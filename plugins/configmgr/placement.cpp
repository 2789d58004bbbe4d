#include "plugins/configmgr/placement.h"

#include <fmt/format.h>

#include "model/text.h"
#include "plugins/configmgr/kinds.h"

namespace supctl::plugins::configmgr {

using model::Json;
using model::Resource;
using model::upper;

std::string domain_of(std::string_view fqdn) {
  std::size_t first = fqdn.find('.');
  if (first == std::string_view::npos) return {};
  std::size_t second = fqdn.find('.', first + 1);
  return upper(fqdn.substr(first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1));
}

std::string netbios_of(std::string_view fqdn) { return upper(fqdn.substr(0, fqdn.find('.'))); }

std::string computer_account_of(std::string_view fqdn) { return fmt::format("{}\\{}$", domain_of(fqdn), netbios_of(fqdn)); }

namespace {

/// The site a resource belongs to, as its kind says (Kind::site_of).
const Resource* site_of(const Resource& resource, const model::Manifest& manifest) {
  const Kind* kind = kind_of(resource.kind());
  return kind ? kind->site_of(resource, manifest) : nullptr;
}

std::string machine_of(const Resource* site, std::string_view attribute) {
  auto machine = site ? site->string(attribute) : std::nullopt;
  return machine ? std::string(*machine) : std::string();
}

}  // namespace

std::string server_of(const Resource& resource, const model::Manifest& manifest) {
  return machine_of(site_of(resource, manifest), "server");
}

std::string provider_of(const Resource& resource, const model::Manifest& manifest) {
  // The site whose SMS Provider answers: a secondary's parent primary.
  const Resource* site = site_of(resource, manifest);
  for (int depth = 0; site && depth < 16; ++depth) {
    auto type = site->string("type");
    auto parent = site->string("parent");
    if (!(type && *type == "secondary" && parent)) break;
    site = manifest.find("site", *parent);
  }
  std::string provider = machine_of(site, "provider");
  return provider.empty() ? machine_of(site, "server") : provider;
}

}  // namespace supctl::plugins::configmgr
