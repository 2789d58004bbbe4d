#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <array>
#include <vector>

#include "cli/commands.h"

namespace supctl::cli {

bool Io::color() const {
  if (!out_is_terminal) return false;
  auto no_color = getenv ? getenv("NO_COLOR") : std::nullopt;
  return !no_color.has_value();
}

namespace {

// Commands of the design that later versions bring; named here so that users get a clear answer.
constexpr std::array<std::string_view, 7> kComingCommands{"graph", "plan", "apply", "verify", "state", "force-unlock", "lab"};

}  // namespace

int run(std::span<const std::string> args, Io& io) {
  CLI::App app{"supctl: configuration as code for ConfigMgr software update points and WSUS", "supctl"};
  app.set_version_flag("--version", std::string("supctl ") + SUPCTL_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  ValidateOptions validate;
  CLI::App* validate_app = app.add_subcommand("validate", "Check manifests: syntax, attributes, references and ConfigMgr rules");
  validate_app->add_option("DIR", validate.dir, "Directory of *.toml manifests (default: .)");
  validate_app->add_option("--format", validate.format, "Output format")->check(CLI::IsMember({"text", "json", "sarif"}));

  CLI::App* schema_app = app.add_subcommand("schema", "Print the manifest JSON Schema (for editors and CI)");

  std::vector<CLI::App*> coming;
  for (std::string_view name : kComingCommands) {
    CLI::App* sub = app.add_subcommand(std::string(name), "Not available in this version");
    sub->allow_extras();
    sub->group("");
    coming.push_back(sub);
  }

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    io.out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp& e) {
    io.out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    io.out << "supctl " << SUPCTL_VERSION << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    io.err << "error: " << e.what() << "\n";
    io.err << "run 'supctl --help' for the commands and their options\n";
    return 1;
  }

  if (validate_app->parsed()) return validate_command(validate, io);
  if (schema_app->parsed()) return schema_command(io);
  for (CLI::App* sub : coming) {
    if (sub->parsed()) {
      io.err << fmt::format("error: 'supctl {}' is not available in supctl {} yet; see CHANGELOG.md for what this version does\n",
                            sub->get_name(), SUPCTL_VERSION);
      return 1;
    }
  }
  io.err << "error: no command given; run 'supctl --help'\n";
  return 1;
}

}  // namespace supctl::cli
