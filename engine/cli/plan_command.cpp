// supctl plan DIR: read every host and show what apply would change; save it with --out, write the
// PowerShell the live path would send with --emit-scripts.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "apply/legs.h"
#include "backends/powershell/emit.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "plan/planner.h"
#include "plan/render.h"
#include "plugins/plugins.h"

namespace supctl::cli {
namespace {

struct PlanOptions {
  std::string dir = ".";
  std::string out;              ///< --out FILE: save the plan
  std::string format = "text";  ///< text | json | markdown
  bool detailed_exitcode = false;
  std::vector<std::string> targets;
  bool refresh_only = false;
  bool lab = false;
  std::string state;            ///< --state PATH
  std::string emit_scripts;     ///< --emit-scripts OUT: write the PowerShell the live path would send
};

bool write_private(const std::string& path, const std::string& text, std::string* error) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) {
    *error = fmt::format("cannot write '{}': {}", path, std::strerror(errno));
    return false;
  }
  ::fchmod(fileno(file), 0600);  // a plan names hosts and accounts: for its owner only
  bool ok = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  ok = std::fclose(file) == 0 && ok;
  if (!ok) *error = fmt::format("cannot write '{}'", path);
  return ok;
}

// --emit-scripts OUT: the reads the plan made, and each change's legs as apply makes them (before
// secrets are resolved: the .json files show "(sensitive)"), written by the PowerShell backend's
// emitter.
bool emit_scripts(const std::string& out_dir, const powershell::CapturingBackend& capture, const plan::Plan* plan,
                  std::span<const plugin::Plugin* const> plugins, Io& io) {
  static const powershell::FragmentLookup fragments = powershell::fragment_lookup(plugins::powershell_fragments());
  powershell::EmittedScripts scripts(capture.batches());
  if (plan) {
    for (apply::ChangeLegs& change : apply::plan_legs(*plan, plugins)) {
      if (change.diagnostics.has_errors()) {
        for (const diag::Diagnostic& d : change.diagnostics.all()) {
          if (d.severity == diag::Severity::kError) {
            io.err << fmt::format("warning: no script for {}: {}\n", change.change->address.str(), d.summary);
            break;
          }
        }
        continue;
      }
      for (apply::Leg& leg : change.legs) scripts.add_leg(leg.host, change.change->address.str(), std::move(leg.operations));
    }
  }
  std::string error;
  if (!scripts.write(out_dir, fragments, &error)) {
    io.err << "error: " << error << "\n";
    return false;
  }
  const int written = scripts.scripts_written();
  const std::size_t hosts = scripts.hosts();
  io.err << fmt::format(
      "Wrote the PowerShell the live path would send to '{}': bootstrap.ps1 (the command line) and {} script{} for {} host{} "
      "(<host>/read.ps1 for the reads, <host>/apply-NNN-<address>.ps1 per change in apply order), each with its parameters "
      "in the .json beside it, secrets as (sensitive).{}\n",
      out_dir, written, written == 1 ? "" : "s", hosts, hosts == 1 ? "" : "s",
      plan ? "" : " No plan was made, so only the reads are there.");
  return true;
}

int plan_run(const PlanOptions& options, const Context& context, Io& io) {
  std::vector<model::Address> targets;
  for (const std::string& text : options.targets) {
    auto address = model::parse_address(text);
    if (!address) {
      io.err << fmt::format("error: --target '{}' is not a resource address (KIND.NAME or KIND[\"NAME\"])\n", text);
      return 1;
    }
    targets.push_back(*address);
  }
  auto loaded = load_valid(options.dir, context, io);
  if (!loaded) return 1;
  plan::EnvFileSecrets secrets(io.getenv);
  auto location = state_location(options.dir, options.state, io);
  const model::Json state_password = state_password_reference(loaded->validation.manifest);
  if (!location || !use_state_password(*location, state_password, secrets, io)) return 1;
  bool failed = false;
  auto state = open_state(*location, false, io, &failed);
  if (failed) return 1;
  auto backend = backend_for(options.dir, options.lab, context, io);
  if (!backend) return 1;
  // --emit-scripts: the backend still does the reads; a copy of each host's batch is kept.
  std::optional<powershell::CapturingBackend> capture;
  ops::Backend* reader = backend.get();
  if (!options.emit_scripts.empty()) reader = &capture.emplace(*backend);
  const model::Json state_key = state_key_reference(loaded->validation.manifest);
  if (state && !use_state_key(*state, state_key, secrets, io)) return 1;
  plan::PlanInputs inputs{&loaded->validation.manifest, context.plugins, state.get(), reader, &secrets};
  plan::PlanOptions plan_options{targets, options.refresh_only, 10, SUPCTL_VERSION, loaded->hash, context.now()};
  io.err << "Reading the hosts...\n";
  plan::PlanResult result = plan::make_plan(inputs, plan_options);
  result.plan.state_key = state_key;
  result.plan.state_password = state_password;
  result.plan.state_key_check = state ? state->state_key_check() : std::string();
  if (capture && !emit_scripts(options.emit_scripts, *capture, result.diagnostics.has_errors() ? nullptr : &result.plan,
                               context.plugins, io)) {
    return 1;
  }
  if (result.diagnostics.has_errors()) {
    print_plan_problems(result.diagnostics, loaded->sources, io);
    io.err << "No plan: fix the problems above and plan again.\n";
    return 1;
  }
  if (!result.diagnostics.all().empty()) print_plan_problems(result.diagnostics, loaded->sources, io);
  if (!options.out.empty()) {
    std::string error;
    if (!write_private(options.out, plan::render_json(result.plan), &error)) {
      io.err << "error: " << error << "\n";
      return 1;
    }
    io.err << fmt::format("Saved the plan to '{}'; apply exactly it with: supctl apply --plan {}\n", options.out, options.out);
  }
  if (options.format == "json") io.out << plan::render_json(result.plan, /*with_fingerprints=*/false);  // may end in a CI log
  else if (options.format == "markdown") io.out << plan::render_markdown(result.plan, {});
  else io.out << plan::render_text(result.plan, plan::TextOptions{.color = io.color()});
  bool changes = options.refresh_only ? !result.plan.drift.empty() : result.plan.has_changes();
  return options.detailed_exitcode && changes ? 2 : 0;
}

}  // namespace

Runner declare_plan(CLI::App& command) {
  auto options = std::make_shared<PlanOptions>();
  command.add_option("DIR", options->dir, "Directory of *.toml manifests (default: .)");
  command.add_option("--out", options->out, "Save the plan to FILE for 'apply --plan FILE'");
  command.add_option("--format", options->format, "Output format")->check(CLI::IsMember({"text", "json", "markdown"}));
  command.add_flag("--detailed-exitcode", options->detailed_exitcode, "Exit 0 with no changes, 2 with changes, 1 on error");
  command.add_option("--target", options->targets, "Plan only ADDR and what it depends on (repeatable)")
      ->allow_extra_args(false);  // one address each: a word after it is DIR, not another target
  command.add_flag("--refresh-only", options->refresh_only, "Report drift only; propose no change");
  command.add_flag("--lab", options->lab, "Point every host at the lab estate");
  command.add_option("--state", options->state, "The state: a SQLite file, or postgresql://...?state=NAME (default: SUPCTL_STATE, else DIR/.supctl/state.db)");
  command.add_option("--emit-scripts", options->emit_scripts,
                     "Write to OUT, per host, the PowerShell scripts the live path would send (secrets shown as (sensitive))");
  return [options](const Context& context, Io& io) { return plan_run(*options, context, io); };
}

}  // namespace supctl::cli
