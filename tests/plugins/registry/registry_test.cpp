// The registry plugin over the lab: its lab interpreters on their own, then whole plan -> apply ->
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

namespace supctl::plugins::registry {
namespace {

using test::lint_powershell;

using test::changes_of;
using test::steps_of;

using model::Json;

constexpr const char* kHost = "h1.test";



test::PluginLab::Plugins registry_and_service() {
  test::PluginLab::Plugins plugins;
  plugins.push_back(make_plugin());
  plugins.push_back(service::make_plugin());
  return plugins;
}

/// The registry and service plugins over a temporary lab (tests/plugins/lab_harness.h).
class Lab : public test::PluginLab {
 public:
  explicit Lab(const std::string& name)
      : PluginLab("registry-" + name, registry_and_service(), {&add_lab_operations, &service::add_lab_operations},
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

std::optional<Json> data_of(const Lab& lab, std::string_view key, std::string_view name) {
  auto value = lab.estate->value(kHost, key, name);
  return value ? std::optional<Json>(value->data) : std::nullopt;
}

const std::string kValues = R"(
[registry_key.contoso]
host = "h1.test"
key = 'HKLM\SOFTWARE\Contoso'

[registry_value.content_dir]
host = "h1.test"
key = 'HKLM\SOFTWARE\Contoso'
name = "ContentDir"
type = "string"
data = 'D:\WSUS'
depends_on = ["registry_key.contoso"]

[registry_value.log_dir]
host = "h1.test"
key = 'HKLM\SOFTWARE\Contoso'
name = "LogDir"
type = "expand_string"
data = '%ProgramFiles%\Contoso\Logs'

[registry_value.roles]
host = "h1.test"
key = 'HKLM\SOFTWARE\Contoso'
name = "Roles"
type = "multi_string"
data = ["upstream", "dmz"]

[registry_value.queue]
host = "h1.test"
key = 'HKLM\SOFTWARE\Contoso'
name = "QueueLength"
type = "dword"
data = 4294967295

[registry_value.quota]
host = "h1.test"
key = 'HKLM\SOFTWARE\Contoso'
name = "Quota"
type = "qword"
data = 5000000000

[registry_value.thumbprint]
host = "h1.test"
key = 'HKLM\SOFTWARE\Contoso'
name = "Thumbprint"
type = "binary"
data = [1, 10, 255]
)";

const std::string kContoso = "HKLM\\SOFTWARE\\Contoso";

TEST_CASE("the registry lab interpreters create read and delete keys and values") {
  Lab lab("interpreters");
  auto absent = lab.run("registry.get_key", {{"key", kContoso}});
  REQUIRE(absent.ok());
  CHECK(absent.value.dump() == R"({"exists":false,"key":"HKLM\\SOFTWARE\\Contoso"})");
  REQUIRE(lab.run("registry.create_key", {{"key", kContoso}}).ok());
  CHECK(lab.run("registry.get_key", {{"key", "hklm\\software\\CONTOSO"}}).value["exists"] == true);

  auto set = [&](std::string name, std::string type, Json data) {
    return lab.run("registry.set_value", {{"key", kContoso + "\\Sub"}, {"name", name}, {"type", type}, {"data", data}});
  };
  REQUIRE(set("S", "string", "D:\\WSUS").ok());
  REQUIRE(set("E", "expand_string", "%SystemRoot%\\x").ok());
  REQUIRE(set("M", "multi_string", Json::array({"b", "a"})).ok());
  REQUIRE(set("D", "dword", 4294967295u).ok());
  REQUIRE(set("Q", "qword", 5000000000).ok());
  REQUIRE(set("B", "binary", "01 0A,ff").ok());
  REQUIRE(set("B2", "binary", Json::array({0, 16, 255})).ok());
  REQUIRE(set("", "string", "the default value").ok());

  auto get = [&](std::string name) {
    return lab.run("registry.get_value", {{"key", kContoso + "\\Sub"}, {"name", name}}).value.dump();
  };
  CHECK(get("S") ==
        R"({"exists":true,"key":"HKLM\\SOFTWARE\\Contoso\\Sub","name":"S","type":"string","data":"D:\\WSUS"})");
  CHECK(
      get("E") ==
      R"({"exists":true,"key":"HKLM\\SOFTWARE\\Contoso\\Sub","name":"E","type":"expand_string","data":"%SystemRoot%\\x"})");
  CHECK(get("M") ==
        R"({"exists":true,"key":"HKLM\\SOFTWARE\\Contoso\\Sub","name":"M","type":"multi_string","data":["b","a"]})");
  CHECK(get("D") ==
        R"({"exists":true,"key":"HKLM\\SOFTWARE\\Contoso\\Sub","name":"D","type":"dword","data":4294967295})");
  CHECK(get("Q") ==
        R"({"exists":true,"key":"HKLM\\SOFTWARE\\Contoso\\Sub","name":"Q","type":"qword","data":5000000000})");
  CHECK(get("B") ==
        R"({"exists":true,"key":"HKLM\\SOFTWARE\\Contoso\\Sub","name":"B","type":"binary","data":"01 0a ff"})");
  CHECK(get("B2") ==
        R"({"exists":true,"key":"HKLM\\SOFTWARE\\Contoso\\Sub","name":"B2","type":"binary","data":"00 10 ff"})");
  CHECK(get("") ==
        R"({"exists":true,"key":"HKLM\\SOFTWARE\\Contoso\\Sub","name":"","type":"string","data":"the default value"})");
  CHECK(get("missing") ==
        R"({"exists":false,"key":"HKLM\\SOFTWARE\\Contoso\\Sub","name":"missing","type":null,"data":null})");
  CHECK(lab.estate->value(kHost, kContoso + "\\Sub", "B")->data ==
        "01 0a ff");  // the estate keeps the canonical spelling

  REQUIRE(lab.run("registry.delete_value", {{"key", kContoso + "\\Sub"}, {"name", "S"}}).ok());
  CHECK_FALSE(lab.estate->value(kHost, kContoso + "\\Sub", "S"));
  CHECK(lab.run("registry.delete_value", {{"key", kContoso + "\\Nowhere"}, {"name", "S"}}).ok());  // nothing to delete

  // Deleting a key takes its values and the keys below it.
  REQUIRE(lab.run("registry.delete_key", {{"key", kContoso}}).ok());
  CHECK_FALSE(lab.estate->key_exists(kHost, kContoso + "\\Sub"));
  CHECK_FALSE(lab.estate->value(kHost, kContoso + "\\Sub", "M"));
  CHECK(lab.run("registry.delete_key", {{"key", kContoso}}).ok());
}

TEST_CASE("the registry lab interpreters refuse malformed parameters") {
  Lab lab("malformed");
  auto error = [&](std::string_view operation, const Json& params) {
    auto result = lab.run(operation, params);
    CHECK(result.failure == plugin::FailureKind::kFailed);
    return result.error;
  };
  CHECK(
      error("registry.get_key", {{"key", "HKXX\\Software"}}) ==
      "'HKXX\\Software' is not a registry key: expected HKLM, HKCU, HKCR, HKU or HKCC, a backslash and a key below it");
  CHECK(error("registry.create_key", {{"key", "HKLM"}}) ==
        "'HKLM' is not a registry key: expected HKLM, HKCU, HKCR, HKU or HKCC, a backslash and a key below it");
  CHECK(error("registry.get_value", {{"key", kContoso}}) ==
        "registry.get_value: the parameter 'name' is missing or not a string");
  CHECK(error("registry.set_value", {{"key", kContoso}, {"name", "X"}, {"type", "reg_sz"}, {"data", "x"}}) ==
        "'reg_sz' is not a registry type: expected string, expand_string, multi_string, dword, qword or binary");
  CHECK(error("registry.set_value", {{"key", kContoso}, {"name", "X"}, {"type", "dword"}, {"data", 4294967296}}) ==
        "dword data must be an integer from 0 to 4294967295; found 4294967296");
  CHECK(error("registry.set_value", {{"key", kContoso}, {"name", "X"}, {"type", "qword"}, {"data", -1}}) ==
        "qword data must be an integer from 0 to 18446744073709551615; found -1");
  CHECK(error("registry.set_value",
              {{"key", kContoso}, {"name", "X"}, {"type", "multi_string"}, {"data", Json::array({"a", 1})}}) ==
        "multi_string data must be an array of strings; found [\"a\",1]");
  CHECK(error("registry.set_value", {{"key", kContoso}, {"name", "X"}, {"type", "binary"}, {"data", "0 1"}}) ==
        "binary data must be hex bytes such as \"01 0a ff\" or an array of integers from 0 to 255; found \"0 1\"");
  CHECK(error("registry.set_value",
              {{"key", kContoso}, {"name", "X"}, {"type", "binary"}, {"data", Json::array({256})}}) ==
        "binary data must be hex bytes such as \"01 0a ff\" or an array of integers from 0 to 255; found [256]");
  CHECK(error("registry.set_value", {{"key", kContoso}, {"name", "X"}, {"type", "string"}}) ==
        "registry.set_value: the parameter 'data' is missing");
  CHECK_FALSE(lab.estate->key_exists(kHost, kContoso));  // nothing was written
}

TEST_CASE("canonical binary data is lower-case hex bytes separated by single spaces") {
  CHECK(canonical_binary("01 0A ff") == "01 0a ff");
  CHECK(canonical_binary("010aFF") == "01 0a ff");
  CHECK(canonical_binary("01,0a, ff") == "01 0a ff");
  CHECK(canonical_binary(Json::array({1, 10, 255})) == "01 0a ff");
  CHECK(canonical_binary("") == "");
  CHECK(canonical_binary(Json::array()) == "");
  CHECK_FALSE(canonical_binary("1"));
  CHECK_FALSE(canonical_binary("0 1"));
  CHECK_FALSE(canonical_binary("zz"));
  CHECK_FALSE(canonical_binary(Json::array({-1})));
  CHECK_FALSE(canonical_binary(42));
}

TEST_CASE("registry values of all six types converge through plan and apply") {
  Lab lab("six-types");
  lab.load(kValues);
  auto first = lab.plan();
  INFO(lab.text(first.diagnostics));
  REQUIRE_FALSE(first.diagnostics.has_errors());
  CHECK(first.plan.summary().add == 7);
  CHECK(change_of(first.plan, "registry_value.thumbprint").action == plugin::Action::kCreate);
  CHECK(change_of(first.plan, "registry_value.thumbprint").reason == plan::Reason::kNew);
  auto report = lab.apply(first.plan);
  INFO(steps_of(report));
  REQUIRE(report.ok());
  CHECK(report.count(apply::StepStatus::kSucceeded) == 7);

  CHECK(lab.estate->key_exists(kHost, kContoso));
  CHECK(data_of(lab, kContoso, "ContentDir") == Json("D:\\WSUS"));
  CHECK(lab.estate->value(kHost, kContoso, "LogDir")->type == "expand_string");
  CHECK(data_of(lab, kContoso, "LogDir") == Json("%ProgramFiles%\\Contoso\\Logs"));
  CHECK(data_of(lab, kContoso, "Roles") == Json::array({"upstream", "dmz"}));
  CHECK(data_of(lab, kContoso, "QueueLength") == Json(4294967295u));
  CHECK(data_of(lab, kContoso, "Quota") == Json(5000000000));
  CHECK(lab.estate->value(kHost, kContoso, "Thumbprint")->type == "binary");
  CHECK(data_of(lab, kContoso, "Thumbprint") == Json("01 0a ff"));

  lab.require_converged();
}

TEST_CASE("a multi_string keeps its order and a reordered one is drift") {
  Lab lab("multi-string");
  lab.load(kValues);
  lab.converge();
  lab.estate->set_value(kHost, kContoso, "Roles", lab::RegistryValue{"multi_string", Json::array({"dmz", "upstream"})});
  auto drifted = lab.plan();
  REQUIRE_FALSE(drifted.diagnostics.has_errors());
  const plan::Change& change = change_of(drifted.plan, "registry_value.roles");
  CHECK(change.action == plugin::Action::kUpdate);
  CHECK(change.reason == plan::Reason::kDrift);
  REQUIRE(change.attributes.size() == 1);
  CHECK(change.attributes[0].name == "data");
  CHECK(change.attributes[0].before == Json::array({"dmz", "upstream"}));
  CHECK(change.attributes[0].after == Json::array({"upstream", "dmz"}));
  REQUIRE(drifted.plan.drift.size() == 1);
  CHECK(drifted.plan.drift[0].address.str() == "registry_value.roles");
  lab.apply_ok(drifted.plan);
  CHECK(data_of(lab, kContoso, "Roles") == Json::array({"upstream", "dmz"}));
  lab.require_converged();
}

TEST_CASE("binary data written as an array of bytes or as a hex string is the same value") {
  Lab lab("binary");
  const std::string as_array = R"(
[registry_value.thumbprint]
host = "h1.test"
key = 'HKLM\SOFTWARE\Contoso'
name = "Thumbprint"
type = "binary"
data = [1, 10, 255]
)";
  lab.load(as_array);
  lab.converge();
  CHECK(data_of(lab, kContoso, "Thumbprint") == Json("01 0a ff"));
  lab.require_converged();

