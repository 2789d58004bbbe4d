#include "graph/graph.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <utility>

namespace supctl::graph {
namespace {

using model::Address;
using plugin::Edge;

Address k(std::string name) { return {"k", std::move(name)}; }

/// A range on its own line, so that tests can tell edges apart by where they point.
diag::SourceRange line(std::uint32_t number) {
  return {.file = 0, .begin = {number, 3, std::uint64_t{number} * 100}, .end = {number, 9, std::uint64_t{number} * 100 + 6}};
}

Edge edge(Address from, Address to, std::string reason = "k.ref", std::optional<diag::SourceRange> range = std::nullopt) {
  return {std::move(from), std::move(to), std::move(reason), range};
}

std::vector<std::string> strings(const std::vector<Address>& addresses) {
  std::vector<std::string> out;
  for (const Address& a : addresses) out.push_back(a.str());
  return out;
}

std::vector<std::string> summaries(const diag::Diagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const diag::Diagnostic& d : diagnostics.all()) out.push_back(d.summary);
  return out;
}

using Strings = std::vector<std::string>;

TEST_CASE("order puts every vertex after its dependencies and breaks ties by address") {
  diag::Diagnostics out;
  Graph g = Graph::build({k("e"), k("d"), k("c"), k("b"), k("a")},
                         {edge(k("a"), k("d")), edge(k("b"), k("d")), edge(k("c"), k("a"))}, out);
  CHECK(out.all().empty());
  CHECK(strings(g.vertices()) == Strings{"k.a", "k.b", "k.c", "k.d", "k.e"});
  CHECK(strings(g.order()) == Strings{"k.d", "k.a", "k.b", "k.c", "k.e"});
}

TEST_CASE("build deduplicates vertices and edges and ignores edges to unknown vertices") {
  diag::Diagnostics out;
  Graph g = Graph::build({k("b"), k("a"), k("b")},
                         {edge(k("a"), k("b"), "z.later", line(1)), edge(k("a"), k("b"), "depends_on", line(2)),
                          edge(k("a"), k("missing")), edge(k("missing"), k("b"))},
                         out);
  CHECK(out.all().empty());
  CHECK(strings(g.vertices()) == Strings{"k.a", "k.b"});
  REQUIRE(g.edges().size() == 1);
  CHECK(g.edges()[0].reason == "depends_on");
  CHECK(g.edges()[0].range->begin.line == 2);
}

TEST_CASE("a 3-cycle through depends_on is reported once at the depends_on that closes it") {
  diag::Diagnostics out;
  // c -> a is written last, but the depends_on item b -> c is the one to remove.
  Graph g = Graph::build({k("a"), k("b"), k("c")},
                         {edge(k("a"), k("b"), "k.ref", line(1)), edge(k("b"), k("c"), "depends_on", line(2)),
                          edge(k("c"), k("a"), "k.ref", line(3))},
                         out);
  REQUIRE(out.all().size() == 1);
  const diag::Diagnostic& d = out.all()[0];
  CHECK(d.severity == diag::Severity::kError);
  CHECK(d.code == "dependency-cycle");
  CHECK(d.summary == "dependency cycle: k.a -> k.b -> k.c -> k.a");
  REQUIRE(d.range);
  CHECK(d.range->begin.line == 2);
  CHECK(d.address == "k.b");
  CHECK(d.key_path == "k.b");
  CHECK(d.help.find("remove") != std::string::npos);
  // The graph stays usable without the depends_on edge.
  CHECK(g.edges().size() == 2);
  CHECK(strings(g.order()) == Strings{"k.b", "k.a", "k.c"});
}

TEST_CASE("a cycle without depends_on is closed by its last edge") {
  diag::Diagnostics out;
  Graph g = Graph::build({k("a"), k("b")}, {edge(k("a"), k("b"), "k.ref", line(1)), edge(k("b"), k("a"), "k.ref", line(2))}, out);
  REQUIRE(out.all().size() == 1);
  CHECK(out.all()[0].summary == "dependency cycle: k.a -> k.b -> k.a");
  CHECK(out.all()[0].range->begin.line == 2);
  CHECK(out.all()[0].address == "k.b");
  CHECK(strings(g.order()) == Strings{"k.b", "k.a"});
}

TEST_CASE("a duplicate depends_on edge lends its range to the cycle report") {
  diag::Diagnostics out;
  Graph g = Graph::build({k("a"), k("b")},
                         {edge(k("a"), k("b"), "depends_on", line(2)), edge(k("a"), k("b"), "account.x", line(1)),
                          edge(k("b"), k("a"), "k.ref", line(3))},
                         out);
  REQUIRE(out.all().size() == 1);
  CHECK(out.all()[0].range->begin.line == 2);
  CHECK(out.all()[0].address == "k.a");
  REQUIRE(g.edges().size() == 1);
  CHECK(g.edges()[0].from == k("b"));
}

TEST_CASE("two independent cycles are each reported once") {
  diag::Diagnostics out;
  Graph g = Graph::build({k("e"), k("d"), k("c"), k("b"), k("a"), k("f")},
                         {edge(k("c"), k("d")), edge(k("d"), k("e")), edge(k("e"), k("c"), "depends_on", line(5)),
                          edge(k("a"), k("b"), "depends_on", line(1)), edge(k("b"), k("a"), "depends_on", line(2)),
                          edge(k("f"), k("a"))},
                         out);
  CHECK(summaries(out) == Strings{"dependency cycle: k.a -> k.b -> k.a", "dependency cycle: k.c -> k.d -> k.e -> k.c"});
  CHECK(out.error_count() == 2);
  CHECK(out.all()[0].range->begin.line == 2);
  CHECK(out.all()[1].range->begin.line == 5);
  CHECK(g.edges().size() == 4);
  CHECK(g.order().size() == 6);
}

TEST_CASE("cycles that share edges and a self-dependency are each reported") {
  diag::Diagnostics out;
  Graph g = Graph::build({k("a"), k("b"), k("c"), k("s")},
                         {edge(k("a"), k("b")), edge(k("b"), k("a")), edge(k("b"), k("c")), edge(k("c"), k("a")),
                          edge(k("s"), k("s"), "depends_on", line(9))},
                         out);
  CHECK(summaries(out) == Strings{"dependency cycle: k.a -> k.b -> k.a", "dependency cycle: k.a -> k.b -> k.c -> k.a",
                                  "dependency cycle: k.s -> k.s"});
  CHECK(out.all()[2].range->begin.line == 9);
  CHECK(g.edges().size() == 2);
  CHECK(strings(g.order()) == Strings{"k.c", "k.b", "k.a", "k.s"});
}

TEST_CASE("dependencies and dependents are direct and sorted") {
  diag::Diagnostics out;
  Graph g = Graph::build({k("a"), k("b"), k("c"), k("d")},
                         {edge(k("d"), k("c")), edge(k("b"), k("c")), edge(k("a"), k("b")), edge(k("d"), k("a"))}, out);
  CHECK(strings(g.dependents(k("c"))) == Strings{"k.b", "k.d"});
  CHECK(strings(g.dependencies(k("d"))) == Strings{"k.a", "k.c"});
  CHECK(strings(g.dependencies(k("a"))) == Strings{"k.b"});
  CHECK(g.dependents(k("d")).empty());
  CHECK(g.dependents(k("unknown")).empty());
}

TEST_CASE("closure holds the targets and what they depend on in order") {
  diag::Diagnostics out;
  Graph g = Graph::build({k("a"), k("b"), k("c"), k("d"), k("e"), k("f")},
                         {edge(k("a"), k("b")), edge(k("b"), k("c")), edge(k("d"), k("c")), edge(k("e"), k("f"))}, out);
  CHECK(strings(g.order()) == Strings{"k.c", "k.b", "k.a", "k.d", "k.f", "k.e"});
  std::vector<Address> targets{k("e"), k("a")};
  CHECK(strings(g.closure(targets)) == Strings{"k.c", "k.b", "k.a", "k.f", "k.e"});
  std::vector<Address> one{k("d")};
  CHECK(strings(g.closure(one)) == Strings{"k.c", "k.d"});
  std::vector<Address> unknown{k("zz")};
  CHECK(g.closure(unknown).empty());
}

Graph small_graph() {
  diag::Diagnostics out;
  Address site{"site", "PR1"};
  Address system{"site_system", "pr1.contoso.com"};
  Address proxy{"proxy", "corp"};
  return Graph::build({site, system, proxy},
                      {edge(system, site, "site_system.site"), edge(system, proxy, "site_system.proxy")}, out);
}

TEST_CASE("to_dot renders a small graph exactly") {
  CHECK(small_graph().to_dot() == R"(digraph supctl {
  rankdir=RL;
  node [shape=rect];
  "proxy.corp";
  "site.PR1";
  "site_system[\"pr1.contoso.com\"]";
  "site_system[\"pr1.contoso.com\"]" -> "proxy.corp" [label="site_system.proxy"];
  "site_system[\"pr1.contoso.com\"]" -> "site.PR1" [label="site_system.site"];
}
)");
}

