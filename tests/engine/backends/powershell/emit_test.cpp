// What `plan --emit-scripts` writes, at the layer that assembles scripts: per host, the reads a
// run made and each change's legs in order, each script as PowerShellBackend would send it, the
// parameters beside it with secrets masked, and nothing for an operation no fragment runs.

#include "backends/powershell/emit.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "backends/powershell/protocol.h"
#include "ops/recording_backend.h"
#include "support.h"

namespace supctl::powershell {
namespace {

namespace fs = std::filesystem;
using model::Json;
using plugin::Operation;

const FragmentLookup kFragments = fragment_lookup({{"fake.get", "return @{ ok = $true }"}, {"fake.put", "return @{ put = $true }"}});

std::vector<std::string> files_under(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) out.push_back(fs::relative(entry.path(), root).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / fmt::format("supctl-emit-unit-{}", ::getpid());
  TempDir() { fs::remove_all(path); }
  ~TempDir() { fs::remove_all(path); }
};

TEST_CASE("the capturing backend keeps each host's operations and still runs them") {
  int runs = 0;
  ops::RecordingBackend inner([&runs](const std::string&, const Operation&) {
    ++runs;
    return plugin::OperationResult{plugin::FailureKind::kNone, Json::object(), {}};
  });
  CapturingBackend capture(inner);
  std::vector<Operation> first{{"fake.get", Json{{"n", 1}}}, {"fake.get", Json{{"n", 2}}}};
  std::vector<Operation> second{{"fake.get", Json{{"n", 3}}}};
  CHECK(capture.run(ops::HostTarget{"a.test", {}}, first).size() == 2);
  CHECK(capture.run(ops::HostTarget{"b.test", {}}, second).size() == 1);
  CHECK(capture.run(ops::HostTarget{"a.test", {}}, second).size() == 1);
  CHECK(runs == 4);
  auto batches = capture.batches();
  REQUIRE(batches.size() == 2);
  REQUIRE(batches["a.test"].size() == 3);
  CHECK(batches["a.test"][2].params == Json{{"n", 3}});
  CHECK(batches["b.test"].size() == 1);
}

TEST_CASE("the scripts go per host: the reads first, then each leg numbered in apply order") {
  TempDir out;
  std::map<std::string, std::vector<Operation>> reads{{"Sup01.Contoso.com", {{"fake.get", Json{{"address", "fake_file.app"}}}}},
                                                      {"quiet.test", {}}};
  EmittedScripts scripts(reads);
  scripts.add_leg("Sup01.Contoso.com", "fake_file.app", {{"fake.put", Json{{"password", Json{{"$secret", Json{{"env", "PW"}}}}}}}});
  scripts.add_leg("site.test", "fake_role[\"web 1\"]", {{"fake.put", Json{{"level", 2}}}, {"no.fragment", Json::object()}});
  scripts.add_leg("Sup01.Contoso.com", "fake_role[\"web 1\"]", {{"no.fragment", Json::object()}});
  std::string error;
  REQUIRE(scripts.write(out.path / "scripts", kFragments, &error));
  CHECK(error.empty());
  CHECK(files_under(out.path / "scripts") ==
        std::vector<std::string>{"bootstrap.ps1", "site.test/apply-001-fake_role-web-1.json", "site.test/apply-001-fake_role-web-1.ps1",
                                 "sup01.contoso.com/apply-001-fake_file.app.json", "sup01.contoso.com/apply-001-fake_file.app.ps1",
                                 "sup01.contoso.com/read.json", "sup01.contoso.com/read.ps1"});
  CHECK(scripts.scripts_written() == 3);
  CHECK(scripts.hosts() == 2);  // quiet.test read nothing

  fs::path host = out.path / "scripts/sup01.contoso.com";
  CHECK(test::read_file(out.path / "scripts/bootstrap.ps1") == std::string(bootstrap_script()));
  std::vector<Operation> put{{"fake.put", Json{{"password", Json{{"$secret", Json{{"env", "PW"}}}}}}}};
  CHECK(test::read_file(host / "apply-001-fake_file.app.ps1") == assemble_script(put, kFragments));
  CHECK(test::read_file(host / "apply-001-fake_file.app.json") == redacted_payload(put));
  CHECK(test::read_file(host / "apply-001-fake_file.app.json").find("(sensitive)") != std::string::npos);
  // An operation without a fragment is never sent, so it is not in the script either.
  std::vector<Operation> sent{{"fake.put", Json{{"level", 2}}}};
  CHECK(test::read_file(out.path / "scripts/site.test/apply-001-fake_role-web-1.ps1") == assemble_script(sent, kFragments));
}

TEST_CASE("a directory that cannot be made is an error naming it") {
  TempDir out;
  fs::create_directories(out.path);
  std::ofstream(out.path / "file") << "x";
  EmittedScripts scripts({});
  std::string error;
  CHECK_FALSE(scripts.write(out.path / "file" / "scripts", kFragments, &error));
  CHECK(error.rfind(fmt::format("cannot create '{}': ", (out.path / "file" / "scripts").string()), 0) == 0);
}

}  // namespace
}  // namespace supctl::powershell
