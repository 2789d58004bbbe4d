#include "engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "child.h"
#include "fakes/fake_plugin.h"
#include "generate.h"
#include "graph/graph.h"
#include "manifest/validate.h"
#include "plan/planner.h"
#include "plugins/plugins.h"

namespace supctl::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }
double micros_each(double seconds, std::size_t count) { return count ? seconds * 1e6 / static_cast<double>(count) : 0.0; }

/// A ConfigMgr hierarchy of about `resources` with the real plugins: load and validate, then graph.
Figures configmgr(std::size_t resources, std::size_t files) {
  plugins::PluginSet plugins;
  auto generated = generate_hierarchy(resources, files);
  auto start = Clock::now();
  diag::SourceSet sources;
  auto validation = manifest::validate_files(std::move(generated), plugins.all(), sources);
  const double validate = seconds_since(start);
  const std::size_t loaded = validation.manifest.resources().size();

  start = Clock::now();
  std::vector<const model::KindSchema*> schemas;
  for (const auto* plugin : plugins.all()) {
    for (const auto& kind : plugin->kinds()) schemas.push_back(&kind);
  }
  std::vector<model::Address> vertices;
  for (const auto& r : validation.manifest.resources()) vertices.push_back(r.address);
  diag::Diagnostics problems;
  auto graph = graph::Graph::build(vertices, graph::manifest_edges(validation.manifest, schemas, plugins.all()), problems);
  auto order = graph.order();
  const double graphed = seconds_since(start);
  return Figures{{"resources", loaded},
                 {"files", files},
                 {"errors", validation.diagnostics.error_count() + problems.error_count()},
                 {"load_validate_seconds", validate},
                 {"load_validate_microseconds_each", micros_each(validate, loaded)},
                 {"graph_seconds", graphed},
                 {"graph_vertices", order.size()}};
}

/// `resources` fake resources over `hosts` hosts, validated, then planned against the in-memory
/// backend: with `converged`, an estate that already holds each as declared (the plan diffs every
/// one and has nothing to do); otherwise an empty one (everything to create).
Figures fake_plan(std::size_t resources, std::size_t hosts, bool converged) {
  test::FakePlugin fake;
  std::vector<const plugin::Plugin*> fake_plugins{&fake};
  std::string toml;
  for (std::size_t h = 0; h < hosts; ++h) toml += fmt::format("[host.\"h{}.bench\"]\ntransport = \"lab\"\n", h);
  for (std::size_t i = 0; i < resources; ++i) {
    toml += fmt::format("[fake_file.f{}]\nhost = \"h{}.bench\"\ncontent = \"value {}\"\nmode = \"rw\"\nsize = {}\ntags = [\"a\", \"b\"]\n", i,
                        i % hosts, i, i % 100);
  }
  diag::SourceSet sources;
  auto start = Clock::now();
  auto validation = manifest::validate_files({{"fake.toml", std::move(toml)}}, fake_plugins, sources);
  const double validate = seconds_since(start);

  test::FakeEstate estate;
  if (converged) {
    for (const model::Resource& r : validation.manifest.of_kind("fake_file")) {
      estate.put(std::string(r.string("host").value_or("")), r.address.str(), model::Json(model::desired_attributes(r)));
    }
  }
  auto backend = test::fake_backend(estate);
  plan::PlanInputs inputs{&validation.manifest, fake_plugins, nullptr, &backend, nullptr};
  plan::PlanOptions options;
  options.created_at = "2026-11-21T00:00:00Z";
  start = Clock::now();
  auto result = plan::make_plan(inputs, options);
  const double planned = seconds_since(start);
  int round_trips = 0;
  for (const auto& [host, count] : backend.round_trips_by_host()) round_trips = std::max(round_trips, count);
  return Figures{{"resources", resources},
                 {"hosts", hosts},
                 {"errors", validation.diagnostics.error_count() + result.diagnostics.error_count()},
                 {"changes", result.plan.changes.size()},
                 {"validate_seconds", validate},
                 {"plan_seconds", planned},
                 {"plan_microseconds_each", micros_each(planned, resources)},
                 {"round_trips_per_host", round_trips}};
}

}  // namespace

Figures engine_figures(const EngineOptions& options) {
  Figures out;
  out["configmgr_hierarchy"] = in_child([&] { return configmgr(options.resources, options.files); });
  out["converged_plan"] = in_child([&] { return fake_plan(options.resources, options.hosts, true); });
  out["new_plan"] = in_child([&] { return fake_plan(options.resources, options.hosts, false); });
  return out;
}

}  // namespace supctl::bench
