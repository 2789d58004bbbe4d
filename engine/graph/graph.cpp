#include "graph/graph.h"

#include <fmt/format.h>

#include <boost/graph/adjacency_list.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <optional>
#include <queue>
#include <tuple>
#include <utility>

namespace supctl::graph {
namespace {

using model::Address;
using plugin::Edge;

constexpr std::string_view kDependsOn = "depends_on";
constexpr std::size_t kNone = static_cast<std::size_t>(-1);

/// Orders ranges by place so that ties between otherwise equal edges never depend on input
/// order; an edge without a range comes after one with.
auto range_key(const std::optional<diag::SourceRange>& range) {
  if (!range) return std::tuple(1, diag::kNoFile, std::uint64_t{0}, std::uint64_t{0});
  return std::tuple(0, range->file, range->begin.byte, range->end.byte);
}

/// One kept (from, to) pair: the first of its edges in (from, to, reason) order.
struct Link {
  std::size_t from = 0;  ///< vertex index
  std::size_t to = 0;    ///< vertex index
  Edge edge;
  bool depends_on = false;                       ///< some edge of this pair is a depends_on item
  std::optional<diag::SourceRange> cycle_range;  ///< the depends_on item's range when there is one
  bool alive = true;                             ///< false once dropped to break a cycle
};

/// Finds and breaks the cycles of a set of links with one depth-first search. A back edge closes
/// a cycle along the search path; the link dropped is that back edge, or the deepest depends_on
/// link on the path when the back edge is not one. Dropping a path link unwinds the search to it,
/// so finished vertices only ever point at finished vertices and the kept links stay acyclic.
/// Linear when nothing is unwound; an unwind redoes at most the path below the dropped link.
class CycleBreaker {
 public:
  CycleBreaker(const std::vector<Address>& vertices, std::vector<Link>& links, diag::Diagnostics& out)
      : vertices_(vertices), links_(links), out_(out), first_(vertices.size() + 1, 0),
        state_(vertices.size(), State::kNew), cursor_(vertices.size(), 0), entry_(vertices.size(), kNone),
        depth_(vertices.size(), 0) {
    // Links are sorted by (from, to), so each vertex's out-links are one contiguous run.
    for (const Link& link : links_) ++first_[link.from + 1];
    for (std::size_t v = 0; v < vertices_.size(); ++v) first_[v + 1] += first_[v];
  }

  void run() {
    for (std::size_t root = 0; root < vertices_.size(); ++root) {
      if (state_[root] == State::kNew) search(root);
    }
  }

 private:
  enum class State { kNew, kOnPath, kDone };

  void enter(std::size_t v, std::size_t via) {
    state_[v] = State::kOnPath;
    cursor_[v] = first_[v];
    entry_[v] = via;
    depth_[v] = path_.size();
    path_.push_back(v);
  }

  void search(std::size_t root) {
    enter(root, kNone);
    while (!path_.empty()) {
      std::size_t v = path_.back();
      if (cursor_[v] == first_[v + 1]) {
        state_[v] = State::kDone;
        path_.pop_back();
        continue;
      }
      std::size_t i = cursor_[v]++;
      const Link& link = links_[i];
      if (!link.alive || state_[link.to] == State::kDone) continue;
      if (state_[link.to] == State::kNew) {
        enter(link.to, i);
        continue;
      }
      // On the path: the links from link.to down to v, then link i, form a cycle.
      std::vector<std::size_t> cycle;
      for (std::size_t d = depth_[link.to] + 1; d < path_.size(); ++d) cycle.push_back(entry_[path_[d]]);
      cycle.push_back(i);
      std::size_t chosen = i;
      if (!link.depends_on) {
        for (std::size_t c : cycle) {
          if (links_[c].depends_on) chosen = c;
        }
      }
      report(cycle, chosen);
      links_[chosen].alive = false;
      if (chosen == i) continue;
      // A path link was dropped: what was searched below it may be reachable otherwise, so forget it.
      std::size_t cut = depth_[links_[chosen].to];
      for (std::size_t d = cut; d < path_.size(); ++d) state_[path_[d]] = State::kNew;
      path_.resize(cut);
    }
  }