TEST_CASE("to_mermaid renders a small graph exactly") {
  CHECK(small_graph().to_mermaid() == R"(flowchart RL
  n0["proxy.corp"]
  n1["site.PR1"]
  n2["site_system[#quot;pr1.contoso.com#quot;]"]
  n2 -->|site_system.proxy| n0
  n2 -->|site_system.site| n1
)");
}

TEST_CASE("to_json renders a small graph exactly") {
  CHECK(small_graph().to_json() == R"({
  "vertices": [
    "proxy.corp",
    "site.PR1",
    "site_system[\"pr1.contoso.com\"]"
  ],
  "edges": [
    {
      "from": "site_system[\"pr1.contoso.com\"]",
      "to": "proxy.corp",
      "reason": "site_system.proxy"
    },
    {
      "from": "site_system[\"pr1.contoso.com\"]",
      "to": "site.PR1",
      "reason": "site_system.site"
    }
  ]
})");
}

TEST_CASE("shuffled input gives byte-identical output") {
  std::vector<Address> vertices;
  std::vector<Edge> edges;
  for (int i = 0; i < 40; ++i) vertices.push_back({i % 2 ? "host" : "service", fmt::format("n{}.contoso.com", i)});
  vertices.push_back(vertices.front());  // a duplicate
  std::mt19937 random(7);
  for (int i = 0; i < 120; ++i) {
    std::size_t from = random() % 40;
    std::size_t to = random() % 40;
    edges.push_back(edge(vertices[from], vertices[to], i % 3 ? "k.ref" : "depends_on", line(static_cast<std::uint32_t>(i + 1))));
  }
  edges.push_back(edge(vertices[0], Address{"host", "missing"}));  // dangling
  auto render = [](std::vector<Address> v, std::vector<Edge> e) {
    diag::Diagnostics out;
    Graph g = Graph::build(std::move(v), std::move(e), out);
    std::string text = g.to_dot() + g.to_mermaid() + g.to_json();
    for (const Address& a : g.order()) text += a.str() + "\n";
    for (const diag::Diagnostic& d : out.all()) text += fmt::format("{} {} {}\n", d.summary, d.address, d.range->begin.line);
    return text;
  };
  std::string expected = render(vertices, edges);
  CHECK(expected.find("dependency cycle: ") != std::string::npos);  // the shuffle covers cycle reports too
  std::mt19937 shuffler(42);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(vertices.begin(), vertices.end(), shuffler);
    std::shuffle(edges.begin(), edges.end(), shuffler);
    CHECK(render(vertices, edges) == expected);
  }
}