  // The same bytes spelled as hex in upper case: nothing to change.
  lab.load(R"(
[registry_value.thumbprint]
host = "h1.test"
key = 'HKLM\SOFTWARE\Contoso'
name = "Thumbprint"
type = "binary"
data = "01 0A FF"
)");
  auto same = lab.plan();
  REQUIRE_FALSE(same.diagnostics.has_errors());
  CHECK_FALSE(same.plan.has_changes());

  // Other bytes: one update, sent in the canonical spelling.
  lab.load(R"(
[registry_value.thumbprint]
host = "h1.test"
key = 'HKLM\SOFTWARE\Contoso'
name = "Thumbprint"
type = "binary"
data = "01 0A FE"
)");
  auto changed = lab.plan();
  REQUIRE_FALSE(changed.diagnostics.has_errors());
  const plan::Change& change = change_of(changed.plan, "registry_value.thumbprint");
  CHECK(change.action == plugin::Action::kUpdate);
  CHECK(change.reason == plan::Reason::kChangedInManifest);
  CHECK(attribute_names(change) == "data");
  lab.apply_ok(changed.plan);
  CHECK(data_of(lab, kContoso, "Thumbprint") == Json("01 0a fe"));
  lab.require_converged();
}

TEST_CASE("drift on registry values is detected and repaired") {
  Lab lab("drift");
  lab.load(kValues);
  lab.converge();
  lab.estate->set_value(kHost, kContoso, "QueueLength", lab::RegistryValue{"dword", 10});
  lab.estate->set_value(kHost, kContoso, "ContentDir", lab::RegistryValue{"expand_string", "D:\\WSUS"});
  lab.estate->delete_value(kHost, kContoso, "Thumbprint");

  auto drifted = lab.plan();
  INFO(lab.text(drifted.diagnostics));
  REQUIRE_FALSE(drifted.diagnostics.has_errors());
  const plan::Change& queue = change_of(drifted.plan, "registry_value.queue");
  CHECK(queue.action == plugin::Action::kUpdate);
  CHECK(queue.reason == plan::Reason::kDrift);
  CHECK(attribute_names(queue) == "data");
  CHECK(queue.attributes[0].before == 10);
  const plan::Change& content = change_of(drifted.plan, "registry_value.content_dir");
  CHECK(attribute_names(content) == "type");
  const plan::Change& thumbprint = change_of(drifted.plan, "registry_value.thumbprint");
  CHECK(thumbprint.action == plugin::Action::kCreate);
  CHECK(thumbprint.reason == plan::Reason::kDrift);
  std::vector<std::string> drift;
  for (const auto& d : drifted.plan.drift) drift.push_back(d.address.str());
  CHECK(drift ==
        std::vector<std::string>{"registry_value.content_dir", "registry_value.queue", "registry_value.thumbprint"});
  CHECK(drifted.plan.summary().add == 1);
  CHECK(drifted.plan.summary().change == 2);

  lab.apply_ok(drifted.plan);
  CHECK(data_of(lab, kContoso, "QueueLength") == Json(4294967295u));
  CHECK(lab.estate->value(kHost, kContoso, "ContentDir")->type == "string");
  CHECK(data_of(lab, kContoso, "Thumbprint") == Json("01 0a ff"));
  lab.require_converged();

  // A key deleted under supctl's feet comes back, with its values.
  lab.estate->delete_key(kHost, kContoso);
  auto gone = lab.plan();
  REQUIRE_FALSE(gone.diagnostics.has_errors());
  CHECK(gone.plan.summary().add == 7);
  CHECK(change_of(gone.plan, "registry_key.contoso").reason == plan::Reason::kDrift);
  lab.apply_ok(gone.plan);
  lab.require_converged();
}

TEST_CASE("ensure absent deletes a registry key that exists and leaves alone one that does not") {
  Lab lab("absent-key");
  const std::string toml = R"(
[registry_key.legacy]
host = "h1.test"
key = 'HKLM\SOFTWARE\Legacy'
ensure = "absent"
)";
  lab.load(toml);
  auto nothing = lab.plan();
  REQUIRE_FALSE(nothing.diagnostics.has_errors());
  CHECK(nothing.plan.changes.empty());

