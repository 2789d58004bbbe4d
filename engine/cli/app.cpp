#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <ctime>
#include <vector>

#include "cli/backend.h"
#include "cli/commands.h"
#include "plugins/plugins.h"
#include "revision.h"
#include "state/state.h"

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
  context.make_backend = make_default_backend;
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

namespace {

/// One command: its name and one-line description as `supctl --help` shows them, and the
/// function that declares its options and returns what runs it.
struct CommandEntry {
  std::string_view name;
  std::string_view description;
  Declare declare;
  bool hidden = false;  ///< for supctl's own tools (completion scripts, the man page build)
};

/// The command table: every command, in the order --help lists them.
constexpr std::array<CommandEntry, 12> kCommands{{
    {"validate", "Check manifests: syntax, attributes, references and ConfigMgr rules", declare_validate},
    {"graph", "Print the dependency graph of the resources", declare_graph},
    {"plan", "Read every host and show what apply would change", declare_plan},
    {"apply", "Make the hosts match the manifests (or a saved plan)", declare_apply},
    {"verify", "Prove the installs from ConfigMgr's logs and check the proxies", declare_verify},
    {"state", "Inspect or edit what supctl last applied", declare_state},
    {"force-unlock", "Remove a state lock left by a process that is gone", declare_force_unlock},
    {"lab", "The lab estate: simulated Windows servers for the whole flow", declare_lab},
    {"schema", "Print the manifest JSON Schema (for editors and CI)", declare_schema},
    {"completion", "Print the shell completion script for bash or zsh", declare_completion},
    {"__complete", "What fits the last word (for the completion scripts)", declare_complete, true},
    {"man", "Print the manual page supctl(1) in roff", declare_man, true},
}};

}  // namespace

std::string version_text() { return fmt::format("supctl {} (revision {})", SUPCTL_VERSION, SUPCTL_REVISION); }

int run(std::span<const std::string> args, Io& io, const Context& context) {
  CLI::App app{"supctl: configuration as code for ConfigMgr software update points and WSUS", "supctl"};
  app.set_version_flag("--version", version_text());
  app.require_subcommand(1);

  std::vector<std::pair<CLI::App*, Runner>> commands;
  for (const CommandEntry& entry : kCommands) {
    CLI::App* command = app.add_subcommand(std::string(entry.name), std::string(entry.description));
    if (entry.hidden) command->group("");
    commands.emplace_back(command, entry.declare(*command));
  }

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
    io.out << version_text() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    io.err << "error: " << e.what() << "\n";
    io.err << "run 'supctl --help' for the commands and their options\n";
    return 1;
  }

  for (const auto& [command, runner] : commands) {
    if (!command->parsed()) continue;
    try {
      return runner(context, io);
    } catch (const state::StateError& e) {
      // A state that cannot be read mid-run: never taken for an empty one.
      io.err << fmt::format("error: {}\n  = the run stopped there: check the state's database and run it again\n", e.what());
      return 1;
    }
  }
  io.err << "error: no command given; run 'supctl --help'\n";
  return 1;
}

}  // namespace supctl::cli
