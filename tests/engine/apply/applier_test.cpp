#include "apply/applier.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "fakes/harness.h"

namespace supctl::apply {
namespace {

const std::string kHosts = "[host.\"h1.test\"]\ntransport = \"lab\"\n[host.\"h2.test\"]\ntransport = \"lab\"\n";

const StepResult& step(const ApplyReport& report, std::string_view address) {
  for (const StepResult& s : report.steps) {
    if (s.address.str() == address) return s;
  }
  FAIL("no step " << address);
  throw;
}

TEST_CASE("a failed step skips its dependents and lets independent steps finish") {
  test::Harness h("fail");
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\n[fake_role.r]\nhost = \"h1.test\"\n"
                  "[fake_file.c]\nhost = \"h2.test\"\ndepends_on = [\"fake_role.r\"]\n[fake_file.d]\nhost = \"h2.test\"\n");
  h.estate.fail_puts_to("fake_file.a");
  auto plan = h.plan();
  auto report = h.apply(plan.plan);
  CHECK_FALSE(report.ok());
  CHECK(step(report, "fake_file.a").status == StepStatus::kFailed);
  CHECK(step(report, "fake_file.a").message == "fake.put (failed): install failed: the fake says no");
  CHECK(step(report, "fake_role.r").status == StepStatus::kSkipped);
  CHECK(step(report, "fake_role.r").message == "skipped: it depends on fake_file.a, which did not succeed");
  CHECK(step(report, "fake_file.c").status == StepStatus::kSkipped);
  CHECK(step(report, "fake_file.d").status == StepStatus::kSucceeded);
  CHECK(report.count(StepStatus::kSucceeded) == 1);
  CHECK(report.count(StepStatus::kSkipped) == 2);

  auto journal = h.state->journal_entries(report.run_id);
  std::vector<std::string> statuses;
  for (const auto& e : journal) {
    if (e.address == "fake_role.r") statuses.push_back(e.status);
  }
  CHECK(statuses == std::vector<std::string>{"skipped"});
  CHECK(h.state->runs().back().status == "failed");

  // The fault clears: a new plan picks up what is left, and then nothing remains.
  h.estate.fail_puts_to("fake_file.a", false);
  auto retry = h.plan();
  CHECK(retry.plan.summary().add == 3);
  CHECK(h.apply(retry.plan).ok());
  CHECK_FALSE(h.plan().plan.has_changes());
}

TEST_CASE("hosts run in parallel and each host takes one mutation at a time") {
  test::Harness h("parallel");
  std::string toml;
  for (int host = 0; host < 4; ++host) {
    toml += fmt::format("[host.\"p{}.test\"]\ntransport = \"lab\"\n", host);
    for (int i = 0; i < 6; ++i) toml += fmt::format("[fake_file.f{}_{}]\nhost = \"p{}.test\"\n", host, i, host);
  }
  h.load(toml);
  auto report = h.apply(h.plan().plan, ApplyOptions{4, false});
  CHECK(report.ok());
  CHECK(report.steps.size() == 24);
  CHECK(h.estate.max_concurrent_mutations_per_host() == 1);
  CHECK(h.state->resources().size() == 24);
  CHECK(h.state->serial() == 1);
}

TEST_CASE("secrets reach the host and nowhere else") {
  test::Harness h("secrets");
  h.secrets.values["PW"] = "Zz9-unique-secret-value";
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\npassword = { env = \"PW\" }\n");
  auto plan = h.plan();
  REQUIRE(h.apply(plan.plan).ok());
  CHECK(h.estate.secrets_seen() == std::set<std::string>{"Zz9-unique-secret-value"});
  std::string everything = plan::to_json(plan.plan).dump();
  for (const auto& e : h.state->journal_entries()) everything += e.message;
  for (const auto& r : h.state->resources()) everything += model::Json(r.attributes).dump();
  CHECK(everything.find("Zz9-unique-secret-value") == std::string::npos);
  for (const char* file : {"state.db", "state.db-wal"}) {
    std::ifstream in(h.dir() / file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(bytes.find("Zz9-unique-secret-value") == std::string::npos);
  }
}

TEST_CASE("secret placeholders in operation parameters are filled in at the last moment") {
  test::MapSecrets secrets;
  secrets.values["X"] = "v";
  model::Json params{{"a", {{"$secret", {{"env", "X"}}}}}, {"list", {1, {{"$secret", {{"env", "X"}}}}}}};
  std::string error;
  REQUIRE(resolve_secret_placeholders(params, secrets, &error));
  CHECK(params == model::Json{{"a", "v"}, {"list", {1, "v"}}});
  model::Json missing{{"$secret", {{"env", "Y"}}}};
  CHECK_FALSE(resolve_secret_placeholders(missing, secrets, &error));
  CHECK(error == "the environment variable 'Y' is not set");
}

}  // namespace
}  // namespace supctl::apply

