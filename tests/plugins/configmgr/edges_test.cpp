#include "plugins/configmgr/edges.h"

#include <catch2/catch.hpp>

#include "support.h"

namespace supctl::plugins::configmgr {
namespace {

TEST_CASE("a SUP depends on its site system and WSUS server and on the parent site's first SUP") {
  auto v = test::validate(test::read_file(test::source_dir() / "examples/contoso/hierarchy.toml") +
                          test::read_file(test::source_dir() / "examples/contoso/software_update_points.toml") +
                          test::read_file(test::source_dir() / "examples/contoso/accounts.toml") +
                          test::read_file(test::source_dir() / "examples/contoso/sync.toml"));
  REQUIRE_FALSE(v->result.diagnostics.has_errors());
  std::vector<std::string> lines;
  for (const plugin::Edge& e : implied_edges(v->result.manifest)) lines.push_back(e.from.str() + " -> " + e.to.str() + " (" + e.reason + ")");
  CHECK(lines == std::vector<std::string>{
                     R"(software_update_point["cassup.contoso.com"] -> site_system["cassup.contoso.com"] (the role's site system))",
                     R"(software_update_point["cassup.contoso.com"] -> wsus_server["cassup.contoso.com"] (WSUS on the same server))",
                     R"(software_update_point["pr1wsus.contoso.com"] -> site_system["pr1wsus.contoso.com"] (the role's site system))",
                     R"(software_update_point["pr1wsus.contoso.com"] -> wsus_server["pr1wsus.contoso.com"] (WSUS on the same server))",
                     R"(software_update_point["pr1wsus.contoso.com"] -> software_update_point["cassup.contoso.com"] (syncs from the parent site's SUP))",
                     R"(software_update_point["pr2wsus.contoso.com"] -> site_system["pr2wsus.contoso.com"] (the role's site system))",
                     R"(software_update_point["pr2wsus.contoso.com"] -> wsus_server["pr2wsus.contoso.com"] (WSUS on the same server))",
                     R"(software_update_point["pr2wsus.contoso.com"] -> software_update_point["cassup.contoso.com"] (syncs from the parent site's SUP))",
                     R"(software_update_point["se1site.contoso.com"] -> software_update_point["pr1wsus.contoso.com"] (syncs from the parent site's SUP))",
                     R"(sync.CAS -> software_update_point["cassup.contoso.com"] (configures the site's SUPs))",
                     R"(sync.PR1 -> software_update_point["pr1wsus.contoso.com"] (configures the site's SUPs))",
                 });
}

}  // namespace
}  // namespace supctl::plugins::configmgr
