#pragma once
// Helpers shared by the tests: validate inline TOML, run the CLI in-process, read files.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/context.h"
#include "diag/render.h"
#include "manifest/validate.h"
#include "plugins/plugins.h"

namespace supctl::test {

inline std::filesystem::path source_dir() { return SUPCTL_SOURCE_DIR; }

/// The name of every example of manifests (a directory under examples/ holding *.toml), sorted;
/// not examples/pipelines, which holds pipeline definitions.
inline std::vector<std::string> example_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(source_dir() / "examples")) {
    if (!entry.is_directory()) continue;
    for (const auto& file : std::filesystem::directory_iterator(entry.path())) {
      if (file.path().extension() == ".toml") {
        names.push_back(entry.path().filename().string());
        break;
      }
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Validates inline files with every plugin; keeps the sources for rendering.
struct Validated {
  diag::SourceSet sources;
  manifest::Validation result;

  std::string text() const { return diag::render_text(result.diagnostics, sources, {}); }
  std::vector<std::string> codes() const {
    std::vector<std::string> out;
    for (const auto& d : result.diagnostics.all()) out.push_back(d.code);
    return out;
  }
};

inline std::unique_ptr<Validated> validate(std::vector<manifest::ManifestFile> files) {
  static const plugins::PluginSet plugins;
  auto v = std::make_unique<Validated>();
  v->result = manifest::validate_files(std::move(files), plugins.all(), v->sources);
  return v;
}

inline std::unique_ptr<Validated> validate(const std::string& toml) { return validate({{"main.toml", toml}}); }

/// The header every rule test starts from: a valid current-branch hierarchy with one primary.
inline const std::string kPrimary = R"(
[hierarchy]
name = "test"
configmgr = "current-branch"

[site.PR1]
type = "primary"
server = "pr1site.contoso.com"

[software_update_point."pr1site.contoso.com"]
site = "PR1"
)";

struct CliResult {
  int code;
  std::string out;
  std::string err;
};

/// Runs the CLI in-process with a given context (nullptr: the real one).
inline CliResult run_cli_in(const cli::Context* context, std::vector<std::string> args, bool terminal = false,
                            std::map<std::string, std::string> env = {}) {
  std::ostringstream out, err;
  cli::Io io{out, err, terminal, [env](const std::string& name) -> std::optional<std::string> {
               auto it = env.find(name);
               return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
             }};
  int code = context ? cli::run(args, io, *context) : cli::run(args, io);
  return {code, out.str(), err.str()};
}

inline CliResult run_cli(std::vector<std::string> args, bool terminal = false, std::map<std::string, std::string> env = {}) {
  return run_cli_in(nullptr, std::move(args), terminal, std::move(env));
}

}  // namespace supctl::test
