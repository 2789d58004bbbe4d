// supctl validate DIR: every check the manifests can have without a server.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <map>
#include <memory>

#include "cli/commands.h"
#include "diag/render.h"
#include "manifest/validate.h"

namespace supctl::cli {
namespace {

struct ValidateOptions {
  std::string dir = ".";
  std::string format = "text";  ///< text | json | sarif
};

std::string plural(std::size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// What the manifests declare, one line per kind, for people.
std::string summary(const model::Manifest& manifest) {
  std::map<std::string, std::vector<std::string>> by_kind;
  for (const model::Resource& r : manifest.resources()) {
    // The hierarchy is a singleton: show its name and generation instead of an empty resource name.
    std::string shown = r.name().empty() ? fmt::format("{} ({})", r.string("name").value_or("?"), r.string("configmgr").value_or("?"))
                                         : r.name();
    by_kind[r.kind()].push_back(std::move(shown));
  }
  std::string text;
  for (const auto& [kind, names] : by_kind) {
    std::string list;
    for (const std::string& name : names) {
      if (list.size() > 70) {
        list += ", ...";
        break;
      }
      list += (list.empty() ? "" : ", ") + name;
    }
    text += fmt::format("  {:<23} {:>4}  {}\n", kind, names.size(), list);
  }
  return text;
}

int validate_run(const ValidateOptions& options, const Context& context, Io& io) {
  diag::SourceSet sources;
  manifest::Validation result = manifest::validate_directory(options.dir, context.plugins, sources);
  const diag::Diagnostics& diagnostics = result.diagnostics;

  if (options.format == "json") {
    io.out << diag::render_json(diagnostics, sources);
  } else if (options.format == "sarif") {
    io.out << diag::render_sarif(diagnostics, sources, manifest::all_rules(context.plugins), SUPCTL_VERSION, options.dir);
  } else {
    io.out << diag::render_text(diagnostics, sources, diag::TextStyle{.color = io.color()});
    if (diagnostics.has_errors()) {
      io.out << fmt::format("The manifests in '{}' are not valid: {}{}.\n", options.dir, plural(diagnostics.error_count(), "error"),
                            diagnostics.warning_count() ? ", " + plural(diagnostics.warning_count(), "warning") : std::string());
    } else {
      io.out << fmt::format("The manifests in '{}' are valid: {}, {}{}.\n", options.dir, plural(result.file_count, "file"),
                            plural(result.manifest.resources().size(), "resource"),
                            diagnostics.warning_count() ? ", " + plural(diagnostics.warning_count(), "warning") : std::string());
      io.out << summary(result.manifest);
    }
  }
  return diagnostics.has_errors() ? 1 : 0;
}

}  // namespace

Runner declare_validate(CLI::App& command) {
  auto options = std::make_shared<ValidateOptions>();
  command.add_option("DIR", options->dir, "Directory of *.toml manifests (default: .)");
  command.add_option("--format", options->format, "Output format")->check(CLI::IsMember({"text", "json", "sarif"}));
  return [options](const Context& context, Io& io) { return validate_run(*options, context, io); };
}

}  // namespace supctl::cli