TEST_CASE("random graphs keep an acyclic graph and drop one reported edge per cycle") {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 random(seed);
    std::vector<Address> vertices;
    for (int i = 0; i < 60; ++i) vertices.push_back(k(fmt::format("v{:02}", i)));
    std::vector<Edge> edges;
    std::set<std::pair<Address, Address>> pairs;
    for (int i = 0; i < 150; ++i) {
      Edge e = edge(vertices[random() % 60], vertices[random() % 60], random() % 2 ? "k.ref" : "depends_on", line(1));
      pairs.emplace(e.from, e.to);
      edges.push_back(std::move(e));
    }
    diag::Diagnostics out;
    Graph g = Graph::build(vertices, edges, out);
    INFO("seed " << seed);
    CHECK(g.edges().size() + out.all().size() == pairs.size());
    std::vector<Address> order = g.order();
    REQUIRE(order.size() == vertices.size());
    std::map<Address, std::size_t> position;
    for (std::size_t p = 0; p < order.size(); ++p) position[order[p]] = p;
    for (const Edge& e : g.edges()) CHECK(position[e.to] < position[e.from]);
    for (const diag::Diagnostic& d : out.all()) {
      // Every step of a reported path is an input edge, and the path starts at its smallest address.
      std::string_view rest = std::string_view(d.summary).substr(std::string_view("dependency cycle: ").size());
      std::vector<Address> path;
      for (std::size_t arrow = 0; arrow != std::string_view::npos;) {
        arrow = rest.find(" -> ");
        path.push_back(*model::parse_address(rest.substr(0, arrow)));
        if (arrow != std::string_view::npos) rest.remove_prefix(arrow + 4);
      }
      CHECK(path.front() == path.back());
      CHECK(path.front() == *std::min_element(path.begin(), path.end()));
      for (std::size_t s = 0; s + 1 < path.size(); ++s) CHECK(pairs.contains({path[s], path[s + 1]}));
    }
  }
}

