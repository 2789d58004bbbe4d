// The session protocol in real PowerShell 7 with the test estate: many requests through one
// process, the estate counting processes and ConfigurationManager imports on its own; chains; and
// the injection corpus through the frames unchanged.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "backends/powershell/backend.h"
#include "estate.h"
#include "plugin/operation.h"
#include "support/hostile_values.h"

namespace supctl::test {
namespace {

using plugin::FailureKind;
using model::Json;
using plugin::Operation;
using plugin::OperationResult;

const std::string kSup = "sup01.contoso.com";
const std::string kCas = "cas01.contoso.com";
const std::string kKey = "HKLM\\SOFTWARE\\Contoso\\Session";

OperationResult run_one(powershell::PowerShellBackend& backend, const std::string& host, Operation op) {
  return backend.run(ops::HostTarget{host, {}}, std::vector<Operation>{std::move(op)}).at(0);
}

TEST_CASE("pwsh: session: forty requests go through one real pwsh process over the local transport") {
  PwshEstate estate;
  auto backend = estate.make_powershell_backend();
  for (int i = 0; i < 20; ++i) {
    OperationResult set = run_one(*backend, kSup,
                                  {"registry.set_value", {{"key", kKey}, {"name", "V" + std::to_string(i)}, {"type", "dword"}, {"data", i}}});
    INFO(set.error);
    REQUIRE(set.ok());
    OperationResult get = run_one(*backend, kSup, {"registry.get_value", {{"key", kKey}, {"name", "V" + std::to_string(i)}}});
    INFO(get.error);
    REQUIRE(get.ok());
    CHECK(get.value["data"] == i);
  }
  CHECK(backend->stats() == std::map<std::string, powershell::SessionStats>{{kSup, {1, 40}}});
  backend.reset();  // stops the session
  CHECK(PwshEstate::lines_of(estate.processes_path()) == 1);
  estate.reload();
  CHECK(estate.state["hosts"][kSup]["registry"]["hklm\\software\\contoso\\session"]["values"].size() == 20);
}

TEST_CASE("pwsh: session: a ConfigMgr operation twice in one session imports the ConfigurationManager module once") {
  PwshEstate estate;
  auto backend = estate.make_powershell_backend();
  for (int i = 0; i < 2; ++i) {
    OperationResult site = run_one(*backend, kCas, {"configmgr.get_site", {{"code", "CAS"}}});
    INFO(site.error);
    CHECK(site.ok());
  }
  CHECK(backend->stats() == std::map<std::string, powershell::SessionStats>{{kCas, {1, 2}}});
  backend.reset();
  CHECK(PwshEstate::lines_of(estate.processes_path()) == 1);
  CHECK(PwshEstate::lines_of(estate.imports_path()) == 1);

  // One process per request (the old way) imports it each time.
  auto one_each = estate.make_powershell_backend(powershell::BackendSettings{.session = {.max_requests_per_session = 1}});
  for (int i = 0; i < 2; ++i) CHECK(run_one(*one_each, kCas, {"configmgr.get_site", {{"code", "CAS"}}}).ok());
  one_each.reset();
  CHECK(PwshEstate::lines_of(estate.processes_path()) == 3);
  CHECK(PwshEstate::lines_of(estate.imports_path()) == 3);
}

TEST_CASE("pwsh: session: after a step of a chain fails the rest of that chain is not run") {
  PwshEstate estate;
  auto backend = estate.make_powershell_backend();
  std::vector<Operation> batch{
      {"registry.set_value", {{"key", kKey}, {"name", "A"}, {"type", "string"}, {"data", "a"}}, "", 1},
      {"registry.set_value", {{"key", "NOT\\A\\HIVE"}, {"name", "B"}, {"type", "string"}, {"data", "b"}}, "", 1},
      {"registry.set_value", {{"key", kKey}, {"name", "C"}, {"type", "string"}, {"data", "c"}}, "", 1},
      {"registry.set_value", {{"key", kKey}, {"name", "D"}, {"type", "string"}, {"data", "d"}}, "", 2},
      {"registry.set_value", {{"key", kKey}, {"name", "E"}, {"type", "string"}, {"data", "e"}}},
  };
  auto results = backend->run(ops::HostTarget{kSup, {}}, batch);
  REQUIRE(results.size() == 5);
  CHECK(results[0].ok());
  CHECK(results[1].failure == FailureKind::kFailed);
  CHECK_THAT(results[1].error, Catch::Contains("'NOT\\A\\HIVE' is not a registry key"));
  CHECK(results[2].failure == FailureKind::kFailed);
  CHECK(results[2].error == "not run: registry.set_value failed before it");
  CHECK(results[3].ok());
  CHECK(results[4].ok());
  backend.reset();
  estate.reload();
  const Json values = estate.state["hosts"][kSup]["registry"]["hklm\\software\\contoso\\session"]["values"];
  CHECK(values.contains("a"));
  CHECK_FALSE(values.contains("c"));
  CHECK(values.contains("d"));
  CHECK(values.contains("e"));
}

TEST_CASE("pwsh: session: the injection corpus goes through the frames unchanged, in one process") {
  PwshEstate estate;
  auto backend = estate.make_powershell_backend();
  int n = 0;
  for (const std::string& value : hostile_values()) {
    INFO("value: " << value.substr(0, 80));
    const std::string name = "H" + std::to_string(++n);
    std::vector<Operation> batch{{"registry.set_value", {{"key", kKey}, {"name", name}, {"type", "string"}, {"data", value}}},
                                 {"registry.get_value", {{"key", kKey}, {"name", name}}}};
    auto results = backend->run(ops::HostTarget{kSup, {}}, batch);
    REQUIRE(results.size() == 2);
    INFO(results[0].error << results[1].error);
    REQUIRE(results[0].ok());
    REQUIRE(results[1].ok());
    CHECK(results[1].value["data"] == value);
  }
  CHECK(backend->stats().at(kSup).processes == 1);
  backend.reset();
  CHECK(PwshEstate::lines_of(estate.processes_path()) == 1);
  for (const Json& call : estate.calls()) CHECK(call["cmdlet"] != "Stop-Computer");
}

}  // namespace
}  // namespace supctl::test
