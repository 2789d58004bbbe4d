#pragma once
/// The dependency graph of a manifest: resources as vertices, edges from references, depends_on
/// and the plugins' implied edges. Boost.Graph stays inside this module.

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "diag/diagnostic.h"
#include "model/manifest.h"
#include "plugin/plugin.h"

namespace supctl::graph {

class Graph {
 public:
  /// Builds the graph over `vertices` (sorted and deduplicated here). Edges whose ends are not
  /// vertices are ignored (the validator reports dangling references). A cycle is reported in
  /// `out` once, as `dependency cycle: a -> b -> a`, at the range of the edge that closes it
  /// (preferring a `depends_on` edge); the graph is still returned, without that edge.
  static Graph build(std::vector<model::Address> vertices, std::vector<plugin::Edge> edges, diag::Diagnostics& out);

  Graph(Graph&&) noexcept;
  Graph& operator=(Graph&&) noexcept;
  ~Graph();

  const std::vector<model::Address>& vertices() const;   ///< sorted by address
  /// Every vertex, each after everything it depends on; among the ready ones the smallest address first.
  std::vector<model::Address> order() const;
  std::vector<model::Address> dependencies(const model::Address& vertex) const;  ///< direct, sorted
  std::vector<model::Address> dependents(const model::Address& vertex) const;    ///< direct, sorted
  /// `targets` and everything they depend on, transitively, in `order()`.
  std::vector<model::Address> closure(std::span<const model::Address> targets) const;
  const std::vector<plugin::Edge>& edges() const;  ///< kept edges, sorted by (from, to)

  std::string to_dot() const;      ///< rankdir=RL, one node per resource, edge labels = reasons
  std::string to_mermaid() const;  ///< flowchart RL
  std::string to_json() const;     ///< {"vertices": [...], "edges": [{"from", "to", "reason"}]}

 private:
  struct Impl;
  explicit Graph(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The edges a manifest implies by itself: one per reference attribute (to the resource it names),
/// one per `depends_on` item, then every plugin's `edges()`. Deterministic order.
std::vector<plugin::Edge> manifest_edges(const model::Manifest& manifest, std::span<const model::KindSchema* const> kinds,
                                        std::span<const plugin::Plugin* const> plugins);

}  // namespace supctl::graph
