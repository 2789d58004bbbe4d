// supctl lab init | show | drift | reset, and the backends a run uses.

#include <fmt/format.h>

#include <set>

#include "backends/lab/backend.h"
#include "backends/powershell/backend.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/lab_estate.h"
#include "model/text.h"
#include "ops/batch.h"
#include "plan/planner.h"
#include "plugins/lab/estate_file.h"
#include "plugins/plugins.h"

namespace supctl::cli {
namespace {

std::filesystem::path lab_dir(const std::string& dir) { return std::filesystem::path(dir) / ".supctl" / "lab"; }

// Every machine the manifests name: hosts, site servers, site systems, SUPs, WSUS servers, and
// the hosts of registry values and services. Sorted, case-insensitively unique.
std::vector<std::string> machines(const model::Manifest& manifest, std::span<const plugin::Plugin* const> plugins) {
  std::map<std::string, std::string> by_lower;
  auto add = [&](std::string_view name) {
    if (!name.empty()) by_lower.emplace(model::lower(name), std::string(name));
  };
  for (const model::Resource& host : manifest.of_kind("host")) add(host.name());
  const plugin::KindRegistry kinds(plugins);
  for (const model::Resource& r : manifest.resources()) {
    const model::KindSchema* kind = kinds.schema(r.kind());
    if (!kind) continue;
    if (kind->names_machine) add(r.name());
    for (const model::AttributeSchema& a : kind->attributes) {
      if ((a.defines_machine || a.type == model::AttrType::kMachine) && r.string(a.name)) add(*r.string(a.name));
    }
  }
  std::vector<std::string> out;
  for (auto& [key, name] : by_lower) out.push_back(std::move(name));
  return out;
}

// A value written on the command line: JSON when it parses as JSON (numbers, booleans, arrays,
// quoted strings), otherwise the text itself.
model::Json cli_value(const std::string& text) {
  model::Json json = model::Json::parse(text, nullptr, false);
  return json.is_discarded() ? model::Json(text) : json;
}

/// A backend that owns the lab estate it interprets operations over.
class OwnedLabBackend final : public ops::Backend {
 public:
  OwnedLabBackend(std::unique_ptr<lab::Estate> estate, lab::OperationTable table)
      : estate_(std::move(estate)), table_(std::move(table)), backend_(*estate_, table_) {}
  std::vector<plugin::OperationResult> run(const ops::HostTarget& host, std::span<const plugin::Operation> batch) override {
    return backend_.run(host, batch);
  }
  ops::Clock* clock() override { return backend_.clock(); }

 private:
  std::unique_ptr<lab::Estate> estate_;
  lab::OperationTable table_;
  lab::LabBackend backend_;
};

/// Sends each host to the lab (with --lab, or when its [host] says transport = "lab"), and the
/// others to the live path: PowerShell over their own transport.
class RoutingBackend final : public ops::Backend {
 public:
  RoutingBackend(std::unique_ptr<ops::Backend> lab, bool all_lab)
      : lab_(std::move(lab)),
        all_lab_(all_lab),
        live_(powershell::fragment_lookup(plugins::powershell_fragments()), make_transport) {}
  std::vector<plugin::OperationResult> run(const ops::HostTarget& host, std::span<const plugin::Operation> batch) override {
    auto transport = host.host ? host.host->string("transport") : std::nullopt;
    if (all_lab_ || transport == "lab") {
      if (lab_) return lab_->run(host, batch);
      return std::vector<plugin::OperationResult>(
          batch.size(), plugin::OperationResult{plugin::FailureKind::kUnreachable, nullptr,
                                               "the lab estate does not exist: run 'supctl lab init DIR' first"});
    }
    return live_.run(host, batch);
  }
  /// The lab's simulated clock when every host goes to the lab (--lab); the system's otherwise,
  /// since a live host's logs come in real time.
  ops::Clock* clock() override { return all_lab_ && lab_ ? lab_->clock() : nullptr; }