  lab.estate->set_value(kHost, "HKLM\\SOFTWARE\\Legacy\\Below", "Left", lab::RegistryValue{"dword", 1});
  auto planned = lab.plan();
  INFO(lab.text(planned.diagnostics));
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  const plan::Change& change = change_of(planned.plan, "registry_key.legacy");
  CHECK(change.action == plugin::Action::kUpdate);
  REQUIRE(change.attributes.size() == 1);
  CHECK(change.attributes[0].name == "ensure");
  CHECK(change.attributes[0].before == "present");
  CHECK(change.attributes[0].after == "absent");
  auto report = lab.apply(planned.plan);
  INFO(steps_of(report));
  REQUIRE(report.ok());
  CHECK_FALSE(lab.estate->key_exists(kHost, "HKLM\\SOFTWARE\\Legacy"));
  CHECK_FALSE(lab.estate->key_exists(kHost, "HKLM\\SOFTWARE\\Legacy\\Below"));
  lab.require_converged();

  // It comes back: drift, and deleted again.
  lab.estate->create_key(kHost, "HKLM\\SOFTWARE\\Legacy");
  auto back = lab.plan();
  REQUIRE_FALSE(back.diagnostics.has_errors());
  CHECK(change_of(back.plan, "registry_key.legacy").reason == plan::Reason::kDrift);
  REQUIRE(back.plan.drift.size() == 1);
  lab.apply_ok(back.plan);
  CHECK_FALSE(lab.estate->key_exists(kHost, "HKLM\\SOFTWARE\\Legacy"));
  lab.require_converged();
}

TEST_CASE("ensure absent deletes a registry value and keeps its key") {
  Lab lab("absent-value");
  lab.estate->set_value(kHost, kContoso, "Proxy", lab::RegistryValue{"string", "http://proxy:8080"});
  lab.estate->set_value(kHost, kContoso, "Other", lab::RegistryValue{"string", "kept"});
  lab.load(R"(
[registry_value.proxy]
host = "h1.test"
key = 'HKLM\SOFTWARE\Contoso'
name = "Proxy"
ensure = "absent"
)");
  auto planned = lab.plan();
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  const plan::Change& change = change_of(planned.plan, "registry_value.proxy");
  CHECK(change.action == plugin::Action::kUpdate);
  CHECK(attribute_names(change) == "ensure");
  lab.apply_ok(planned.plan);
  CHECK_FALSE(lab.estate->value(kHost, kContoso, "Proxy"));
  CHECK(data_of(lab, kContoso, "Other") == Json("kept"));
  lab.require_converged();
}

TEST_CASE("a registry value that leaves the manifests is deleted") {
  Lab lab("removed");
  lab.load(kValues);
  lab.converge();
  lab.load(R"(
[registry_key.contoso]
host = "h1.test"
key = 'HKLM\SOFTWARE\Contoso'
)");
  auto planned = lab.plan();
  INFO(lab.text(planned.diagnostics));
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  CHECK(planned.plan.summary().destroy == 6);
  CHECK(change_of(planned.plan, "registry_value.quota").action == plugin::Action::kDelete);
  CHECK(change_of(planned.plan, "registry_value.quota").reason == plan::Reason::kRemovedFromManifest);
  lab.apply_ok(planned.plan);
  CHECK(lab.estate->values(kHost, kContoso).empty());
  CHECK(lab.estate->key_exists(kHost, kContoso));
  auto again = lab.plan();
  REQUIRE_FALSE(again.diagnostics.has_errors());
  CHECK_FALSE(again.plan.has_changes());
}

TEST_CASE("an injected registry fault fails its step clearly and the next run converges") {
  Lab lab("fault");
  lab.load(kValues);
  lab.estate->add_fault(lab::Fault{.host = kHost,
                                   .operation = "registry.set_value",
                                   .kind = "access_denied",
                                   .message = "Requested registry access is not allowed.",
                                   .remaining = 1});
  auto planned = lab.plan();
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  auto report = lab.apply(planned.plan);
  CHECK_FALSE(report.ok());
  CHECK(report.count(apply::StepStatus::kFailed) == 1);
  std::vector<std::string> failed;
  for (const auto& step : report.steps) {
    if (step.status == apply::StepStatus::kFailed) {
      failed.push_back(step.address.str());
      CHECK(step.message == "registry.set_value (access_denied): Requested registry access is not allowed.");
    }
  }
  // The first value applied on the host takes the fault; which one is the apply order's business.
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].starts_with("registry_value."));
  auto retry = lab.plan();
  REQUIRE_FALSE(retry.diagnostics.has_errors());
  CHECK(retry.plan.summary().add == 1);
  lab.apply_ok(retry.plan);
  lab.require_converged();
}

