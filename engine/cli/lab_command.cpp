// supctl lab init | show | drift | reset: the lab estate, simulated Windows servers for the whole flow.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

#include "backends/lab/estate.h"
#include "cli/backend.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/lab_estate.h"
#include "model/text.h"
#include "plugins/lab/drift.h"
#include "plugins/lab/estate_file.h"
#include "plugins/plugins.h"

namespace supctl::cli {
namespace {

struct LabOptions {
  std::string action;                    ///< init | show | drift | reset
  std::string dir = ".";
  std::string address;                   ///< drift: the resource
  std::vector<std::string> assignments;  ///< drift: KEY=VALUE...
};

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

int lab_run(const LabOptions& options, const Context& context, Io& io) {
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
  std::vector<plugins::DriftSetting> settings;
  for (const std::string& assignment : options.assignments) {
    auto eq = assignment.find('=');
    if (eq == std::string::npos) settings.push_back(plugins::DriftSetting{assignment, {}, {}});
    else settings.push_back(plugins::DriftSetting{assignment, assignment.substr(0, eq), cli_value(assignment.substr(eq + 1))});
  }
  auto host = plugins::drift_in_lab(*estate, context.plugins, manifest, *resource, settings, &error);
  if (!host) {
    io.err << "error: " << error << "\n";
    return 1;
  }
  io.out << fmt::format("Changed {} on '{}' behind supctl's back; 'supctl plan {}' shows the drift.\n", options.address, *host, options.dir);
  return 0;
}

}  // namespace

Runner declare_lab(CLI::App& command) {
  auto options = std::make_shared<LabOptions>();
  command.require_subcommand(1);
  CLI::App* init = command.add_subcommand("init", "Seed the lab estate from the manifests in DIR");
  init->add_option("DIR", options->dir, "Directory of *.toml manifests (default: .)");
  CLI::App* show = command.add_subcommand("show", "Print the lab estate");
  show->add_option("DIR", options->dir, "Directory of *.toml manifests (default: .)");
  CLI::App* drift = command.add_subcommand("drift", "Change a resource on its host out of band, as a console click would");
  drift->add_option("DIR", options->dir, "Directory of *.toml manifests")->required();
  drift->add_option("ADDR", options->address, "The resource to change")->required();
  drift->add_option("KEY=VALUE", options->assignments, "Attributes to set on the host")->required();
  CLI::App* reset = command.add_subcommand("reset", "Empty the lab estate");
  reset->add_option("DIR", options->dir, "Directory of *.toml manifests (default: .)");
  return [options, init, show, drift](const Context& context, Io& io) {
    options->action = init->parsed() ? "init" : show->parsed() ? "show" : drift->parsed() ? "drift" : "reset";
    return lab_run(*options, context, io);
  };
}

}  // namespace supctl::cli
