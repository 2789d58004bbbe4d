#include "backends/lab/backend.h"

#include <fmt/format.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using supctl::lab::Estate;
using supctl::lab::Fault;
using supctl::lab::Json;
using supctl::lab::LabBackend;
using supctl::lab::OperationTable;
using supctl::lab::RegistryValue;
using supctl::plugin::FailureKind;
using supctl::plugin::Operation;
using supctl::plugin::OperationResult;
using supctl::ops::HostTarget;

constexpr std::int64_t kStart = 1795248000;
constexpr std::string_view kKey = R"(HKLM\SOFTWARE\Lab)";

/// A lab estate in a directory of its own, removed at the end, with one host and a table of two
/// interpreters: registry.get_value and registry.set_value.
class Lab {
 public:
  explicit Lab(std::string_view name)
      : path_(fs::temp_directory_path() / fmt::format("supctl-lab-backend-test-{}-{}", getpid(), name)) {
    fs::remove_all(path_);
    std::string error;
    estate_ = Estate::open(path_ / "lab", &error);
    INFO(error);
    REQUIRE(estate_ != nullptr);
    estate_->add_host({"SUP01.contoso.com"});

    table_.add("registry.get_value", [](Estate& estate, const std::string& host, const Json& params) {
      OperationResult result;
      auto value = estate.value(host, params.at("key").get<std::string>(), params.at("name").get<std::string>());
      result.value = value ? Json{{"type", value->type}, {"data", value->data}} : Json();
      return result;
    });
    // Writes first, then checks: so a failure or an exception leaves a write to roll back.
    table_.add("registry.set_value", [](Estate& estate, const std::string& host, const Json& params) {
      OperationResult result;
      estate.set_value(host, params.at("key").get<std::string>(), params.at("name").get<std::string>(),
                       RegistryValue{params.value("type", "string"), params.at("data")});
      if (params.value("fail", false)) {
        result.failure = FailureKind::kFailed;
        result.error = "refused";
        return result;
      }
      // A wrong type throws nlohmann's type_error.
      result.value = Json{{"checked", params.at("check").get<int>()}};
      return result;
    });
    backend_ = std::make_unique<LabBackend>(*estate_, table_);
  }
  ~Lab() {
    backend_.reset();
    estate_.reset();
    std::error_code ec;
    fs::remove_all(path_, ec);
  }

  Estate& estate() { return *estate_; }
  OperationTable& table() { return table_; }
  std::vector<OperationResult> run(std::string host, const std::vector<Operation>& batch) {
    return backend_->run(HostTarget{std::move(host), {}}, batch);
  }

 private:
  fs::path path_;
  std::unique_ptr<Estate> estate_;
  OperationTable table_;
  std::unique_ptr<LabBackend> backend_;
};

Operation set_value(std::string name, int check = 1) {
  return {"registry.set_value", {{"key", kKey}, {"name", std::move(name)}, {"data", "x"}, {"check", check}}};
}
Operation get_value(std::string name) { return {"registry.get_value", {{"key", kKey}, {"name", std::move(name)}}}; }

TEST_CASE("the operation table finds and lists its interpreters and reports duplicates", "[lab][backend]") {
  OperationTable table;
  auto answer = [](int n) {
    return [n](Estate&, const std::string&, const Json&) {
      OperationResult result;
      result.value = n;
      return result;
    };
  };
  table.add("wsus.get", answer(1));
  table.add("registry.get_value", answer(2));
  table.add("wsus.get", answer(3));
  CHECK(table.names() == std::vector<std::string>{"registry.get_value", "wsus.get"});
  CHECK(table.duplicates() == std::vector<std::string>{"wsus.get"});
  CHECK(table.find("wsus.missing") == nullptr);
  const auto* found = table.find("wsus.get");
  REQUIRE(found != nullptr);
  Lab lab("table");
  CHECK((*found)(lab.estate(), "h", Json()).value == 1);  // the first registration wins
}

TEST_CASE("a batch runs its operations in order with one result each", "[lab][backend]") {
  Lab lab("ok");
  auto results = lab.run("sup01.CONTOSO.com", {set_value("A"), get_value("A"), get_value("Missing")});
  REQUIRE(results.size() == 3);
  CHECK(results[0].ok());
  CHECK(results[0].value == Json{{"checked", 1}});
  CHECK(results[1].ok());
  CHECK(results[1].value == Json{{"type", "string"}, {"data", "x"}});
  CHECK(results[2].ok());
  CHECK(results[2].value.is_null());
  CHECK(lab.estate().value("sup01.contoso.com", kKey, "A"));
  CHECK(lab.run("sup01.contoso.com", {}).empty());
}

