// The manual page and the shell completion against what --help says: both are made from the
// command tree the CLI is built of, and these tests hold them to its --help output, which CLI11
// renders on its own.

#include <algorithm>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <unistd.h>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "state/state.h"
#include "support.h"

namespace supctl::test {
namespace {

/// The subcommands a --help lists under "Subcommands:".
std::vector<std::string> subcommands_in_help(const std::string& help) {
  std::vector<std::string> out;
  auto at = help.find("Subcommands:\n");
  if (at == std::string::npos) return out;
  std::istringstream lines(help.substr(at + 13));
  for (std::string line; std::getline(lines, line) && !line.empty();) {
    std::istringstream words(line);
    std::string name;
    if (words >> name) out.push_back(name);
  }
  return out;
}

/// The option names (--long, -s) and positionals a --help lists, with each one's description.
std::vector<std::pair<std::string, std::string>> options_in_help(const std::string& help) {
  std::vector<std::pair<std::string, std::string>> out;
  static const std::regex kLine(R"(^  (\S+)(?: [A-Z:{}a-z,.=_ -]+?)?(?: {2,}(.*))?$)");
  std::istringstream lines(help);
  bool in_list = false;
  std::string pending;
  for (std::string line; std::getline(lines, line);) {
    if (line == "Options:" || line == "Positionals:") {
      in_list = true;
      continue;
    }
    if (line.empty() || line == "Subcommands:") {
      in_list = false;
      continue;
    }
    if (!in_list) continue;
    if (line.starts_with("                              ") && !pending.empty()) {  // a description on its own line
      out.emplace_back(pending, line.substr(line.find_first_not_of(' ')));
      pending.clear();
      continue;
    }
    std::smatch m;
    if (!std::regex_match(line, m, kLine)) continue;
    std::string names = m[1];
    std::string description = m[2];
    std::string first = names.substr(0, names.find(','));
    for (std::size_t at = 0; at <= names.size();) {
      std::size_t comma = std::min(names.find(',', at), names.size());
      std::string name = names.substr(at, comma - at);
      if (description.empty()) pending = name;
      else out.emplace_back(name, description);
      at = comma + 1;
    }
  }
  return out;
}

/// Every command path, from the program's --help down.
void command_paths(const std::vector<std::string>& path, std::vector<std::vector<std::string>>& out) {
  std::vector<std::string> args = path;
  args.push_back("--help");
  auto help = run_cli(args);
  REQUIRE(help.code == 0);
  out.push_back(path);
  for (const std::string& sub : subcommands_in_help(help.out)) {
    std::vector<std::string> next = path;
    next.push_back(sub);
    command_paths(next, out);
  }
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

/// The roff text as plain text: the escapes supctl's page uses taken out.
std::string plain(std::string roff) {
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{{"\\-", "-"}, {"\\e", "\\"}, {"\\&", ""}, {"\\fI", ""}, {"\\fR", ""}, {"\\fB", ""}}) {
    for (std::size_t at = 0; (at = roff.find(from, at)) != std::string::npos;) roff.replace(at, from.size(), to);
  }
  return roff;
}

TEST_CASE("the manual page lists every command, option and positional that --help shows, with its words") {
  std::vector<std::vector<std::string>> paths;
  command_paths({}, paths);
  REQUIRE(paths.size() > 12);  // the commands, and state's and lab's subcommands
  auto man = run_cli({"man"});
  REQUIRE(man.code == 0);
  const std::string page = plain(man.out);
  for (const auto& path : paths) {
    if (path.empty()) continue;
    INFO("supctl " << joined(path));
    auto section = page.find(".SS \"supctl " + joined(path));
    REQUIRE(section != std::string::npos);
    auto end = page.find(".SS \"", section + 4);
    const std::string text = page.substr(section, end == std::string::npos ? std::string::npos : end - section);
    std::vector<std::string> args = path;
    args.push_back("--help");
    const std::string help = run_cli(args).out;
    CHECK(text.find(help.substr(0, help.find('\n'))) != std::string::npos);  // the description
    for (const auto& [name, description] : options_in_help(help)) {
      if (name == "-h" || name == "--help") continue;
      INFO(name);
      CHECK(std::regex_search(text, std::regex("(^|\\n)\\.(TP\\n\\.B |B )[^\\n]*" + std::regex_replace(name, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") + "\\b")));
      CHECK(text.find(description) != std::string::npos);
    }
  }
  CHECK(page.find(".SH EXIT STATUS") != std::string::npos);
  CHECK(page.find("__complete") == std::string::npos);  // hidden commands stay hidden
}

TEST_CASE("supctl --version says the version and the source revision") {
  auto version = run_cli({"--version"});
  CHECK(version.code == 0);
  CHECK(std::regex_match(version.out, std::regex(R"(supctl \d+\.\d+\.\d+ \(revision ([0-9a-f]{12}(-modified)?|unknown)\)\n)")));
}

std::vector<std::string> completed(std::vector<std::string> words) {
  std::vector<std::string> args{"__complete", "supctl"};
  args.insert(args.end(), words.begin(), words.end());
  auto result = run_cli(args);
  REQUIRE(result.code == 0);
  std::vector<std::string> lines;
  std::istringstream in(result.out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_CASE("__complete offers commands, options, choices and files by what comes before") {
  using V = std::vector<std::string>;
  auto top = completed({""});
  CHECK(std::set<std::string>(top.begin(), top.end()).contains("completion"));
  CHECK(std::find(top.begin(), top.end(), "__complete") == top.end());
  CHECK(std::find(top.begin(), top.end(), "man") == top.end());
  CHECK(top.back() == ":words");
  CHECK(completed({"graph", "--format", ""}) == V{"dot", "mermaid", "json", ":words"});
  CHECK(completed({"validate", "--format=s"}) == V{"--format=text", "--format=json", "--format=sarif", ":words"});
  CHECK(completed({"apply", "--plan", ""}) == V{":files"});
  CHECK(completed({"plan", ""}) == V{":directories"});
  CHECK(completed({"plan", ".", ""}) == V{":words"});  // DIR given: nothing more to offer
  CHECK(completed({"state", ""}) == V{"list", "show", "rm", "migrate", "journal", ":words"});
  CHECK(completed({"lab", "drift", "--help", ""}) == V{":directories"});  // a flag takes no value
  auto options = completed({"verify", "-"});
  CHECK(std::find(options.begin(), options.end(), "--timeout") != options.end());
  CHECK(std::find(options.begin(), options.end(), "--auto-approve") == options.end());
}

TEST_CASE("__complete offers the addresses of the manifests named, and the state's for state commands") {
  const std::string dir = std::string(SUPCTL_SOURCE_DIR) + "/examples/contoso";
  auto targets = completed({"plan", dir, "--target", ""});
  CHECK(std::find(targets.begin(), targets.end(), "sync.PR1") != targets.end());
  CHECK(std::find(targets.begin(), targets.end(), "software_update_point[\"pr1wsus.contoso.com\"]") != targets.end());
  CHECK(std::none_of(targets.begin(), targets.end(), [](const std::string& t) { return t.starts_with("host."); }));
  auto drift = completed({"lab", "drift", dir, ""});
  CHECK(std::find(drift.begin(), drift.end(), "sync.CAS") != drift.end());
  CHECK(completed({"lab", "drift", dir, "sync.CAS", ""}) == std::vector<std::string>{":words"});  // KEY=VALUE: free text
  auto none = completed({"plan", "/nonexistent/supctl", "--target", ""});
  CHECK(none == std::vector<std::string>{":words"});

  // A resource that left the manifests is still in the state: state show and rm offer it, from
  // the state of --dir or the one --state names.
  const auto temp = std::filesystem::temp_directory_path() / fmt::format("supctl-complete-state-{}", ::getpid());
  std::filesystem::remove_all(temp);
  std::filesystem::create_directories(temp);
  {
    std::string error;
    auto store = state::StateStore::open(temp / ".supctl" / "state.db", &error);
    REQUIRE(store);
    state::ResourceRecord record;
    record.address = model::Address{"registry_value", "gone"};
    REQUIRE(store->put_resource(record, &error));
  }
  auto shown = completed({"state", "show", "--dir", temp.string(), ""});
  CHECK(std::find(shown.begin(), shown.end(), "registry_value.gone") != shown.end());
  auto removed = completed({"state", "--state", (temp / ".supctl" / "state.db").string(), "rm", ""});
  CHECK(std::find(removed.begin(), removed.end(), "registry_value.gone") != removed.end());
  auto planned = completed({"plan", temp.string(), "--target", ""});
  CHECK(std::find(planned.begin(), planned.end(), "registry_value.gone") == planned.end());  // plan offers the manifests' only
  std::filesystem::remove_all(temp);
}

TEST_CASE("plan --target takes one address, and the word after it is DIR") {
  auto result = run_cli({"plan", "--target", "sync.CAS", "/nonexistent/supctl-dir"});
  CHECK(result.code == 1);
  CHECK(result.err.find("/nonexistent/supctl-dir") != std::string::npos);
  CHECK(result.err.find("is not a resource address") == std::string::npos);
}

}  // namespace
}  // namespace supctl::test
