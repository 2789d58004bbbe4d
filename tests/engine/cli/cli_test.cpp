#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "plan/secrets.h"
#include "state/state.h"
#include "support.h"

namespace supctl::cli {
namespace {

namespace fs = std::filesystem;
using test::run_cli;

struct TempDir {
  fs::path path;
  explicit TempDir(std::string_view name) : path(fs::temp_directory_path() / fmt::format("supctl-{}-{}", name, ::getpid())) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& file, const std::string& text) const { std::ofstream(path / file, std::ios::binary) << text; }
};

TEST_CASE("help and version exit 0") {
  auto help = run_cli({"--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("validate") != std::string::npos);
  auto version = run_cli({"--version"});
  CHECK(version.code == 0);
  CHECK(version.out.starts_with("supctl "));
}

TEST_CASE("usage errors exit 1 with a pointer to help") {
  auto unknown = run_cli({"frobnicate"});
  CHECK(unknown.code == 1);
  CHECK(unknown.err.find("run 'supctl --help'") != std::string::npos);
  CHECK(run_cli({}).code == 1);
  auto format = run_cli({"validate", ".", "--format", "yaml"});
  CHECK(format.code == 1);
  CHECK(format.err.find("yaml") != std::string::npos);
}

TEST_CASE("a directory that does not exist - a file - and an empty directory are clear errors") {
  auto missing = run_cli({"validate", "/nonexistent/supctl"});
  CHECK(missing.code == 1);
  CHECK(missing.out ==
        "error[no-directory]: directory '/nonexistent/supctl' does not exist\n"
        "   = help: pass the directory that holds your *.toml manifests\n\n"
        "The manifests in '/nonexistent/supctl' are not valid: 1 error.\n");

  TempDir dir("empty");
  auto empty = run_cli({"validate", dir.path.string()});
  CHECK(empty.code == 1);
  CHECK(empty.out.find("error[no-manifests]: no manifests in '" + dir.path.string() + "'") != std::string::npos);

  dir.write("notes.txt", "not a manifest");
  CHECK(run_cli({"validate", dir.path.string()}).code == 1);

  dir.write("a.toml", test::kPrimary);
  auto file = run_cli({"validate", (dir.path / "a.toml").string()});
  CHECK(file.code == 1);
  CHECK(file.out.find("is not a directory") != std::string::npos);
  CHECK(run_cli({"validate", dir.path.string()}).code == 0);
}

TEST_CASE("validate --format json and sarif") {
  auto json = nlohmann::json::parse(run_cli({"validate", "/nonexistent", "--format", "json"}).out);
  CHECK(json["valid"] == false);
  CHECK(json["error_count"] == 1);
  CHECK(json["diagnostics"][0]["code"] == "no-directory");

  TempDir dir("sarif");
  dir.write("a.toml", test::kPrimary + "wsus_iis_port = 80\nwsus_iis_ssl_port = 8531\n");
  auto sarif = run_cli({"validate", dir.path.string(), "--format", "sarif"});
  CHECK(sarif.code == 1);
  auto doc = nlohmann::json::parse(sarif.out);
  CHECK(doc["version"] == "2.1.0");
  const auto& rules = doc["runs"][0]["tool"]["driver"]["rules"];
  CHECK(rules.size() >= 40);  // every rule the engine and the plugins can report
  bool found = false;
  for (const auto& rule : rules) found |= rule["id"] == "port-pair";
  CHECK(found);
  CHECK(doc["runs"][0]["results"][0]["ruleId"] == "port-pair");
}

TEST_CASE("colour only on a terminal and never with NO_COLOR") {
  auto plain = run_cli({"validate", "/nonexistent"}, false);
  CHECK(plain.out.find('\x1b') == std::string::npos);
  auto colour = run_cli({"validate", "/nonexistent"}, true);
  CHECK(colour.out.find('\x1b') != std::string::npos);
  auto no_color = run_cli({"validate", "/nonexistent"}, true, {{"NO_COLOR", "1"}});
  CHECK(no_color.out.find('\x1b') == std::string::npos);
}

}  // namespace
}  // namespace supctl::cli

namespace supctl::cli {
namespace {

TEST_CASE("the README lists every rule code the engine and the plugins can report") {
  std::string readme = test::read_file(test::source_dir() / "README.md");
  plugins::PluginSet plugins;
  std::vector<diag::RuleInfo> rules = manifest::all_rules(plugins.all());
  CHECK(rules.size() >= 55);
  for (const diag::RuleInfo& rule : rules) {
    INFO(rule.code);
    CHECK(readme.find(fmt::format("| `{}` | {} |", rule.code, rule.description)) != std::string::npos);
  }
}

}  // namespace
}  // namespace supctl::cli

namespace supctl::test {
namespace {

TEST_CASE("the hierarchy's state_key names the run's state key, SUPCTL_STATE_KEY overrides it, and plain text is refused") {
  auto v = validate(R"([hierarchy]
name = "lab"
configmgr = "current-branch"
state_key = { env = "LAB_STATE_KEY" }
)");
  const auto codes = v->codes();
  CHECK(std::find(codes.begin(), codes.end(), "plaintext-secret") == codes.end());
  CHECK(cli::state_key_reference(v->result.manifest) == model::Json{{"env", "LAB_STATE_KEY"}});
  CHECK(cli::state_key_reference(validate("[hierarchy]\nname = \"lab\"\nconfigmgr = \"current-branch\"\n")->result.manifest).is_null());
  auto plain = validate("[hierarchy]\nname = \"lab\"\nconfigmgr = \"current-branch\"\nstate_key = \"s3cret-in-git\"\n");
  const auto plain_codes = plain->codes();
  CHECK(std::find(plain_codes.begin(), plain_codes.end(), "plaintext-secret") != plain_codes.end());

  const auto dir = std::filesystem::temp_directory_path() / fmt::format("supctl-state-key-{}", ::getpid());
  std::filesystem::remove_all(dir);
  std::string error;
  auto store = state::StateStore::open(dir / "state.db", &error);
  REQUIRE(store);
  std::map<std::string, std::string> env;
  std::ostringstream out, err;
  cli::Io io{out, err, false, [&env](const std::string& name) -> std::optional<std::string> {
               auto it = env.find(name);
               return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
             }};
  plan::EnvFileSecrets secrets(io.getenv);
  const model::Json reference = cli::state_key_reference(v->result.manifest);
  CHECK_FALSE(cli::use_state_key(*store, reference, secrets, io));
  CHECK(err.str().find("error: hierarchy.state_key: ") != std::string::npos);
  CHECK(err.str().find("LAB_STATE_KEY") != std::string::npos);
  env["LAB_STATE_KEY"] = "from the manifests";
  CHECK(cli::use_state_key(*store, reference, secrets, io));
  const std::string keyed = store->fingerprint("hunter2");
  CHECK(keyed.starts_with("scrypt+key:"));
  env["SUPCTL_STATE_KEY"] = "from the environment";
  CHECK(cli::use_state_key(*store, reference, secrets, io));
  CHECK_FALSE(store->matches("hunter2", keyed));  // another key: SUPCTL_STATE_KEY won
  env["SUPCTL_STATE_KEY"] = "";                    // empty counts as unset
  CHECK(cli::use_state_key(*store, reference, secrets, io));
  CHECK(store->matches("hunter2", keyed));
  store.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace supctl::test