TEST_CASE("a host the estate does not have fails every operation as unreachable", "[lab][backend]") {
  Lab lab("missing-host");
  auto results = lab.run("sup02.contoso.com", {set_value("A"), get_value("A"), {"nothing.here", {}}});
  REQUIRE(results.size() == 3);
  for (const auto& result : results) {
    CHECK(result.failure == FailureKind::kUnreachable);
    CHECK(result.error ==
          "lab host 'sup02.contoso.com' does not exist: 'supctl lab init' creates the hosts the manifests name");
  }
  CHECK_FALSE(lab.estate().value("sup02.contoso.com", kKey, "A"));
  CHECK(lab.estate().now() == kStart);
}

TEST_CASE("an operation with no interpreter fails saying so", "[lab][backend]") {
  Lab lab("unknown");
  auto results = lab.run("sup01.contoso.com", {{"wsus.set_proxy", {}}, set_value("A")});
  REQUIRE(results.size() == 2);
  CHECK(results[0].failure == FailureKind::kFailed);
  CHECK(results[0].error == "the lab does not implement 'wsus.set_proxy'");
  CHECK(results[1].ok());
}

TEST_CASE("an interpreter that throws fails its operation and its writes are rolled back", "[lab][backend]") {
  Lab lab("throws");
  Operation bad = set_value("Thrown");
  bad.params["check"] = "not a number";
  auto results = lab.run("sup01.contoso.com", {bad, set_value("After")});
  REQUIRE(results.size() == 2);
  CHECK(results[0].failure == FailureKind::kFailed);
  CHECK(results[0].error.starts_with("the lab could not run 'registry.set_value': [json.exception.type_error.302]"));
  CHECK_FALSE(lab.estate().value("sup01.contoso.com", kKey, "Thrown"));
  CHECK(results[1].ok());
  CHECK(lab.estate().value("sup01.contoso.com", kKey, "After"));
}

TEST_CASE("an interpreter that fails has its writes rolled back", "[lab][backend]") {
  Lab lab("fails");
  Operation refused = set_value("Refused");
  refused.params["fail"] = true;
  auto results = lab.run("sup01.contoso.com", {refused});
  REQUIRE(results.size() == 1);
  CHECK(results[0].failure == FailureKind::kFailed);
  CHECK(results[0].error == "refused");
  CHECK_FALSE(lab.estate().value("sup01.contoso.com", kKey, "Refused"));
  CHECK_FALSE(lab.estate().key_exists("sup01.contoso.com", kKey));
}

TEST_CASE("the clock moves one second per operation, and an operation's own waiting is undone with it", "[lab][backend]") {
  Lab lab("clock");
  // Waits an hour, logs, then succeeds or fails as asked: what a role install does in the lab.
  lab.table().add("test.wait", [](Estate& estate, const std::string& host, const Json& params) {
    estate.advance(3600);
    estate.append_log(host, "wait.log", fmt::format("waited until {}", estate.now()));
    OperationResult result;
    if (params.value("fail", false)) {
      result.failure = FailureKind::kFailed;
      result.error = "gave up";
    }
    return result;
  });
  auto results = lab.run("sup01.contoso.com", {get_value("A"), {"test.wait", {{"fail", true}}}, {"test.wait", Json::object()},
                                                get_value("A")});
  REQUIRE(results.size() == 4);
  CHECK(results[1].error == "gave up");
  CHECK(results[2].ok());
  // 4 operations and the hour of the one that succeeded; the failed one's hour is undone.
  CHECK(lab.estate().now() == kStart + 4 + 3600);
  // The log lines carry the clock as each operation saw it (files are not rolled back).
  CHECK(lab.estate().read_log("sup01.contoso.com", "wait.log", 0) ==
        fmt::format("waited until {}\r\nwaited until {}\r\n", kStart + 2 + 3600, kStart + 3 + 3600));
  // Kept: a new connection to the same estate reads the same time.
  std::string error;
  auto again = Estate::open(lab.estate().dir(), &error);
  REQUIRE(again);
  CHECK(again->now() == kStart + 4 + 3600);
}

TEST_CASE("faults fail operations with their kind and default message", "[lab][backend]") {
  struct Case {
    std::string kind;
    FailureKind failure;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"access_denied", FailureKind::kAccessDenied, "access is denied"},
      {"timeout", FailureKind::kTimeout, "the operation timed out"},
      {"failed", FailureKind::kFailed, "the operation failed"},
      {"will_not_start", FailureKind::kFailed,
       "the service did not start: Error 1053: The service did not respond to the start or control request in a "
       "timely fashion"},
      {"unreachable", FailureKind::kUnreachable, "cannot reach 'sup01.contoso.com': the lab says it is unreachable"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.kind) {
      Lab lab("fault-" + c.kind);
      // On the second operation, so that an unreachable fault fails only it.
      lab.estate().add_fault({0, "SUP01.CONTOSO.COM", "registry.set_value", c.kind, "", -1});
      auto results = lab.run("sup01.contoso.com", {get_value("A"), set_value("A")});
      REQUIRE(results.size() == 2);
      CHECK(results[0].ok());
      CHECK(results[1].failure == c.failure);
      CHECK(results[1].error == c.message);
      CHECK_FALSE(lab.estate().value("sup01.contoso.com", kKey, "A"));
    }
  }
}

