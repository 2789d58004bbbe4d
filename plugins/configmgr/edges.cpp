#include "plugins/configmgr/edges.h"

#include <map>
#include <string>

namespace supctl::plugins::configmgr {

std::vector<plugin::Edge> implied_edges(const model::Manifest& manifest) {
  std::vector<plugin::Edge> edges;
  std::map<std::string, std::vector<const model::Resource*>> sups_by_site;  // in address order
  for (const model::Resource& sup : manifest.of_kind("software_update_point")) {
    if (auto site = sup.string("site")) sups_by_site[std::string(*site)].push_back(&sup);
  }
  for (const model::Resource& sup : manifest.of_kind("software_update_point")) {
    if (const model::Resource* system = manifest.find("site_system", sup.name())) {
      edges.push_back({sup.address, system->address, "the role's site system", std::nullopt});
    }
    if (const model::Resource* wsus = manifest.find("wsus_server", sup.name())) {
      edges.push_back({sup.address, wsus->address, "WSUS on the same server", std::nullopt});
    }
    auto site_code = sup.string("site");
    const model::Resource* site = site_code ? manifest.find("site", *site_code) : nullptr;
    auto parent = site ? site->string("parent") : std::nullopt;
    auto upstream = parent ? sups_by_site.find(std::string(*parent)) : sups_by_site.end();
    if (upstream != sups_by_site.end() && !upstream->second.empty()) {
      edges.push_back({sup.address, upstream->second.front()->address, "syncs from the parent site's SUP", std::nullopt});
    }
  }
  for (const model::Resource& sync : manifest.of_kind("sync")) {
    auto it = sups_by_site.find(sync.name());
    if (it == sups_by_site.end()) continue;
    for (const model::Resource* sup : it->second) edges.push_back({sync.address, sup->address, "configures the site's SUPs", std::nullopt});
  }
  return edges;
}

}  // namespace supctl::plugins::configmgr