  /// `cycle` holds link indices in path order; the report starts at the smallest address.
  void report(const std::vector<std::size_t>& cycle, std::size_t chosen) {
    auto smallest = std::min_element(cycle.begin(), cycle.end(),
                                     [&](std::size_t a, std::size_t b) { return links_[a].from < links_[b].from; });
    std::string path = vertices_[links_[*smallest].from].str();
    std::string detail;
    for (std::size_t k = 0; k < cycle.size(); ++k) {
      const Link& link = links_[cycle[(static_cast<std::size_t>(smallest - cycle.begin()) + k) % cycle.size()]];
      path += " -> " + vertices_[link.to].str();
      if (!detail.empty()) detail += "\n";
      detail += fmt::format("{} depends on {} ({})", vertices_[link.from].str(), vertices_[link.to].str(),
                            link.depends_on ? kDependsOn : std::string_view(link.edge.reason));
    }
    const Link& closing = links_[chosen];
    diag::Diagnostic& d = out_.error("dependency-cycle", "dependency cycle: " + path);
    d.detail = std::move(detail);
    d.address = vertices_[closing.from].str();
    d.key_path = d.address;
    d.range = closing.cycle_range;
    d.help = closing.depends_on
                 ? fmt::format("remove one of these dependencies, e.g. '{}' from the depends_on of '{}'",
                               vertices_[closing.to].str(), d.address)
                 : "remove one of these dependencies";
  }