TEST_CASE("a fault with a message fails with that message", "[lab][backend]") {
  Lab lab("fault-message");
  lab.estate().add_fault({0, "sup01.contoso.com", "registry.*", "access_denied", "Access to HKLM is denied.", -1});
  auto results = lab.run("sup01.contoso.com", {get_value("A")});
  REQUIRE(results.size() == 1);
  CHECK(results[0].failure == FailureKind::kAccessDenied);
  CHECK(results[0].error == "Access to HKLM is denied.");
}

TEST_CASE("an unreachable fault on the host fails the whole batch", "[lab][backend]") {
  Lab lab("unreachable");
  lab.estate().add_fault({0, "sup01.contoso.com", "*", "unreachable", "", -1});
  auto results = lab.run("SUP01.contoso.com", {set_value("A"), get_value("A"), {"nothing.here", {}}});
  REQUIRE(results.size() == 3);
  for (const auto& result : results) {
    CHECK(result.failure == FailureKind::kUnreachable);
    CHECK(result.error == "cannot reach 'SUP01.contoso.com': the lab says it is unreachable");
  }
  CHECK_FALSE(lab.estate().key_exists("sup01.contoso.com", kKey));
  CHECK(lab.estate().now() == kStart);
}

TEST_CASE("an unreachable fault on the first operation fails the batch once", "[lab][backend]") {
  Lab lab("unreachable-first");
  auto other = lab.estate().add_fault({0, "sup01.contoso.com", "registry.get_value", "timeout", "", -1});
  auto down = lab.estate().add_fault({0, "sup01.contoso.com", "registry.get_value", "unreachable", "WinRM says no", 1});
  auto results = lab.run("sup01.contoso.com", {get_value("A"), set_value("A")});
  REQUIRE(results.size() == 2);
  for (const auto& result : results) {
    CHECK(result.failure == FailureKind::kUnreachable);
    CHECK(result.error == "WinRM says no");
  }
  // It is used up; the other fault is untouched.
  REQUIRE(lab.estate().faults().size() == 1);
  CHECK(lab.estate().faults()[0].id == other);
  CHECK(other < down);

  results = lab.run("sup01.contoso.com", {get_value("A"), set_value("A")});
  REQUIRE(results.size() == 2);
  CHECK(results[0].failure == FailureKind::kTimeout);
  CHECK(results[1].ok());
}

TEST_CASE("a counted unreachable fault keeps its place when it counts down", "[lab][backend]") {
  Lab lab("unreachable-counted");
  auto down = lab.estate().add_fault({0, "sup01.contoso.com", "*", "unreachable", "", 2});
  lab.estate().add_fault({0, "sup01.contoso.com", "*", "timeout", "", -1});
  CHECK(lab.run("sup01.contoso.com", {get_value("A")})[0].failure == FailureKind::kUnreachable);
  auto faults = lab.estate().faults();
  REQUIRE(faults.size() == 2);
  CHECK(faults[0].id == down);
  CHECK(faults[0].remaining == 1);
  CHECK(lab.run("sup01.contoso.com", {get_value("A")})[0].failure == FailureKind::kUnreachable);
  CHECK(lab.run("sup01.contoso.com", {get_value("A")})[0].failure == FailureKind::kTimeout);
}

TEST_CASE("a fault with one use fails once and then the operation succeeds", "[lab][backend]") {
  Lab lab("fault-once");
  lab.estate().add_fault({0, "sup01.contoso.com", "registry.set_value", "timeout", "", 1});
  auto results = lab.run("sup01.contoso.com", {set_value("A"), set_value("A")});
  REQUIRE(results.size() == 2);
  CHECK(results[0].failure == FailureKind::kTimeout);
  CHECK(results[1].ok());
  CHECK(lab.estate().faults().empty());
  CHECK(lab.estate().value("sup01.contoso.com", kKey, "A"));
}

TEST_CASE("the clock advances one second per operation", "[lab][backend]") {
  Lab lab("clock");
  lab.estate().add_fault({0, "sup01.contoso.com", "registry.get_value", "failed", "", 1});
  lab.table().add("clock.now", [](Estate& estate, const std::string&, const Json&) {
    OperationResult result;
    result.value = estate.now();
    return result;
  });
  auto results =
      lab.run("sup01.contoso.com", {{"clock.now", {}}, get_value("A"), {"nothing.here", {}}, {"clock.now", {}}});
  REQUIRE(results.size() == 4);
  CHECK(results[0].value == kStart + 1);
  CHECK(results[1].failure == FailureKind::kFailed);
  CHECK(results[2].failure == FailureKind::kFailed);
  CHECK(results[3].value == kStart + 4);
  CHECK(lab.estate().now() == kStart + 4);
}

}  // namespace
