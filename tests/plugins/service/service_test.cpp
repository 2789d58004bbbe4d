// The service plugin over the lab: its lab interpreters on their own, then whole plan -> apply ->
// plan cycles through the real planner and applier, and the parity of lab and PowerShell.

#include <unistd.h>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "plugins/powershell_lint.h"
#include "plugins/lab_harness.h"
#include "plugins/lab_report.h"
#include "apply/applier.h"
#include "backends/lab/backend.h"
#include "backends/lab/estate.h"
#include "diag/render.h"
#include "manifest/validate.h"
#include "plan/planner.h"
#include "plugins/registry/lab/interpreters.h"
#include "plugins/registry/plugin.h"
#include "plugins/service/lab/interpreters.h"
#include "plugins/service/plugin.h"
#include "state/state.h"

namespace supctl::plugins::service {
namespace {

using test::lint_powershell;

using test::changes_of;
using test::steps_of;

using model::Json;

constexpr const char* kHost = "h1.test";



test::PluginLab::Plugins registry_and_service() {
  test::PluginLab::Plugins plugins;
  plugins.push_back(registry::make_plugin());
  plugins.push_back(make_plugin());
  return plugins;
}

/// The service and registry plugins over a temporary lab (tests/plugins/lab_harness.h).
class Lab : public test::PluginLab {
 public:
  explicit Lab(const std::string& name)
      : PluginLab("service-" + name, registry_and_service(), {&registry::add_lab_operations, &add_lab_operations},
                  lab::HostInfo{.name = kHost}) {}
};

const plan::Change& change_of(const plan::Plan& plan, std::string_view address) {
  for (const plan::Change& change : plan.changes) {
    if (change.address.str() == address) return change;
  }
  FAIL("the plan has no change for " << address);
  throw;
}

std::string attribute_names(const plan::Change& change) {
  std::string out;
  for (const auto& a : change.attributes) out += (out.empty() ? "" : ",") + a.name;
  return out;
}

const std::string kDisabledMessage =
    "the service cannot be started, either because it is disabled or because it has no enabled devices associated with "
    "it";

const std::string kWsus = R"(
[service.wsus]
host = "h1.test"
name = "WsusService"
startup = "automatic"
state = "running"
)";

lab::Service wsus_service(std::string startup, std::string state) {
  return lab::Service{"WsusService", "WSUS Service", std::move(startup), std::move(state), {}};
}

TEST_CASE("the service lab interpreters read a service and set its startup and state") {
  Lab lab("interpreters");
  auto missing = lab.run("service.get", {{"name", "WsusService"}});
  REQUIRE(missing.ok());
  CHECK(missing.value.dump() ==
        R"({"exists":false,"name":"WsusService","display_name":null,"startup":null,"state":null})");

  lab.estate->put_service(kHost, wsus_service("manual", "stopped"));
  CHECK(lab.run("service.get", {{"name", "wsusservice"}}).value.dump() ==
        R"({"exists":true,"name":"WsusService","display_name":"WSUS Service","startup":"manual","state":"stopped"})");

  REQUIRE(lab.run("service.set",
                  {{"name", "wsusservice"}, {"startup", "delayed"}, {"state", "running"}, {"timeout_seconds", 60}})
              .ok());
  CHECK(lab.estate->service(kHost, "WsusService")->startup == "delayed");
  CHECK(lab.estate->service(kHost, "WsusService")->state == "running");

  REQUIRE(lab.run("service.set", {{"name", "WsusService"}, {"state", "stopped"}, {"timeout_seconds", 60}}).ok());
  CHECK(lab.estate->service(kHost, "WsusService")->startup == "delayed");  // untouched when not asked
  CHECK(lab.estate->service(kHost, "WsusService")->state == "stopped");

  REQUIRE(lab.run("service.set", {{"name", "WsusService"}, {"startup", "automatic"}, {"timeout_seconds", 60}}).ok());
  CHECK(lab.estate->service(kHost, "WsusService")->startup == "automatic");
  CHECK(lab.estate->service(kHost, "WsusService")->state == "stopped");

  auto nowhere = lab.run("service.set", {{"name", "Nope"}, {"state", "running"}, {"timeout_seconds", 60}});
  CHECK(nowhere.failure == plugin::FailureKind::kFailed);
  CHECK(nowhere.error == "the service 'Nope' does not exist on 'h1.test'");

  auto disabled = lab.run(
      "service.set", {{"name", "WsusService"}, {"startup", "disabled"}, {"state", "running"}, {"timeout_seconds", 60}});
  CHECK(disabled.failure == plugin::FailureKind::kFailed);
  CHECK(disabled.error == "cannot start the service 'WsusService' on 'h1.test': " + kDisabledMessage);
}

TEST_CASE("the service lab interpreters refuse malformed parameters") {
  Lab lab("malformed");
  lab.estate->put_service(kHost, wsus_service("manual", "stopped"));
  auto error = [&](std::string_view operation, const Json& params) {
    auto result = lab.run(operation, params);
    CHECK(result.failure == plugin::FailureKind::kFailed);
    return result.error;
  };
  CHECK(error("service.get", Json::object()) == "service.get: the parameter 'name' is missing or not a string");
  CHECK(error("service.set", {{"name", "WsusService"}, {"startup", "auto"}}) ==
        "service.set: 'startup' must be one of automatic, delayed, manual, disabled; found \"auto\"");
  CHECK(error("service.set", {{"name", "WsusService"}, {"state", "paused"}}) ==
        "service.set: 'state' must be one of running, stopped; found \"paused\"");
  CHECK(error("service.set", {{"name", "WsusService"}, {"state", "running"}, {"timeout_seconds", 0}}) ==
        "service.set: 'timeout_seconds' must be a positive integer; found 0");
  CHECK(lab.estate->service(kHost, "WsusService")->state == "stopped");
}

TEST_CASE("starting a service starts what it depends on and stopping one waits for its dependents") {
  Lab lab("dependencies");
  lab.estate->put_service(kHost, lab::Service{"WAS", "Windows Process Activation Service", "manual", "stopped", {}});
  lab.estate->put_service(kHost,
                          lab::Service{"W3SVC", "World Wide Web Publishing Service", "automatic", "stopped", {"WAS"}});
  REQUIRE(lab.run("service.set", {{"name", "W3SVC"}, {"state", "running"}, {"timeout_seconds", 60}}).ok());
  CHECK(lab.estate->service(kHost, "WAS")->state == "running");
  CHECK(lab.estate->service(kHost, "W3SVC")->state == "running");

  auto refused = lab.run("service.set", {{"name", "WAS"}, {"state", "stopped"}, {"timeout_seconds", 60}});
  CHECK(refused.error ==
        "cannot stop the service 'WAS' on 'h1.test' because the running services 'W3SVC' depend on it");
  REQUIRE(lab.run("service.set", {{"name", "W3SVC"}, {"state", "stopped"}, {"timeout_seconds", 60}}).ok());
  REQUIRE(
      lab.run("service.set", {{"name", "WAS"}, {"startup", "disabled"}, {"state", "stopped"}, {"timeout_seconds", 60}})
          .ok());
  CHECK(lab.estate->service(kHost, "WAS")->state == "stopped");

  auto blocked = lab.run("service.set", {{"name", "W3SVC"}, {"state", "running"}, {"timeout_seconds", 60}});
  CHECK(blocked.error ==
        "cannot start the service 'W3SVC' on 'h1.test': the dependency service or group failed to start (cannot start "
        "the service "
        "'WAS' on 'h1.test': " +
            kDisabledMessage + ")");
}

TEST_CASE("a service's startup and state converge through plan and apply") {
  Lab lab("converge");
  lab.estate->put_service(kHost, wsus_service("manual", "stopped"));
  lab.load(kWsus);
  auto planned = lab.plan();
  INFO(lab.text(planned.diagnostics));
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  const plan::Change& change = change_of(planned.plan, "service.wsus");
  CHECK(change.action == plugin::Action::kUpdate);
  CHECK(attribute_names(change) == "startup,state");
  CHECK(change.attributes[0].before == "manual");
  CHECK(change.attributes[0].after == "automatic");
  CHECK(planned.plan.summary().change == 1);
  lab.apply_ok(planned.plan);
  CHECK(lab.estate->service(kHost, "WsusService")->startup == "automatic");
  CHECK(lab.estate->service(kHost, "WsusService")->state == "running");
  lab.require_converged();

  // Delayed start is a startup type of its own.
  lab.load(R"(
[service.wsus]
host = "h1.test"
name = "WsusService"
startup = "delayed"
state = "running"
)");
  auto delayed = lab.plan();
  REQUIRE_FALSE(delayed.diagnostics.has_errors());
  CHECK(attribute_names(change_of(delayed.plan, "service.wsus")) == "startup");
  CHECK(change_of(delayed.plan, "service.wsus").reason == plan::Reason::kChangedInManifest);
  lab.apply_ok(delayed.plan);
  CHECK(lab.estate->service(kHost, "WsusService")->startup == "delayed");
  lab.require_converged();

  // Only what the manifest writes is managed: here the state, not the startup type.
  lab.load(R"(
[service.wsus]
host = "h1.test"
name = "wsusservice"
state = "stopped"
)");
  auto stopped = lab.plan();
  REQUIRE_FALSE(stopped.diagnostics.has_errors());
  CHECK(attribute_names(change_of(stopped.plan, "service.wsus")) == "state");
  lab.apply_ok(stopped.plan);
  CHECK(lab.estate->service(kHost, "WsusService")->state == "stopped");
  CHECK(lab.estate->service(kHost, "WsusService")->startup == "delayed");
  lab.require_converged();
}

TEST_CASE("drift on a service is detected and repaired") {
  Lab lab("drift");
  lab.estate->put_service(kHost, wsus_service("manual", "stopped"));
  lab.load(kWsus);
  lab.converge();
  lab.estate->put_service(kHost, wsus_service("disabled", "stopped"));
  auto drifted = lab.plan();
  REQUIRE_FALSE(drifted.diagnostics.has_errors());
  const plan::Change& change = change_of(drifted.plan, "service.wsus");
  CHECK(change.reason == plan::Reason::kDrift);
  CHECK(attribute_names(change) == "startup,state");
  REQUIRE(drifted.plan.drift.size() == 1);
  CHECK(drifted.plan.drift[0].address.str() == "service.wsus");
  REQUIRE(drifted.plan.drift[0].attributes.size() == 2);
  CHECK(drifted.plan.drift[0].attributes[0].name == "startup");
  CHECK(drifted.plan.drift[0].attributes[0].before == "automatic");
  CHECK(drifted.plan.drift[0].attributes[0].after == "disabled");
  // The startup type is set before the service is started, so a disabled one can run again.
  lab.apply_ok(drifted.plan);
  CHECK(lab.estate->service(kHost, "WsusService")->startup == "automatic");
  CHECK(lab.estate->service(kHost, "WsusService")->state == "running");
  lab.require_converged();
}

TEST_CASE("a disabled service asked to run fails its step as windows does") {
  Lab lab("disabled");
  lab.estate->put_service(kHost, wsus_service("disabled", "stopped"));
  lab.load(R"(
[service.wsus]
host = "h1.test"
name = "WsusService"
state = "running"
)");
  auto planned = lab.plan();
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  CHECK(attribute_names(change_of(planned.plan, "service.wsus")) == "state");
  auto report = lab.apply(planned.plan);
  REQUIRE(report.steps.size() == 1);
  CHECK(report.steps[0].status == apply::StepStatus::kFailed);
  CHECK(report.steps[0].message ==
        "service.set (failed): cannot start the service 'WsusService' on 'h1.test': " + kDisabledMessage);
  CHECK(lab.estate->service(kHost, "WsusService")->state == "stopped");
  CHECK(lab.plan().plan.has_changes());  // still to do
}

TEST_CASE("a service that does not exist is an error in the plan") {
  Lab lab("missing");
  lab.load(R"(
[service.agent]
host = "h1.test"
name = "ContosoAgent"
state = "running"
)");
  auto planned = lab.plan();
  REQUIRE(planned.diagnostics.error_count() == 1);
  const diag::Diagnostic& d = planned.diagnostics.all()[0];
  CHECK(d.code == "not-found");
  CHECK(d.address == "service.agent");
  CHECK(d.summary ==
        "the service 'ContosoAgent' does not exist on 'h1.test': supctl sets startup and state; it does not install "
        "services");
  CHECK(lab.text(planned.diagnostics).find("main.toml:") != std::string::npos);
}

TEST_CASE("a service that leaves the manifests is forgotten and keeps running") {
  Lab lab("forget");
  lab.estate->put_service(kHost, wsus_service("manual", "stopped"));
  lab.load(kWsus);
  lab.converge();
  lab.load("");
  auto planned = lab.plan();
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  const plan::Change& change = change_of(planned.plan, "service.wsus");
  CHECK(change.action == plugin::Action::kForget);
  CHECK(planned.plan.summary().destroy == 0);
  lab.apply_ok(planned.plan);
  REQUIRE(lab.estate->service(kHost, "WsusService"));
  CHECK(lab.estate->service(kHost, "WsusService")->state == "running");
  CHECK(lab.state->resources().empty());
  lab.require_converged();
}

TEST_CASE("injected service faults fail clearly and the next run converges") {
  Lab lab("fault");
  lab.estate->put_service(kHost, wsus_service("manual", "stopped"));
  lab.load(kWsus);
  lab.estate->add_fault(
      lab::Fault{.host = kHost,
                 .operation = "service.set",
                 .kind = "timeout",
                 .message = "the service 'WsusService' did not reach the state 'running' within 60 seconds",
                 .remaining = 1});
  auto planned = lab.plan();
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  auto report = lab.apply(planned.plan);
  REQUIRE(report.steps.size() == 1);
  CHECK(report.steps[0].status == apply::StepStatus::kFailed);
  CHECK(report.steps[0].message ==
        "service.set (timeout): the service 'WsusService' did not reach the state 'running' within 60 seconds");

  lab.estate->add_fault(lab::Fault{.host = kHost, .operation = "service.get", .kind = "access_denied", .remaining = 1});
  auto denied = lab.plan();
  REQUIRE(denied.diagnostics.error_count() == 1);
  CHECK(denied.diagnostics.all()[0].code == "read-failed");
  CHECK(denied.diagnostics.all()[0].summary ==
        "cannot read service.wsus: service.get (access_denied): access is denied");
  CHECK(denied.diagnostics.all()[0].help == "check that supctl's account may query services on the host");

  lab.converge();
  lab.require_converged();
}

TEST_CASE("every service operation has a lab interpreter and a powershell fragment") {
  lab::OperationTable table;
  add_lab_operations(table);
  CHECK(table.duplicates().empty());
  std::vector<std::string> fragments;
  for (const plugin::ScriptFragment& fragment : powershell_fragments()) {
    fragments.emplace_back(fragment.operation);
    INFO(fragment.operation);
    CHECK(lint_powershell(fragment.script) == "");
    CHECK(fragment.script.find("$p.") != std::string_view::npos);
    CHECK(fragment.script.find("return ") != std::string_view::npos);
  }
  CHECK(table.names() == fragments);
  CHECK(fragments == std::vector<std::string>{"service.get", "service.set"});
}

}  // namespace
}  // namespace supctl::plugins::service
