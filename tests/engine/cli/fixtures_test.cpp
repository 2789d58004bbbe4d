#include <nlohmann/json.hpp>

// Every scenario under tests/fixtures/validate/<name>/ is a directory of manifests with the exact
// text `supctl validate <name>` must print in expected.txt. Set SUPCTL_UPDATE_FIXTURES=1 to
// rewrite the expectations after a deliberate change, then review the diff.

#include <catch2/catch.hpp>
#include <cstdlib>

#include "support.h"

namespace supctl::cli {
namespace {

namespace fs = std::filesystem;

// Runs `supctl validate NAME` from inside `root`, so the output names files as NAME/file.toml.
test::CliResult validate_in(const fs::path& root, const std::string& name, std::vector<std::string> extra = {}) {
  fs::path before = fs::current_path();
  fs::current_path(root);
  std::vector<std::string> args{"validate", name};
  args.insert(args.end(), extra.begin(), extra.end());
  auto result = test::run_cli(args);
  fs::current_path(before);
  return result;
}

std::vector<fs::path> scenario_dirs(const fs::path& root) {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

TEST_CASE("every validate fixture prints exactly its expected output") {
  fs::path root = test::source_dir() / "tests/fixtures/validate";
  auto dirs = scenario_dirs(root);
  REQUIRE(dirs.size() >= 40);
  bool update = std::getenv("SUPCTL_UPDATE_FIXTURES") != nullptr;
  for (const fs::path& dir : dirs) {
    std::string name = dir.filename().string();
    auto result = validate_in(root, name);
    fs::path expected_file = dir / "expected.txt";
    if (update) {
      std::ofstream(expected_file, std::ios::binary) << result.out;
      continue;
    }
    INFO("fixture " << name << " (SUPCTL_UPDATE_FIXTURES=1 rewrites expected.txt)");
    REQUIRE(fs::exists(expected_file));
    std::string expected = test::read_file(expected_file);
    CHECK(result.out == expected);
    bool has_error = expected.find("\nerror[") != std::string::npos || expected.starts_with("error[");
    CHECK(result.code == (has_error ? 1 : 0));
    CHECK(result.err == "");
  }
}

TEST_CASE("every fixture says in JSON what it says in text") {
  fs::path root = test::source_dir() / "tests/fixtures/validate";
  for (const fs::path& dir : scenario_dirs(root)) {
    std::string name = dir.filename().string();
    INFO("fixture " << name);
    auto text = validate_in(root, name);
    auto json = nlohmann::json::parse(validate_in(root, name, {"--format", "json"}).out);
    CHECK(json["valid"] == (text.code == 0));
    for (const auto& d : json["diagnostics"]) {
      CHECK(text.out.find(d["severity"].get<std::string>() + "[" + d["code"].get<std::string>() + "]: " +
                          d["summary"].get<std::string>()) != std::string::npos);
    }
  }
}

TEST_CASE("every example validates with no diagnostics") {
  fs::path root = test::source_dir() / "examples";
  auto names = test::example_names();
  REQUIRE(names.size() >= 3);
  for (const std::string& name : names) {
    INFO("example " << name);
    auto result = validate_in(root, name);
    CHECK(result.code == 0);
    CHECK(result.out.find("warning[") == std::string::npos);
    CHECK(result.out.find("error[") == std::string::npos);
    CHECK(result.out.starts_with("The manifests in '" + name + "' are valid"));
  }
}

}  // namespace
}  // namespace supctl::cli