namespace supctl::apply {
namespace {

// Requests each host saw during an apply alone (the plan's reads are not counted).
std::map<std::string, int> apply_requests(test::Harness& h, const plan::Plan& plan, ApplyReport* report = nullptr) {
  h.backend().reset_counts();
  ApplyReport result = h.apply(plan, ApplyOptions{4, false});
  if (report) *report = result;
  return h.backend().round_trips_by_host();
}

TEST_CASE("apply sends each host one request per dependency wave, each change with its read-back inside") {
  test::Harness h("waves");
  std::string toml;
  for (int host = 0; host < 4; ++host) {
    toml += fmt::format("[host.\"p{}.test\"]\ntransport = \"lab\"\n", host);
    for (int i = 0; i < 6; ++i) toml += fmt::format("[fake_file.f{}_{}]\nhost = \"p{}.test\"\n", host, i, host);
  }
  h.load(toml);
  ApplyReport report;
  auto requests = apply_requests(h, h.plan().plan, &report);
  CHECK(report.ok());
  // Six independent changes per host: one wave, one request each (not 6 changes + 6 read-backs).
  CHECK(requests == std::map<std::string, int>{{"p0.test", 1}, {"p1.test", 1}, {"p2.test", 1}, {"p3.test", 1}});
  auto batches = h.backend().batches();
  REQUIRE(batches.size() == 4);
  CHECK(batches[0].second.size() == 12);  // six fake.put, each followed by its fake.get
  CHECK_FALSE(h.plan().plan.has_changes());
}

TEST_CASE("a chain of dependencies takes one request per wave on each host it touches") {
  test::Harness h("chain");
  // h1: a <- b <- c, and five that depend on nothing; h2: two that depend on nothing, one on b.
  std::string toml = kHosts +
                     "[fake_file.a]\nhost = \"h1.test\"\n"
                     "[fake_file.b]\nhost = \"h1.test\"\ndepends_on = [\"fake_file.a\"]\n"
                     "[fake_file.c]\nhost = \"h1.test\"\ndepends_on = [\"fake_file.b\"]\n"
                     "[fake_file.x]\nhost = \"h2.test\"\ndepends_on = [\"fake_file.b\"]\n";
  for (int i = 0; i < 5; ++i) toml += fmt::format("[fake_file.h1_{}]\nhost = \"h1.test\"\n", i);
  for (int i = 0; i < 2; ++i) toml += fmt::format("[fake_file.h2_{}]\nhost = \"h2.test\"\n", i);
  h.load(toml);
  ApplyReport report;
  auto requests = apply_requests(h, h.plan().plan, &report);
  CHECK(report.ok());
  // Waves: {a, h1_*, h2_*}, {b}, {c, x}: h1 is in all three, h2 in the first and the last.
  CHECK(requests == std::map<std::string, int>{{"h1.test", 3}, {"h2.test", 2}});
}

TEST_CASE("a change that fails in a shared request stops only itself") {
  test::Harness h("shared");
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\n[fake_file.b]\nhost = \"h1.test\"\n[fake_file.c]\nhost = \"h1.test\"\n");
  h.estate.fail_puts_to("fake_file.b");
  ApplyReport report;
  auto requests = apply_requests(h, h.plan().plan, &report);
  CHECK(requests == std::map<std::string, int>{{"h1.test", 1}});
  CHECK(step(report, "fake_file.a").status == StepStatus::kSucceeded);
  CHECK(step(report, "fake_file.b").status == StepStatus::kFailed);
  CHECK(step(report, "fake_file.b").message == "fake.put (failed): install failed: the fake says no");
  CHECK(step(report, "fake_file.c").status == StepStatus::kSucceeded);
  auto batch = h.backend().batches().at(0).second;
  CHECK(std::count(batch.begin(), batch.end(), "fake.put") == 3);
  CHECK(std::count(batch.begin(), batch.end(), "fake.get") == 3);
}

}  // namespace
}  // namespace supctl::apply
