#include "ops/batch.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "fakes/harness.h"
#include "ops/recording_backend.h"

namespace supctl::ops {
namespace {

plugin::OperationResult echo(const std::string& host, const plugin::Operation& op) {
  return {plugin::FailureKind::kNone, model::Json{{"host", host}, {"n", op.params["n"]}}, {}};
}

TEST_CASE("a read batch sends every host's operations in one round trip and hands back each ticket's results") {
  RecordingBackend backend(echo);
  ReadBatch batch;
  std::vector<ReadBatch::Ticket> tickets;
  for (int i = 0; i < 30; ++i) {
    std::string host = fmt::format("h{}", i % 3);
    tickets.push_back(batch.add(HostTarget{host, {}}, {{"x.get", {{"n", i}}}, {"x.get", {{"n", i + 100}}}}));
  }
  batch.run(backend, 4);
  CHECK(backend.round_trips_by_host() == std::map<std::string, int>{{"h0", 1}, {"h1", 1}, {"h2", 1}});
  for (int i = 0; i < 30; ++i) {
    auto results = batch.results(tickets[static_cast<std::size_t>(i)]);
    REQUIRE(results.size() == 2);
    CHECK(results[0].value["n"] == i);
    CHECK(results[1].value["n"] == i + 100);
    CHECK(results[0].value["host"] == fmt::format("h{}", i % 3));
  }
}

TEST_CASE("an unreachable host fails its own operations only") {
  RecordingBackend backend(echo);
  backend.set_unreachable("down");
  ReadBatch batch;
  auto up = batch.add(HostTarget{"up", {}}, {{"x.get", {{"n", 1}}}});
  auto down = batch.add(HostTarget{"down", {}}, {{"x.get", {{"n", 2}}}});
  batch.run(backend, 2);
  CHECK(batch.results(up)[0].ok());
  CHECK(batch.results(down)[0].failure == plugin::FailureKind::kUnreachable);
  CHECK(batch.results(down)[0].error == "cannot reach 'down'");
}

TEST_CASE("a backend that returns the wrong number of results fails the whole batch instead of misattributing") {
  struct Short final : Backend {
    std::vector<plugin::OperationResult> run(const HostTarget&, std::span<const plugin::Operation>) override { return {{}}; }
  } backend;
  ReadBatch batch;
  auto ticket = batch.add(HostTarget{"h", {}}, {{"a", {}}, {"b", {}}});
  batch.run(backend, 1);
  REQUIRE(batch.results(ticket).size() == 2);
  CHECK(batch.results(ticket)[1].error == "the backend returned 1 results for 2 operations on 'h'");
}

TEST_CASE("a plan reads 1 host with 500 resources in exactly one round trip") {
  test::Harness h("rt1");
  std::string toml = "[host.\"h1.test\"]\ntransport = \"lab\"\n";
  for (int i = 0; i < 500; ++i) toml += fmt::format("[fake_file.f{}]\nhost = \"h1.test\"\ncontent = \"x{}\"\n", i, i);
  h.load(toml);
  REQUIRE(h.load_diagnostics().all().empty());
  auto result = h.plan();
  REQUIRE_FALSE(result.diagnostics.has_errors());
  CHECK(h.backend().round_trips_by_host() == std::map<std::string, int>{{"h1.test", 1}});
  CHECK(result.plan.summary().add == 500);
}

TEST_CASE("a plan reads 50 hosts in one round trip each") {
  test::Harness h("rt50");
  std::string toml;
  for (int host = 0; host < 50; ++host) {
    toml += fmt::format("[host.\"h{}.test\"]\ntransport = \"lab\"\n", host);
    for (int i = 0; i < 10; ++i) toml += fmt::format("[fake_file.f{}_{}]\nhost = \"h{}.test\"\n", host, i, host);
  }
  h.load(toml);
  REQUIRE(h.load_diagnostics().all().empty());
  auto result = h.plan();
  REQUIRE_FALSE(result.diagnostics.has_errors());
  auto trips = h.backend().round_trips_by_host();
  CHECK(trips.size() == 50);
  for (const auto& [host, count] : trips) {
    INFO(host);
    CHECK(count == 1);
  }
  CHECK(h.backend().total_round_trips() == 50);
}

}  // namespace
}  // namespace supctl::ops
