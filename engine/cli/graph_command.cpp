// supctl graph DIR: the dependency graph of the resources, as dot, mermaid or JSON.

#include <CLI/CLI.hpp>

#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "diag/render.h"
#include "graph/graph.h"

namespace supctl::cli {
namespace {

struct GraphOptions {
  std::string dir = ".";
  std::string format = "dot";  ///< dot | mermaid | json
};

int graph_run(const GraphOptions& options, const Context& context, Io& io) {
  auto loaded = load_valid(options.dir, context, io);
  if (!loaded) return 1;
  const model::Manifest& manifest = loaded->validation.manifest;
  std::vector<model::Address> vertices;
  for (const model::Resource& r : manifest.resources()) vertices.push_back(r.address);
  diag::Diagnostics problems;
  const plugin::KindRegistry kinds(context.plugins);
  graph::Graph graph = graph::Graph::build(vertices, graph::manifest_edges(manifest, kinds.schemas(), context.plugins), problems);
  if (problems.has_errors()) {
    io.err << diag::render_text(problems, loaded->sources, diag::TextStyle{.color = false});
    return 1;
  }
  if (options.format == "json") io.out << graph.to_json();
  else if (options.format == "mermaid") io.out << graph.to_mermaid();
  else io.out << graph.to_dot();
  return 0;
}

}  // namespace

Runner declare_graph(CLI::App& command) {
  auto options = std::make_shared<GraphOptions>();
  command.add_option("DIR", options->dir, "Directory of *.toml manifests (default: .)");
  command.add_option("--format", options->format, "Output format")->check(CLI::IsMember({"dot", "mermaid", "json"}));
  return [options](const Context& context, Io& io) { return graph_run(*options, context, io); };
}

}  // namespace supctl::cli