 private:
  std::unique_ptr<ops::Backend> lab_;
  bool all_lab_;
  powershell::PowerShellBackend live_;
};

/// `lab init`: from DIR/lab/estate.toml when it exists, checked in full before the estate is
/// touched and seeded in one transaction on an emptied estate; otherwise the lab the manifests
/// derive, completing an estate that exists.
int init_command(const LabOptions& options, const Context& context, Io& io) {
  auto loaded = load_valid(options.dir, context, io);
  if (!loaded) return 1;
  const model::Manifest& manifest = loaded->validation.manifest;
  const std::vector<std::string> names = machines(manifest, context.plugins);
  std::unique_ptr<EstateFile> file;
  std::error_code ec;
  if (std::filesystem::exists(estate_file_path(options.dir), ec)) {
    file = load_estate_file(options.dir, manifest, names, io);
    if (!file) return 1;
  }
  std::string error;
  auto estate = lab::Estate::open(lab_dir(options.dir), &error);
  if (!estate) {
    io.err << fmt::format("error: cannot open the lab estate in '{}': {}\n", lab_dir(options.dir).string(), error);
    return 1;
  }
  const bool fresh = estate->hosts().empty();
  auto derive = [&] {
    for (const std::string& name : names) {
      if (!estate->host(name)) estate->add_host(lab::HostInfo{name});
    }
    plugins::seed_lab(manifest, *estate);
  };
  if (!file) {
    derive();
    io.out << fmt::format("{} the lab estate in '{}': {} hosts.\n", fresh ? "Seeded" : "Completed",
                          lab_dir(options.dir).string(), estate->hosts().size());
    return 0;
  }
  bool seeded = estate->transaction([&] {
    estate->reset();
    if (file->on_manifests) derive();
    plugins::seed_lab_estate(file->file, manifest, *estate);
    return true;
  });
  if (!seeded) {
    io.err << fmt::format("error: cannot write the lab estate in '{}'; it is unchanged\n",
                          lab_dir(options.dir).string());
    return 1;
  }
  io.out << fmt::format("{} the lab estate in '{}' from lab/estate.toml ({}): {} hosts.\n",
                        fresh ? "Seeded" : "Reseeded", lab_dir(options.dir).string(),
                        file->on_manifests ? "on the lab derived from the manifests" : "on an empty lab",
                        estate->hosts().size());
  return 0;
}

}  // namespace

std::unique_ptr<ops::Backend> make_default_backend(const std::filesystem::path& dir, bool lab, std::string* error) {
  std::unique_ptr<ops::Backend> lab_backend;
  std::error_code ec;
  if (std::filesystem::exists(lab_dir(dir.string()) / "estate.db", ec)) {
    auto estate = lab::Estate::open(lab_dir(dir.string()), error);
    if (!estate) return nullptr;
    lab_backend = std::make_unique<OwnedLabBackend>(std::move(estate), plugins::lab_operations());
  } else if (lab) {
    *error = fmt::format("there is no lab estate in '{}': run 'supctl lab init {}' first", dir.string(), dir.string());
    return nullptr;
  }
  return std::make_unique<RoutingBackend>(std::move(lab_backend), lab);
}

int lab_command(const LabOptions& options, const Context& context, Io& io) {
  if (options.action == "init") return init_command(options, context, io);
  std::string error;
  if (options.action == "reset" || options.action == "show") {
    std::error_code ec;
    if (!std::filesystem::exists(lab_dir(options.dir) / "estate.db", ec)) {
      io.err << fmt::format("error: there is no lab estate in '{}': run 'supctl lab init {}'\n", options.dir, options.dir);
      return 1;
    }
  }
  auto estate = lab::Estate::open(lab_dir(options.dir), &error);
  if (!estate) {
    io.err << fmt::format("error: cannot open the lab estate in '{}': {}\n", lab_dir(options.dir).string(), error);
    return 1;
  }
  if (options.action == "reset") {
    estate->reset();
    io.out << fmt::format("The lab estate in '{}' is empty; 'supctl lab init {}' seeds it again.\n", options.dir, options.dir);
    return 0;
  }
  if (options.action == "show") {
    for (const lab::HostInfo& host : estate->hosts()) {
      io.out << fmt::format("{} ({} {})\n", host.name, host.os, host.os_version);
      for (const lab::Service& s : estate->services(host.name)) {
        io.out << fmt::format("  service {:<28} {:<10} {}\n", s.name, s.startup, s.state);
      }
      for (const std::string& feature : estate->features(host.name)) io.out << fmt::format("  feature {}\n", feature);
      for (std::string_view group : {"Administrators", "WSUS Administrators"}) {
        std::vector<std::string> members = estate->members(host.name, group);
        if (!members.empty()) io.out << fmt::format("  group   {:<28} {}\n", group, fmt::join(members, ", "));
      }
      auto wsus = estate->document(host.name, "wsus", "server");
      if (wsus && wsus->is_object() && wsus->value("installed", false)) {
        io.out << fmt::format("  wsus    {:<28} {} {}\n", wsus->value("version", std::string("?")),
                              wsus->value("content_dir", std::string("?")), wsus->value("database", std::string("?")));
      }
    }
    io.out << fmt::format("clock: {} seconds since 1970-01-01T00:00:00Z; {} fault(s) injected\n", estate->now(), estate->faults().size());
    return 0;
  }

  auto loaded = load_valid(options.dir, context, io);
  if (!loaded) return 1;
  const model::Manifest& manifest = loaded->validation.manifest;
  // drift: change a resource on its host out of band, through the plugin's own operations.
  auto address = model::parse_address(options.address);
  const model::Resource* resource = address ? manifest.find(*address) : nullptr;
  if (!resource) {
    io.err << fmt::format("error: '{}' is not a resource of the manifests in '{}'\n", options.address, options.dir);
    return 1;
  }
  const plugin::KindRegistry kinds(context.plugins);
  const auto [plugin, schema] = kinds.find(resource->kind());
  if (!plugin) {
    io.err << fmt::format("error: {} is engine configuration, not something on a host\n", options.address);
    return 1;
  }
  model::AttributeMap overrides;
  for (const std::string& assignment : options.assignments) {
    auto eq = assignment.find('=');
    std::string key = assignment.substr(0, eq);
    if (eq == std::string::npos || key.empty() || !schema->attribute(key)) {
      io.err << fmt::format("error: '{}' is not KEY=VALUE with a KEY that {} has\n", assignment, resource->kind());
      return 1;
    }
    overrides[key] = cli_value(assignment.substr(eq + 1));
  }
  std::string host = plugin->host_of(*resource, manifest);
  lab::OperationTable table = plugins::lab_operations();
  lab::LabBackend backend(*estate, table);
  ops::HostTarget target{host, nullptr};
  model::Json references = model::resolve_references(
      *resource, manifest, [&](std::string_view kind) { return kinds.schema(kind); });
  plugin::ReadResponse read = plugin->read(plugin::ReadRequest{*address, resource, nullptr, &manifest, &references});
  auto results = backend.run(target, read.operations);
  plugin::ObserveResponse seen = plugin->observe(plugin::ObserveRequest{*address, resource, results, nullptr, &references});
  if (read.diagnostics.has_errors() || seen.diagnostics.has_errors()) {
    io.err << "error: cannot read " << options.address << " in the lab: "
           << (seen.diagnostics.has_errors() ? seen.diagnostics.all()[0].summary : read.diagnostics.all()[0].summary) << "\n";
    return 1;
  }
  model::AttributeMap desired = seen.observed ? *seen.observed : model::desired_attributes(*resource);
  std::vector<plugin::AttributeDiff> diffs;
  for (const auto& [key, value] : overrides) {
    diffs.push_back(plugin::AttributeDiff{key, desired.count(key) ? desired[key] : model::Json(nullptr), value, false});
    desired[key] = value;
  }
  plugin::Action action = seen.observed ? plugin::Action::kUpdate : plugin::Action::kCreate;
  plugin::ApplyResponse change =
      plugin->apply(plugin::ApplyRequest{*address, action, &desired, seen.observed ? &*seen.observed : nullptr, diffs, &references});
  if (change.diagnostics.has_errors()) {
    io.err << "error: " << change.diagnostics.all()[0].summary << "\n";
    return 1;
  }
  for (const plugin::OperationResult& result : backend.run(target, change.operations)) {
    if (!result.ok()) {
      io.err << fmt::format("error: the lab refused the change: {}\n", result.error);
      return 1;
    }
  }
  io.out << fmt::format("Changed {} on '{}' behind supctl's back; 'supctl plan {}' shows the drift.\n", options.address, host, options.dir);
  return 0;
}

}  // namespace supctl::cli