  const std::vector<Address>& vertices_;
  std::vector<Link>& links_;
  diag::Diagnostics& out_;
  std::vector<std::size_t> first_;   ///< links_[first_[v], first_[v + 1]) leave vertex v
  std::vector<State> state_;         ///< kDone: every kept out-link leads to a kDone vertex
  std::vector<std::size_t> cursor_;  ///< the next out-link to look at, while on the path
  std::vector<std::size_t> entry_;   ///< the link the search entered a vertex by; kNone for a root
  std::vector<std::size_t> depth_;   ///< a vertex's position in path_, while on it
  std::vector<std::size_t> path_;    ///< the search path, root first
};

std::string dot_quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string mermaid_escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"') {
      out += "#quot;";
    } else if (c == '|') {
      out += "#124;";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

struct Graph::Impl {
  using Storage = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

  std::vector<Address> vertices;  ///< sorted, unique; a vertex's index is its Boost vertex
  std::vector<Edge> edges;        ///< kept edges, sorted by (from, to)
  Storage storage;                ///< an edge u -> v: u depends on v

  std::optional<std::size_t> index_of(const Address& address) const {
    auto it = std::lower_bound(vertices.begin(), vertices.end(), address);
    if (it == vertices.end() || *it != address) return std::nullopt;
    return static_cast<std::size_t>(it - vertices.begin());
  }

  std::vector<std::size_t> order_indices() const {
    std::size_t n = vertices.size();
    std::vector<std::size_t> waiting(n);  ///< dependencies not yet placed
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    for (std::size_t v = 0; v < n; ++v) {
      waiting[v] = boost::out_degree(v, storage);
      if (waiting[v] == 0) ready.push(v);
    }
    std::vector<std::size_t> out;
    out.reserve(n);
    while (!ready.empty()) {
      std::size_t v = ready.top();
      ready.pop();
      out.push_back(v);
      for (auto [it, end] = boost::in_edges(v, storage); it != end; ++it) {
        std::size_t dependent = boost::source(*it, storage);
        if (--waiting[dependent] == 0) ready.push(dependent);
      }
    }
    return out;
  }
};

Graph Graph::build(std::vector<Address> vertices, std::vector<Edge> edges, diag::Diagnostics& out) {
  auto impl = std::make_unique<Impl>();
  if (!std::is_sorted(vertices.begin(), vertices.end())) std::sort(vertices.begin(), vertices.end());  // a manifest's come sorted
  vertices.erase(std::unique(vertices.begin(), vertices.end()), vertices.end());
  impl->vertices = std::move(vertices);

  std::vector<Link> candidates;
  candidates.reserve(edges.size());
  for (Edge& edge : edges) {
    auto from = impl->index_of(edge.from);
    auto to = impl->index_of(edge.to);
    if (!from || !to) continue;
    candidates.push_back(Link{.from = *from, .to = *to, .edge = std::move(edge)});
  }
  auto key = [](const Link& link) {
    return std::tuple(link.from, link.to, std::string_view(link.edge.reason), range_key(link.edge.range));
  };
  std::sort(candidates.begin(), candidates.end(), [&](const Link& a, const Link& b) { return key(a) < key(b); });
  std::vector<Link> links;
  for (Link& candidate : candidates) {
    bool depends_on = candidate.edge.reason == kDependsOn;
    if (links.empty() || links.back().from != candidate.from || links.back().to != candidate.to) {
      candidate.depends_on = depends_on;
      candidate.cycle_range = candidate.edge.range;
      links.push_back(std::move(candidate));
    } else if (depends_on && !links.back().depends_on) {
      links.back().depends_on = true;
      links.back().cycle_range = candidate.edge.range;
    }
  }

  CycleBreaker(impl->vertices, links, out).run();

  impl->storage = Impl::Storage(impl->vertices.size());
  for (Link& link : links) {
    if (!link.alive) continue;
    boost::add_edge(link.from, link.to, impl->storage);
    impl->edges.push_back(std::move(link.edge));
  }
  return Graph(std::move(impl));
}

Graph::Graph(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Graph::Graph(Graph&&) noexcept = default;
Graph& Graph::operator=(Graph&&) noexcept = default;
Graph::~Graph() = default;

const std::vector<Address>& Graph::vertices() const { return impl_->vertices; }

const std::vector<Edge>& Graph::edges() const { return impl_->edges; }

std::vector<Address> Graph::order() const {
  std::vector<Address> out;
  for (std::size_t v : impl_->order_indices()) out.push_back(impl_->vertices[v]);
  return out;
}

std::vector<Address> Graph::dependencies(const Address& vertex) const {
  std::vector<Address> out;
  auto v = impl_->index_of(vertex);
  if (!v) return out;
  for (auto [it, end] = boost::out_edges(*v, impl_->storage); it != end; ++it) {
    out.push_back(impl_->vertices[boost::target(*it, impl_->storage)]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Address> Graph::dependents(const Address& vertex) const {
  std::vector<Address> out;
  auto v = impl_->index_of(vertex);
  if (!v) return out;
  for (auto [it, end] = boost::in_edges(*v, impl_->storage); it != end; ++it) {
    out.push_back(impl_->vertices[boost::source(*it, impl_->storage)]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Address> Graph::closure(std::span<const Address> targets) const {
  std::vector<bool> wanted(impl_->vertices.size(), false);
  std::vector<std::size_t> stack;
  for (const Address& target : targets) {
    auto v = impl_->index_of(target);  // an address that is not a vertex has nothing to add
    if (v && !wanted[*v]) {
      wanted[*v] = true;
      stack.push_back(*v);
    }
  }
  while (!stack.empty()) {
    std::size_t v = stack.back();
    stack.pop_back();
    for (auto [it, end] = boost::out_edges(v, impl_->storage); it != end; ++it) {
      std::size_t dependency = boost::target(*it, impl_->storage);
      if (wanted[dependency]) continue;
      wanted[dependency] = true;
      stack.push_back(dependency);
    }
  }
  std::vector<Address> out;
  for (std::size_t v : impl_->order_indices()) {
    if (wanted[v]) out.push_back(impl_->vertices[v]);
  }
  return out;
}

std::string Graph::to_dot() const {
  std::string out = "digraph supctl {\n  rankdir=RL;\n  node [shape=rect];\n";
  for (const Address& vertex : impl_->vertices) out += fmt::format("  {};\n", dot_quoted(vertex.str()));
  for (const Edge& edge : impl_->edges) {
    out += fmt::format("  {} -> {} [label={}];\n", dot_quoted(edge.from.str()), dot_quoted(edge.to.str()),
                       dot_quoted(edge.reason));
  }
  return out + "}\n";
}

std::string Graph::to_mermaid() const {
  std::string out = "flowchart RL\n";
  for (std::size_t v = 0; v < impl_->vertices.size(); ++v) {
    out += fmt::format("  n{}[\"{}\"]\n", v, mermaid_escaped(impl_->vertices[v].str()));
  }
  for (const Edge& edge : impl_->edges) {
    out += fmt::format("  n{} -->|{}| n{}\n", *impl_->index_of(edge.from), mermaid_escaped(edge.reason),
                       *impl_->index_of(edge.to));
  }
  return out;
}

std::string Graph::to_json() const {
  nlohmann::ordered_json vertices = nlohmann::ordered_json::array();
  for (const Address& vertex : impl_->vertices) vertices.push_back(vertex.str());
  nlohmann::ordered_json edges = nlohmann::ordered_json::array();
  for (const Edge& edge : impl_->edges) {
    edges.push_back({{"from", edge.from.str()}, {"to", edge.to.str()}, {"reason", edge.reason}});
  }
  nlohmann::ordered_json out;
  out["vertices"] = std::move(vertices);
  out["edges"] = std::move(edges);
  return out.dump(2);
}

}  // namespace supctl::graph
