#pragma once
// examples/contoso in the PowerShell test estate: the hierarchy before supctl, and the batches
// `supctl plan --emit-scripts` writes for it (the golden files under tests/fixtures/powershell).

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "estate.h"
#include "plugin/operation.h"
#include "model/text.h"

namespace supctl::test {

namespace fs = std::filesystem;
using model::Json;

/// The batches `supctl plan --emit-scripts` wrote for a host of examples/contoso (the golden files):
/// exactly the parameters the plugins produce for that plan.
inline std::vector<plugin::Operation> golden_batch(const std::string& host, const std::string& file) {
  std::ifstream in(fs::path(SUPCTL_SOURCE_DIR) / "tests/fixtures/powershell/contoso" / host / file);
  REQUIRE(in.good());
  std::vector<plugin::Operation> batch;
  const Json document = Json::parse(in);
  for (const Json& op : document["operations"]) batch.push_back({op["operation"].get<std::string>(), op["params"]});
  return batch;
}

/// The contoso hierarchy before supctl: its sites and servers, no roles, and WSUS only on se1site,
/// whose software update point sits on the secondary site's server with no wsus_server of its own
/// (installed by the real wsus.install fragment).
inline void seed_contoso(PwshEstate& estate) {
  Json& state = estate.state;
  Json& hosts = state["hosts"];
  const Json wsus_host = hosts["sup01.contoso.com"];
  hosts = Json::object();
  for (const char* name : {"cas01.contoso.com", "pr1site.contoso.com", "pr2site.contoso.com"})
    hosts[name] = Json{{"registry", Json::object()}, {"services", Json::object()}, {"groups", {{"Administrators", Json::array()}}}, {"features", Json::object()}};
  for (const char* name : {"cassup.contoso.com", "pr1wsus.contoso.com", "pr2wsus.contoso.com", "se1site.contoso.com"}) hosts[name] = wsus_host;
  Json& configmgr = state["configmgr"];
  Json component = configmgr["components"]["CAS"];
  configmgr["sites"] = {{"CAS", {{"type", "cas"}, {"parent", ""}, {"server", "cas01.contoso.com"}, {"provider", "cas01.contoso.com"}, {"version", "5.00.9128.1000"}}},
                        {"PR1", {{"type", "primary"}, {"parent", "CAS"}, {"server", "pr1site.contoso.com"}, {"provider", "pr1site.contoso.com"}, {"version", "5.00.9128.1000"}}},
                        {"PR2", {{"type", "primary"}, {"parent", "CAS"}, {"server", "pr2site.contoso.com"}, {"provider", "pr2site.contoso.com"}, {"version", "5.00.9128.1000"}}},
                        // A secondary site has no SMS Provider: supctl reaches it through PR1's.
                        {"SE1", {{"type", "secondary"}, {"parent", "PR1"}, {"server", "se1site.contoso.com"}, {"version", "5.00.9128.1000"}}}};
  configmgr["components"] = {{"CAS", component}, {"PR1", component}, {"PR2", component}, {"SE1", component}};
  // Every product the plan names, as the top-level site's catalog would hold it.
  for (const plugin::Operation& op : golden_batch("cas01.contoso.com", "apply-005-sync.cas.json")) {
    for (const Json& guid : op.params["products"]) {
      std::string id = model::lower(guid.get<std::string>());
      configmgr["categories"].push_back({{"unique_id", "Product:" + id}, {"title", "Product " + id}, {"type", "Product"}, {"site", {"CAS"}}, {"subscribed", Json::array()}});
    }
  }
  configmgr["categories"].push_back({{"unique_id", "UpdateClassification:e0789628-ce08-4437-be74-2495b842f43b"}, {"title", "Definition Updates"},
                                     {"type", "UpdateClassification"}, {"site", {"CAS"}}, {"subscribed", Json::array()}});
  auto installed = estate.run_one("se1site.contoso.com", {"wsus.install", {{"content_dir", "C:\\WSUS"}, {"database", "wid"}}});
  INFO(installed.error);
  REQUIRE(installed.ok());
}

}  // namespace supctl::test