TEST_CASE("a failed registry read is an error naming the resource the failure and its kind") {
  Lab lab("read-fault");
  lab.load(kValues);
  lab.estate->add_fault(
      lab::Fault{.host = kHost, .operation = "registry.get_value", .kind = "timeout", .remaining = 1});
  auto planned = lab.plan();
  REQUIRE(planned.diagnostics.error_count() == 1);
  const diag::Diagnostic& d = planned.diagnostics.all()[0];
  CHECK(d.code == "read-failed");
  CHECK(d.address.starts_with("registry_value."));
  CHECK(d.summary == fmt::format("cannot read {}: registry.get_value (timeout): the operation timed out", d.address));

  lab.estate->add_fault(lab::Fault{
      .host = kHost, .operation = "*", .kind = "unreachable", .message = "no route to h1.test", .remaining = 1});
  auto unreachable = lab.plan();
  CHECK(unreachable.diagnostics.error_count() == 7);
  bool found = false;
  for (const diag::Diagnostic& e : unreachable.diagnostics.all()) {
    if (e.address != "registry_key.contoso") continue;
    found = true;
    CHECK(e.summary == "cannot read registry_key.contoso: registry.get_key (unreachable): no route to h1.test");
    CHECK(e.help == "check that the host is up and that supctl can reach it");
  }
  CHECK(found);
}

