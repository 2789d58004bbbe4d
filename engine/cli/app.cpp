#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <ctime>
#include <vector>

#include "cli/commands.h"
#include "plugins/plugins.h"

namespace supctl::cli {

bool Io::color() const {
  if (!out_is_terminal) return false;
  auto no_color = getenv ? getenv("NO_COLOR") : std::nullopt;
  return !no_color.has_value();
}

Context default_context() {
  static const plugins::PluginSet plugins;
  Context context;
  context.plugins = plugins.all();
  context.make_backend = [](const std::filesystem::path& dir, const model::Manifest&, bool lab, std::string* error) {
    return make_default_backend(dir, lab, error);
  };
  context.now = [] {
    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return std::string(text);
  };
  return context;
}


int run(std::span<const std::string> args, Io& io) {
  Context context = default_context();
  return run(args, io, context);
}

int run(std::span<const std::string> args, Io& io, const Context& context) {
  CLI::App app{"supctl: configuration as code for ConfigMgr software update points and WSUS", "supctl"};
  app.set_version_flag("--version", std::string("supctl ") + SUPCTL_VERSION);
  app.require_subcommand(1);

  // The command table: every command, its options, and the function that runs it.
  ValidateOptions validate;
  CLI::App* validate_app = app.add_subcommand("validate", "Check manifests: syntax, attributes, references and ConfigMgr rules");
  validate_app->add_option("DIR", validate.dir, "Directory of *.toml manifests (default: .)");
  validate_app->add_option("--format", validate.format, "Output format")->check(CLI::IsMember({"text", "json", "sarif"}));

  GraphOptions graph;
  CLI::App* graph_app = app.add_subcommand("graph", "Print the dependency graph of the resources");
  graph_app->add_option("DIR", graph.dir, "Directory of *.toml manifests (default: .)");
  graph_app->add_option("--format", graph.format, "Output format")->check(CLI::IsMember({"dot", "mermaid", "json"}));

  PlanCommandOptions plan;
  CLI::App* plan_app = app.add_subcommand("plan", "Read every host and show what apply would change");
  plan_app->add_option("DIR", plan.dir, "Directory of *.toml manifests (default: .)");
  plan_app->add_option("--out", plan.out, "Save the plan to FILE for 'apply --plan FILE'");
  plan_app->add_option("--format", plan.format, "Output format")->check(CLI::IsMember({"text", "json", "markdown"}));
  plan_app->add_flag("--detailed-exitcode", plan.detailed_exitcode, "Exit 0 with no changes, 2 with changes, 1 on error");
  plan_app->add_option("--target", plan.targets, "Plan only ADDR and what it depends on (repeatable)");
  plan_app->add_flag("--refresh-only", plan.refresh_only, "Report drift only; propose no change");
  plan_app->add_flag("--lab", plan.lab, "Point every host at the lab estate");
  plan_app->add_option("--state", plan.state, "State database (default: DIR/.supctl/state.db, or SUPCTL_STATE)");
  plan_app->add_option("--emit-scripts", plan.emit_scripts,
                       "Write to OUT, per host, the PowerShell scripts the live path would send (secrets shown as (sensitive))");

  ApplyCommandOptions apply;
  CLI::App* apply_app = app.add_subcommand("apply", "Make the hosts match the manifests (or a saved plan)");
  apply_app->add_option("DIR", apply.dir, "Directory of *.toml manifests (default: .)");
  apply_app->add_option("--plan", apply.plan_file, "Apply exactly this saved plan, refusing it when stale");
  apply_app->add_flag("--auto-approve", apply.auto_approve, "Do not ask (required when stdin is not a terminal)");
  apply_app->add_option("--parallelism", apply.parallelism, "Hosts changed at once (default 10)");
  apply_app->add_flag("--allow-destroy", apply.allow_destroy, "Consent to deleting or replacing roles and site systems");
  apply_app->add_flag("--lab", apply.lab, "Point every host at the lab estate");
  apply_app->add_option("--lock-timeout", apply.lock_timeout, "Wait this long for the state lock (e.g. 30s; default 0)");
  apply_app->add_option("--state", apply.state, "State database (default: DIR/.supctl/state.db, or SUPCTL_STATE)");
  apply_app->add_option("--install-timeout", apply.install_timeout,
                        "How long to follow a role install through the logs (default 30m; the lab's clock makes it instant)");

  VerifyOptions verify;
  CLI::App* verify_app = app.add_subcommand("verify", "Prove the installs from ConfigMgr's logs and check the proxies");
  verify_app->add_option("DIR", verify.dir, "Directory of *.toml manifests (default: .)");
  verify_app->add_option("--timeout", verify.timeout, "Wait this long for an install still under way (e.g. 30m; default 0)");
  verify_app->add_option("--format", verify.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  verify_app->add_flag("--lab", verify.lab, "Point every host at the lab estate");

  StateOptions state;
  CLI::App* state_app = app.add_subcommand("state", "Inspect or edit what supctl last applied");
  state_app->require_subcommand(1);
  state_app->fallthrough();  // `state list --state X`: options after the subcommand belong to `state`
  state_app->add_option("--state", state.state, "State database (default: DIR/.supctl/state.db, or SUPCTL_STATE)");
  state_app->add_option("--dir", state.dir, "Manifest directory whose state to use (default: .)");
  CLI::App* state_list = state_app->add_subcommand("list", "List the managed resources");
  CLI::App* state_show = state_app->add_subcommand("show", "Show what was last applied to ADDR");
  state_show->add_option("ADDR", state.address, "Resource address")->required();
  CLI::App* state_rm = state_app->add_subcommand("rm", "Forget ADDR: remove it from the state, not from the host");
  state_rm->add_option("ADDR", state.address, "Resource address")->required();

  StateOptions unlock;
  CLI::App* unlock_app = app.add_subcommand("force-unlock", "Remove a state lock left by a process that is gone");
  unlock_app->add_option("LOCK_ID", unlock.address, "The lock ID that the lock error printed")->required();
  unlock_app->add_option("--state", unlock.state, "State database (default: DIR/.supctl/state.db, or SUPCTL_STATE)");
  unlock_app->add_option("--dir", unlock.dir, "Manifest directory whose state to use (default: .)");

  LabOptions lab;
  CLI::App* lab_app = app.add_subcommand("lab", "The lab estate: simulated Windows servers for the whole flow");
  lab_app->require_subcommand(1);
  CLI::App* lab_init = lab_app->add_subcommand("init", "Seed the lab estate from the manifests in DIR");
  lab_init->add_option("DIR", lab.dir, "Directory of *.toml manifests (default: .)");
  CLI::App* lab_show = lab_app->add_subcommand("show", "Print the lab estate");
  lab_show->add_option("DIR", lab.dir, "Directory of *.toml manifests (default: .)");
  CLI::App* lab_drift = lab_app->add_subcommand("drift", "Change a resource on its host out of band, as a console click would");
  lab_drift->add_option("DIR", lab.dir, "Directory of *.toml manifests")->required();
  lab_drift->add_option("ADDR", lab.address, "The resource to change")->required();
  lab_drift->add_option("KEY=VALUE", lab.assignments, "Attributes to set on the host")->required();
  CLI::App* lab_reset = lab_app->add_subcommand("reset", "Empty the lab estate");
  lab_reset->add_option("DIR", lab.dir, "Directory of *.toml manifests (default: .)");

  CLI::App* schema_app = app.add_subcommand("schema", "Print the manifest JSON Schema (for editors and CI)");


  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    io.out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    io.out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion&) {
    io.out << "supctl " << SUPCTL_VERSION << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    io.err << "error: " << e.what() << "\n";
    io.err << "run 'supctl --help' for the commands and their options\n";
    return 1;
  }

  if (validate_app->parsed()) return validate_command(validate, context, io);
  if (graph_app->parsed()) return graph_command(graph, context, io);
  if (plan_app->parsed()) return plan_command(plan, context, io);
  if (apply_app->parsed()) return apply_command(apply, context, io);
  if (verify_app->parsed()) return verify_command(verify, context, io);
  if (state_app->parsed()) {
    state.action = state_list->parsed() ? "list" : state_show->parsed() ? "show" : "rm";
    return state_command(state, io);
  }
  if (unlock_app->parsed()) return force_unlock_command(unlock, io);
  if (lab_app->parsed()) {
    lab.action = lab_init->parsed() ? "init" : lab_show->parsed() ? "show" : lab_drift->parsed() ? "drift" : "reset";
    return lab_command(lab, context, io);
  }
  if (schema_app->parsed()) return schema_command(context, io);
  io.err << "error: no command given; run 'supctl --help'\n";
  return 1;
}

}  // namespace supctl::cli