std::vector<Address> numbered(std::size_t count) {
  std::vector<Address> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back({"k", fmt::format("n{:06}", i)});
  return out;
}

TEST_CASE("a 100000-vertex chain builds and orders") {
  constexpr std::size_t kCount = 100000;
  std::vector<Address> vertices = numbered(kCount);
  std::vector<Edge> edges;
  for (std::size_t i = 0; i + 1 < kCount; ++i) edges.push_back(edge(vertices[i], vertices[i + 1]));
  diag::Diagnostics out;
  Graph g = Graph::build(vertices, edges, out);
  CHECK(out.all().empty());
  std::vector<Address> order = g.order();
  REQUIRE(order.size() == kCount);
  std::vector<Address> reversed(vertices.rbegin(), vertices.rend());
  CHECK(order == reversed);

  // Closing the chain into one long cycle reports it once and leaves the chain.
  edges.push_back(edge(vertices.back(), vertices.front(), "depends_on", line(7)));
  diag::Diagnostics cyclic;
  Graph closed = Graph::build(vertices, edges, cyclic);
  REQUIRE(cyclic.all().size() == 1);
  CHECK(cyclic.all()[0].range->begin.line == 7);
  CHECK(cyclic.all()[0].summary.starts_with("dependency cycle: k.n000000 -> k.n000001 -> "));
  CHECK(cyclic.all()[0].summary.ends_with(" -> k.n099999 -> k.n000000"));
  CHECK(closed.order() == reversed);
}

TEST_CASE("a 50000-vertex ladder of two-cycles reports each cycle once") {
  // One strongly connected component that holds a cycle per rung: a guard against quadratic work.
  constexpr std::size_t kCount = 50000;
  std::vector<Address> vertices = numbered(kCount);
  std::vector<Edge> edges;
  for (std::size_t i = 0; i + 1 < kCount; ++i) {
    edges.push_back(edge(vertices[i], vertices[i + 1], "depends_on", line(1)));
    edges.push_back(edge(vertices[i + 1], vertices[i], "k.ref", line(2)));
  }
  diag::Diagnostics out;
  Graph g = Graph::build(vertices, edges, out);
  REQUIRE(out.all().size() == kCount - 1);
  CHECK(out.all()[0].summary == "dependency cycle: k.n000000 -> k.n000001 -> k.n000000");
  CHECK(out.all()[0].range->begin.line == 1);
  CHECK(g.edges().size() == kCount - 1);
  CHECK(g.order() == vertices);
}

TEST_CASE("a 100000-vertex random DAG orders every edge") {
  constexpr std::size_t kCount = 100000;
  std::vector<Address> vertices = numbered(kCount);
  std::vector<Edge> edges;
  std::mt19937 random(1);
  for (std::size_t i = 0; i + 1 < kCount; ++i) {
    for (int j = 0; j < 3; ++j) edges.push_back(edge(vertices[i], vertices[i + 1 + random() % (kCount - i - 1)]));
  }
  std::shuffle(vertices.begin(), vertices.end(), random);
  diag::Diagnostics out;
  Graph g = Graph::build(vertices, edges, out);
  CHECK(out.all().empty());
  std::vector<Address> order = g.order();
  REQUIRE(order.size() == kCount);
  std::vector<std::size_t> position(kCount);
  for (std::size_t p = 0; p < kCount; ++p) position[std::stoul(order[p].name.substr(1))] = p;
  std::size_t misplaced = 0;
  for (const Edge& e : g.edges()) {
    if (position[std::stoul(e.to.name.substr(1))] > position[std::stoul(e.from.name.substr(1))]) ++misplaced;
  }
  CHECK(misplaced == 0);
  CHECK(g.edges().size() > 2 * kCount);
}

}  // namespace
}  // namespace supctl::graph