/// `supctl validate`'s text for `toml` (main.toml) with the registry plugin alone.
std::string validated(const std::string& toml) {
  auto plugin = make_plugin();
  std::vector<const plugin::Plugin*> plugins{plugin.get()};
  diag::SourceSet sources;
  manifest::Validation validation = manifest::validate_files({{"main.toml", toml}}, plugins, sources);
  return diag::render_text(validation.diagnostics, sources, {});
}

/// A value under `key` on a host reached over `transport`.
std::string current_user_value(std::string_view transport, std::string_view key) {
  return fmt::format(R"([host."w1.contoso.com"]
transport = "{}"

[registry_value.wallpaper]
host = "w1.contoso.com"
key = '{}'
name = "Wallpaper"
type = "string"
data = 'C:\Windows\Web\Contoso.bmp'
)", transport, key);
}

TEST_CASE("HKCU over winrm or ssh is refused at validation: a remote session has no user's hive to write") {
  CHECK(validated(current_user_value("winrm", "HKCU\\Control Panel\\Desktop")) == R"(error[remote-current-user]: 'HKCU\Control Panel\Desktop' on 'w1.contoso.com' is not a user's registry: supctl reaches the host over winrm
  --> main.toml:6:7
   |
 6 | key = 'HKCU\Control Panel\Desktop'
   |       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
   = at: registry_value.wallpaper.key
   = expected: HKCU only on a host with transport = "local" or "lab"
   = found: transport = "winrm"; a remote session has no interactive user, so HKCU there is the hive of the account supctl signs in with (or the default profile's), and no user would see the value
   = help: write the user's own hive as 'HKU\<SID>\Control Panel\Desktop' (it must be loaded), or a machine-wide policy under 'HKLM\SOFTWARE\Policies'

)");
  // The long name of the hive, and a key rather than a value, over ssh.
  CHECK(validated(R"([host."w1.contoso.com"]
transport = "ssh"

[registry_key.policies]
host = "w1.contoso.com"
key = 'HKEY_CURRENT_USER\Software\Contoso'
)") == R"(error[remote-current-user]: 'HKCU\Software\Contoso' on 'w1.contoso.com' is not a user's registry: supctl reaches the host over ssh
  --> main.toml:6:7
   |
 6 | key = 'HKEY_CURRENT_USER\Software\Contoso'
   |       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
   = at: registry_key.policies.key
   = expected: HKCU only on a host with transport = "local" or "lab"
   = found: transport = "ssh"; a remote session has no interactive user, so HKCU there is the hive of the account supctl signs in with (or the default profile's), and no user would see the value
   = help: write the user's own hive as 'HKU\<SID>\Software\Contoso' (it must be loaded), or a machine-wide policy under 'HKLM\SOFTWARE\Policies'

)");
}

TEST_CASE("HKCU stays allowed where supctl runs as the user: transport local, and the lab") {
  CHECK(validated(current_user_value("local", "HKCU\\Control Panel\\Desktop")) == "");
  CHECK(validated(current_user_value("lab", "HKEY_CURRENT_USER\\Control Panel\\Desktop")) == "");
  // Other hives over winrm, HKU with a SID among them, are what the help points to.
  CHECK(validated(current_user_value("winrm", "HKU\\S-1-5-21-1004336348-1177238915-682003330-512\\Control Panel\\Desktop")) == "");
  CHECK(validated(current_user_value("winrm", "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\Personalization")) == "");
}

TEST_CASE("every registry operation has a lab interpreter and a powershell fragment") {
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
  CHECK(fragments == std::vector<std::string>{"registry.create_key", "registry.delete_key", "registry.delete_value",
                                              "registry.get_key", "registry.get_value", "registry.set_value"});
}

TEST_CASE("the powershell lint catches the slips it is for") {
  CHECK(lint_powershell("if ($a) { 'x' }") == "");
  CHECK(lint_powershell("if ($a) { '}' }") == "");
  CHECK(lint_powershell("# a comment with a ( \n$x = \"a `\" (\"") == "");
  CHECK(lint_powershell("if ($a) { 'x' ") == "'{' is never closed");
  CHECK(lint_powershell("$x = 'abc") == "an unterminated string");
  CHECK(lint_powershell("$x = $a ?? $b") == "'?\?' is not Windows PowerShell 5.1");
  CHECK(lint_powershell("f(])") == "unbalanced ']' at offset 2");
}

}  // namespace
}  // namespace supctl::plugins::registry
