// supctl_bench: the engine's phases on generated input, reported as JSON.
//   load+validate and graph: a ConfigMgr hierarchy of about N resources with the real plugins;
//   plan: N fake resources over H hosts against an in-memory backend (the real plugins read
//   through the lab or live backends, which the benchmark leaves out), twice: against an empty
//   estate (everything to create) and against one that matches (everything diffed, nothing to do).

#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "fakes/fake_plugin.h"
#include "generate.h"
#include "graph/graph.h"
#include "manifest/validate.h"
#include "plan/planner.h"
#include "plugins/plugins.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

nlohmann::ordered_json phase(const char* name, double seconds, std::size_t resources) {
  return {{"phase", name},
          {"seconds", seconds},
          {"microseconds_per_resource", resources ? seconds * 1e6 / static_cast<double>(resources) : 0.0}};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t resources = 10000, files = 10, hosts = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--resources") == 0) resources = std::strtoull(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--files") == 0) files = std::strtoull(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--hosts") == 0) hosts = std::max<std::size_t>(1, std::strtoull(argv[i + 1], nullptr, 10));
    else {
      std::cerr << "usage: supctl_bench [--resources N] [--files F] [--hosts H]\n";
      return 1;
    }
  }
  nlohmann::ordered_json phases = nlohmann::ordered_json::array();

  // Load and validate a ConfigMgr hierarchy with the real plugins, then build its graph.
  supctl::plugins::PluginSet plugins;
  auto generated = supctl::bench::generate_hierarchy(resources, files);
  auto start = Clock::now();
  supctl::diag::SourceSet sources;
  auto validation = supctl::manifest::validate_files(std::move(generated), plugins.all(), sources);
  std::size_t loaded = validation.manifest.resources().size();
  phases.push_back(phase("load+validate", seconds_since(start), loaded));

  start = Clock::now();
  std::vector<const supctl::model::KindSchema*> schemas;
  for (const auto* plugin : plugins.all()) {
    for (const auto& kind : plugin->kinds()) schemas.push_back(&kind);
  }
  std::vector<supctl::model::Address> vertices;
  for (const auto& r : validation.manifest.resources()) vertices.push_back(r.address);
  supctl::diag::Diagnostics graph_problems;
  auto graph = supctl::graph::Graph::build(
      vertices, supctl::graph::manifest_edges(validation.manifest, schemas, plugins.all()), graph_problems);
  auto order = graph.order();
  phases.push_back(phase("graph", seconds_since(start), order.size()));

  // Plan N fake resources over H hosts, against an empty estate and then a matching one.
  supctl::test::FakePlugin fake;
  std::vector<const supctl::plugin::Plugin*> fake_plugins{&fake};
  std::string toml;
  for (std::size_t h = 0; h < hosts; ++h) toml += fmt::format("[host.\"h{}.bench\"]\ntransport = \"lab\"\n", h);
  for (std::size_t i = 0; i < resources; ++i) {
    toml += fmt::format("[fake_file.f{}]\nhost = \"h{}.bench\"\ncontent = \"value {}\"\nmode = \"rw\"\nsize = {}\ntags = [\"a\", \"b\"]\n", i,
                        i % hosts, i, i % 100);
  }
  supctl::diag::SourceSet fake_sources;
  auto fake_validation = supctl::manifest::validate_files({{"fake.toml", std::move(toml)}}, fake_plugins, fake_sources);
  supctl::test::FakeEstate estate;
  auto backend = supctl::test::fake_backend(estate);
  supctl::plan::PlanInputs inputs{&fake_validation.manifest, fake_plugins, nullptr, &backend, nullptr};
  supctl::plan::PlanOptions options;
  options.created_at = "2026-11-21T00:00:00Z";

  start = Clock::now();
  auto first = supctl::plan::make_plan(inputs, options);
  phases.push_back(phase("plan (all new)", seconds_since(start), resources));
  auto round_trips = backend.round_trips_by_host();
  int max_round_trips = 0;
  for (const auto& [host, count] : round_trips) max_round_trips = std::max(max_round_trips, count);

  for (const auto& change : first.plan.changes) {
    estate.put(change.host, change.address.str(), nlohmann::ordered_json(change.desired));
  }
  backend.reset_counts();
  start = Clock::now();
  auto second = supctl::plan::make_plan(inputs, options);
  phases.push_back(phase("plan (all in place)", seconds_since(start), resources));

  nlohmann::ordered_json report{
      {"benchmark", "supctl engine phases"},
      {"resources", resources},
      {"configmgr_resources_loaded", loaded},
      {"files", files},
      {"hosts", hosts},
      {"errors", validation.diagnostics.error_count() + graph_problems.error_count() + first.diagnostics.error_count() +
                     second.diagnostics.error_count()},
      {"changes_first_plan", first.plan.changes.size()},
      {"changes_second_plan", second.plan.changes.size()},
      {"round_trips_per_host", max_round_trips},
      {"hosts_read", round_trips.size()},
      {"phases", phases},
      {"peak_rss_mib", peak_rss_mib()},
  };
  std::cout << report.dump(2) << "\n";
  return report["errors"] == 0 ? 0 : 1;
}
