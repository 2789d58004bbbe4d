#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "graph/graph.h"

namespace supctl::graph {
namespace {

using model::AttrType;
using model::Value;

diag::SourceRange line(std::uint32_t number) {
  return {.file = 0, .begin = {number, 5, std::uint64_t{number} * 100}, .end = {number, 12, std::uint64_t{number} * 100 + 7}};
}

Value text(std::string s, std::uint32_t at) { return Value(std::move(s), line(at)); }

model::Attribute attribute(std::string name, Value value) {
  diag::SourceRange key = value.range();
  return {std::move(name), key, std::move(value)};
}

model::KindSchema site_system_kind() {
  return {.kind = "site_system",
          .plugin = "fake",
          .attributes = {
              {.name = "depends_on", .type = AttrType::kAddressList},
              {.name = "description", .type = AttrType::kString},
              {.name = "proxy", .type = AttrType::kReference, .ref_kind = "proxy"},
              {.name = "settings",
               .type = AttrType::kTable,
               .fields = {{.name = "account", .type = AttrType::kReference, .ref_kind = "account"},
                          {.name = "port", .type = AttrType::kInteger}}},
              {.name = "site", .type = AttrType::kReference, .ref_kind = "site"},
          }};
}

model::KindSchema site_kind() {
  return {.kind = "site", .plugin = "fake", .attributes = {{.name = "depends_on", .type = AttrType::kAddressList}}};
}

model::KindSchema proxy_kind() {
  return {.kind = "proxy", .plugin = "fake", .attributes = {{.name = "depends_on", .type = AttrType::kAddressList}}};
}

/// A plugin whose only contribution is one implied edge.
class FakePlugin : public plugin::Plugin {
 public:
  std::string_view name() const override { return "fake"; }
  std::span<const model::KindSchema> kinds() const override { return {}; }
  std::span<const diag::RuleInfo> rules() const override { return {}; }
  void check(const model::Manifest&, diag::Diagnostics&) const override {}
  std::vector<plugin::Edge> edges(const model::Manifest&) const override {
    return {{{"site", "PR1"}, {"account", "svc"}, "same host", std::nullopt}};
  }
};

model::Manifest sample_manifest() {
  model::Resource system{.address = {"site_system", "ss1"}, .range = line(1)};
  model::Array depends_on{text("site.PR2", 2), text("not an address!", 3), Value(std::int64_t{5}, line(4))};
  model::Table settings{{"account", line(6), text("svc", 6)}, {"port", line(7), Value(std::int64_t{8530}, line(7))}};
  system.attributes = {
      attribute("depends_on", Value(std::move(depends_on), line(2))),
      attribute("description", text("site.PR1", 5)),
      attribute("proxy", text("", 8)),
      attribute("settings", Value(std::move(settings), line(6))),
      attribute("site", text("PR1", 9)),
  };
  model::Resource site{.address = {"site", "PR1"}, .range = line(10)};
  model::Resource unknown{.address = {"mystery", "m"}, .range = line(11)};
  unknown.attributes = {attribute("depends_on", Value(model::Array{text("site.PR1", 12)}, line(12)))};
  return model::Manifest({system, unknown, site});
}

std::vector<std::string> describe(const std::vector<plugin::Edge>& edges) {
  std::vector<std::string> out;
  for (const plugin::Edge& e : edges) {
    out.push_back(fmt::format("{} -> {} ({}) @{}", e.from.str(), e.to.str(), e.reason, e.range ? e.range->begin.line : 0));
  }
  return out;
}

TEST_CASE("manifest edges come from references - depends_on and plugins in a fixed order") {
  model::KindSchema system = site_system_kind();
  model::KindSchema site = site_kind();
  std::vector<const model::KindSchema*> kinds{&system, &site};
  FakePlugin plugin;
  std::vector<const plugin::Plugin*> plugins{&plugin};
  model::Manifest manifest = sample_manifest();
  CHECK(describe(manifest_edges(manifest, kinds, plugins)) == std::vector<std::string>{
                                                                   "site.PR1 -> account.svc (same host) @0",
                                                                   "site_system.ss1 -> account.svc (site_system.settings.account) @6",
                                                                   "site_system.ss1 -> site.PR1 (site_system.site) @9",
                                                                   "site_system.ss1 -> site.PR2 (depends_on) @2",
                                                               });
}

TEST_CASE("manifest edges do not depend on the order of kinds or plugins") {
  model::KindSchema system = site_system_kind();
  model::KindSchema site = site_kind();
  FakePlugin first;
  FakePlugin second;
  model::Manifest manifest = sample_manifest();
  std::vector<const model::KindSchema*> forward{&system, &site};
  std::vector<const model::KindSchema*> backward{&site, &system};
  std::vector<const plugin::Plugin*> plugins{&first, &second};
  auto a = describe(manifest_edges(manifest, forward, plugins));
  auto b = describe(manifest_edges(manifest, backward, plugins));
  CHECK(a == b);
  CHECK(a.size() == 5);  // each plugin's edge, kept here; the graph deduplicates
  CHECK(describe(manifest_edges(manifest, {}, {})).empty());
}

TEST_CASE("a cycle between a reference and depends_on points at the depends_on item") {
  model::KindSchema system = site_system_kind();
  model::KindSchema proxy = proxy_kind();
  std::vector<const model::KindSchema*> kinds{&system, &proxy};
  model::Resource a{.address = {"site_system", "a"}, .range = line(1)};
  a.attributes = {attribute("proxy", text("corp", 2))};
  model::Resource p{.address = {"proxy", "corp"}, .range = line(3)};
  p.attributes = {attribute("depends_on", Value(model::Array{text("site_system.a", 4)}, line(4)))};
  model::Manifest manifest({a, p});

  std::vector<model::Address> vertices;
  for (const model::Resource& r : manifest.resources()) vertices.push_back(r.address);
  diag::Diagnostics out;
  Graph g = Graph::build(vertices, manifest_edges(manifest, kinds, {}), out);
  REQUIRE(out.all().size() == 1);
  CHECK(out.all()[0].summary == "dependency cycle: proxy.corp -> site_system.a -> proxy.corp");
  CHECK(out.all()[0].range->begin.line == 4);
  CHECK(out.all()[0].address == "proxy.corp");
  CHECK(describe(g.edges()) == std::vector<std::string>{"site_system.a -> proxy.corp (site_system.proxy) @2"});
}

}  // namespace
}  // namespace supctl::graph
