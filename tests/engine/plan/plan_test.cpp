#include "plan/plan.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

namespace supctl::plan {

namespace testing {

Change change(std::string kind, std::string name, std::string host, Action action, Reason reason) {
  Change c;
  c.address = model::Address{std::move(kind), std::move(name)};
  c.host = std::move(host);
  c.action = action;
  c.reason = reason;
  return c;
}

/// The sample plan of the plan and render tests (render_test.cpp declares it): one change of every
/// action, a role replacement that needs consent, a secret, and drift.
Plan sample_plan() {
  Plan plan;
  plan.supctl_version = "0.4.0";
  plan.lineage = "5f0c7a2e-9a51-4c1b-8d2e-3b7f1e6a9c40";
  plan.serial = 17;
  plan.manifest_hash = "9b74c9897bac770ffc029102a200c5de0d2f8e8b6b2a4f1c3d5e7f9a1b3c5d7e";
  plan.created_at = "2025-03-14T09:26:53Z";
  plan.hosts["pr1sms.contoso.com"] = ops::HostTarget{
      "pr1sms.contoso.com",
      {{"transport", "winrm"}, {"user", "CONTOSO\\svc-supctl"}, {"password", Json{{"env", "SUPCTL_WINRM_PASSWORD"}}},
       {"winrm", Json{{"auth", "kerberos"}}}}};
  plan.hosts["pr1wsus.contoso.com"] = ops::HostTarget{"pr1wsus.contoso.com", {{"transport", "ssh"}, {"ssh", Json{{"user", "supctl"}}}}};
  plan.hosts["pr2wsus.contoso.com"] = ops::HostTarget{"PR2WSUS.contoso.com", {}};

  Change create = change("wsus_server", "pr1wsus", "pr1wsus.contoso.com", Action::kCreate, Reason::kNew);
  create.attributes = {{"content_dir", nullptr, "D:\\WSUS", false},
                       {"languages", nullptr, Json::array({"en", "de"}), false},
                       {"port", nullptr, 8530, false},
                       {"use_ssl", nullptr, false, false}};
  create.desired = {
      {"content_dir", "D:\\WSUS"}, {"languages", Json::array({"en", "de"})}, {"port", 8530}, {"use_ssl", false}};
  plan.changes.push_back(create);

  Change update = change("software_update_point", "pr1", "pr1sms.contoso.com", Action::kUpdate, Reason::kDrift);
  update.attributes = {{"client_connection_type", "Intranet", "InternetAndIntranet", false},
                       {"sync_schedule", Json{{"days", 7}}, Json{{"days", 1}}, false}};
  update.desired = {{"client_connection_type", "InternetAndIntranet"}, {"sync_schedule", Json{{"days", 1}}}};
  update.observed = model::AttributeMap{{"client_connection_type", "Intranet"}, {"sync_schedule", Json{{"days", 7}}}};
  update.depends_on = {"wsus_server.pr1wsus"};
  plan.changes.push_back(update);

  Change replace =
      change("site_system", "pr1sup.contoso.com", "pr1sms.contoso.com", Action::kReplace, Reason::kChangedInManifest);
  replace.attributes = {{"site_code", "PR1", "PR2", false}};
  replace.desired = {{"site_code", "PR2"}};
  replace.observed = model::AttributeMap{{"site_code", "PR1"}};
  replace.destroy_needs_consent = true;
  plan.changes.push_back(replace);

  Change remove =
      change("approval_rule", "legacy", "pr1wsus.contoso.com", Action::kDelete, Reason::kRemovedFromManifest);
  remove.attributes = {{"classifications", Json::array({"Critical Updates"}), nullptr, false},
                       {"enabled", true, nullptr, false}};
  remove.observed = model::AttributeMap{{"classifications", Json::array({"Critical Updates"})}, {"enabled", true}};
  plan.changes.push_back(remove);

  Change forget =
      change("registry_value", "proxy", "pr1wsus.contoso.com", Action::kForget, Reason::kRemovedFromManifest);
  forget.note = "adopted: supctl forgets it, the host keeps it";
  forget.observed = model::AttributeMap{{"value", "http://proxy:8080"}};
  plan.changes.push_back(forget);

  Change read = change("site_info", "PR1", "pr1sms.contoso.com", Action::kRead, Reason::kNone);
  read.attributes = {{"version", nullptr, "5.00.9128.1000", false}};
  plan.changes.push_back(read);

  Change secret = change("sup_account", "sync", "pr1sms.contoso.com", Action::kUpdate, Reason::kChangedInManifest);
  secret.attributes = {{"password", "hunter2-fake-secret", Json{{"env", "SUP_SYNC_PASSWORD"}}, true}};
  secret.desired = {{"password", Json{{"env", "SUP_SYNC_PASSWORD"}}}, {"user", "CONTOSO\\svc-sup"}};
  secret.observed = model::AttributeMap{{"password", "hunter2-fake-secret"}, {"user", "CONTOSO\\svc-sup"}};
  secret.fingerprints = {{"password", "hmac-sha256:1f3a9c0d"}};
  plan.changes.push_back(secret);

  Change same = change("wsus_server", "pr2wsus", "pr2wsus.contoso.com", Action::kNoOp, Reason::kNone);
  same.desired = {{"port", 8530}};
  same.observed = model::AttributeMap{{"port", 8530}};
  plan.changes.push_back(same);

  plan.drift.push_back(Drift{model::Address{"approval_rule", "monthly"},
                             "pr1wsus.contoso.com",
                             {{"title_filter", "KB|2025", "KB|2024", false}}});
  plan.drift.push_back(Drift{model::Address{"software_update_point", "pr1"},
                             "pr1sms.contoso.com",
                             {{"client_connection_type", "InternetAndIntranet", "Intranet", false},
                              {"proxy_password", "hunter2-fake-secret", "hunter2-fake-secret-2", true}}});
  return plan;
}

}  // namespace testing

namespace {

using testing::change;
using testing::sample_plan;

std::string round_trip(const Plan& plan) {
  std::string text = to_json(plan).dump();
  std::string error;
  auto back = plan_from_json(Json::parse(text), &error);
  INFO(error);
  REQUIRE(back);
  return to_json(*back).dump();
}

std::string load_error(const Json& json) {
  std::string error;
  auto plan = plan_from_json(json, &error);
  CHECK_FALSE(plan);
  return error;
}

TEST_CASE("reasons have stable names") {
  CHECK(reason_name(Reason::kNone) == "none");
  CHECK(reason_name(Reason::kNew) == "new");
  CHECK(reason_name(Reason::kChangedInManifest) == "changed in manifest");
  CHECK(reason_name(Reason::kDrift) == "drift");
  CHECK(reason_name(Reason::kRemovedFromManifest) == "removed from manifest");
}

TEST_CASE("the summary counts a replacement as an add and a destroy") {
  Summary s = sample_plan().summary();
  CHECK(s.add == 2);
  CHECK(s.change == 2);
  CHECK(s.destroy == 2);
  CHECK(s.forget == 1);
  CHECK(s.read == 1);

  Plan replace_only;
  replace_only.changes.push_back(change("site_system", "a", "h", Action::kReplace, Reason::kChangedInManifest));
  CHECK(replace_only.summary().add == 1);
  CHECK(replace_only.summary().destroy == 1);
  CHECK(replace_only.summary().change == 0);
}

TEST_CASE("reads and no-ops are not changes but a forget is") {
  Plan plan;
  CHECK_FALSE(plan.has_changes());
  plan.changes.push_back(change("site_info", "PR1", "h", Action::kRead, Reason::kNone));
  plan.changes.push_back(change("site", "PR1", "h", Action::kNoOp, Reason::kNone));
  CHECK_FALSE(plan.has_changes());
  CHECK(plan.summary().read == 1);
  plan.changes.push_back(change("registry_value", "x", "h", Action::kForget, Reason::kRemovedFromManifest));
  CHECK(plan.has_changes());
}

TEST_CASE("the plan JSON keeps its keys in a fixed order") {
  Json json = to_json(sample_plan());
  std::vector<std::string> keys;
  for (auto it = json.begin(); it != json.end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"format_version", "plugin_api_version", "supctl_version", "lineage", "serial",
                                         "manifest_hash", "created_at", "refresh_only", "targets", "state_key", "state_password", "state_key_check", "summary", "hosts",
                                         "resource_changes", "resource_drift"});
  CHECK(json["summary"].dump() == R"j({"add":2,"change":2,"destroy":2,"forget":1,"read":1})j");
  std::vector<std::string> change_keys;
  for (auto it = json["resource_changes"][0].begin(); it != json["resource_changes"][0].end(); ++it) {
    change_keys.push_back(it.key());
  }
  CHECK(change_keys == std::vector<std::string>{"address", "kind", "name", "host", "action", "reason", "attributes",
                                                "desired", "observed", "fingerprints", "depends_on", "allow_destroy",
                                                "destroy_needs_consent", "note"});
  CHECK(json["resource_changes"][2]["address"] == "site_system[\"pr1sup.contoso.com\"]");
  CHECK(json["resource_changes"][2]["reason"] == "changed in manifest");
  CHECK(json["resource_changes"][0]["observed"].is_null());
}

TEST_CASE("the plan JSON holds secret references and fingerprints but never a secret") {
  Json json = to_json(sample_plan());
  const Json& secret = json["resource_changes"][6];
  CHECK(secret["attributes"].dump() ==
        R"j([{"name":"password","before":"(sensitive)","after":"(sensitive)","sensitive":true}])j");
  CHECK(secret["desired"].dump() == R"j({"password":{"env":"SUP_SYNC_PASSWORD"},"user":"CONTOSO\\svc-sup"})j");
  CHECK(secret["observed"].dump() == R"j({"password":"(sensitive)","user":"CONTOSO\\svc-sup"})j");
  CHECK(secret["fingerprints"].dump() == R"j({"password":"hmac-sha256:1f3a9c0d"})j");
  CHECK(json.dump().find("hunter2") == std::string::npos);

  Plan nested;
  Change c = change("sup_account", "x", "h", Action::kCreate, Reason::kNew);
  c.desired = {{"proxy", Json{{"user", "u"}, {"password", "s3cr3t-value"}}},
               {"token", Json{{"env", "T"}, {"file", "/x"}}},
               {"api_token", Json{{"file", "/etc/supctl/token"}}}};
  nested.changes.push_back(c);
  CHECK(
      to_json(nested)["resource_changes"][0]["desired"].dump() ==
      R"j({"api_token":{"file":"/etc/supctl/token"},"proxy":{"user":"u","password":"(sensitive)"},"token":"(sensitive)"})j");
}

TEST_CASE("the plan carries each host's target, a password only as where it comes from") {
  Json json = to_json(sample_plan());
  CHECK(json["hosts"].dump() ==
        R"j({"pr1sms.contoso.com":{"password":{"env":"SUPCTL_WINRM_PASSWORD"},"transport":"winrm","user":"CONTOSO\\svc-supctl","winrm":{"auth":"kerberos"}},)j"
        R"j("pr1wsus.contoso.com":{"ssh":{"user":"supctl"},"transport":"ssh"},"PR2WSUS.contoso.com":{}})j");

  Plan plaintext;
  plaintext.hosts["h"] = ops::HostTarget{"h", {{"transport", "winrm"}, {"password", "s3cr3t-value"}}};
  CHECK(to_json(plaintext)["hosts"].dump() == R"j({"h":{"password":"(sensitive)","transport":"winrm"}})j");

  std::string error;
  auto back = plan_from_json(json, &error);
  REQUIRE(back);
  CHECK(back->target("PR1SMS.CONTOSO.COM").name == "pr1sms.contoso.com");
  CHECK(back->target("pr1sms.contoso.com").string("transport") == "winrm");
  CHECK(back->target("pr1sms.contoso.com").settings.at("password") == Json{{"env", "SUPCTL_WINRM_PASSWORD"}});
  CHECK(back->target("pr2wsus.contoso.com").name == "PR2WSUS.contoso.com");
  CHECK(back->target("pr2wsus.contoso.com").settings.empty());
  CHECK(back->target("elsewhere.contoso.com").name == "elsewhere.contoso.com");
  CHECK(back->target("elsewhere.contoso.com").settings.empty());
}

TEST_CASE("a plan without the target of a machine it changes, or with a secret in one, is refused") {
  Json json = to_json(sample_plan());

  Json no_hosts = json;
  no_hosts.erase("hosts");
  CHECK(load_error(no_hosts) == "missing key 'hosts'");

  Json missing = json;
  missing["hosts"].erase("pr1sms.contoso.com");
  CHECK(load_error(missing) ==
        "resource_changes[1].host: 'pr1sms.contoso.com' has no entry in 'hosts', so apply cannot know how to reach it; "
        "make the plan again with 'supctl plan --out FILE'");

  Json also_on = json;
  also_on["resource_changes"][0]["also_on"] = Json::array({"cas.contoso.com"});
  CHECK(load_error(also_on) ==
        "resource_changes[0].also_on[0]: 'cas.contoso.com' has no entry in 'hosts', so apply cannot know how to reach it; "
        "make the plan again with 'supctl plan --out FILE'");

  Json plaintext = json;
  plaintext["hosts"]["pr1sms.contoso.com"]["password"] = "s3cr3t-value";
  std::string error = load_error(plaintext);
  CHECK(error ==
        "hosts[\"pr1sms.contoso.com\"].password: expected a secret reference such as {\"env\": \"NAME\"} or "
        "{\"file\": \"PATH\"}, found a string");
  CHECK(error.find("s3cr3t") == std::string::npos);

  Json nested = json;
  nested["hosts"]["pr1sms.contoso.com"]["winrm"]["token"] = "s3cr3t-value";
  CHECK(load_error(nested).rfind("hosts[\"pr1sms.contoso.com\"].winrm.token: expected a secret reference", 0) == 0);

  Json not_object = json;
  not_object["hosts"]["pr1wsus.contoso.com"] = "ssh";
  CHECK(load_error(not_object) == "hosts[\"pr1wsus.contoso.com\"]: expected an object (the settings of its [host]), found a string");

  Json transport = json;
  transport["hosts"]["pr1wsus.contoso.com"]["transport"] = 22;
  CHECK(load_error(transport) == "hosts[\"pr1wsus.contoso.com\"].transport: expected a string, found an integer");

  Json twice = json;
  twice["hosts"]["PR1WSUS.contoso.com"] = Json::object();
  CHECK(load_error(twice) ==
        "hosts[\"PR1WSUS.contoso.com\"]: the same host as 'pr1wsus.contoso.com'; a host has one target");
}

TEST_CASE("a plan survives JSON and reads back byte for byte") {
  Plan plan = sample_plan();
  std::string first = to_json(plan).dump();
  CHECK(round_trip(plan) == first);

  Plan partial = sample_plan();
  partial.targets = {"software_update_point.pr1", "wsus_server[\"a b\"]"};
  partial.refresh_only = true;
  CHECK(round_trip(partial) == to_json(partial).dump());
}

TEST_CASE("plain values read back as the same plan") {
  Plan plan = sample_plan();
  std::string error;
  auto back = plan_from_json(Json::parse(to_json(plan).dump()), &error);
  REQUIRE(back);
  CHECK(error.empty());
  CHECK(back->lineage == plan.lineage);
  CHECK(back->serial == 17);
  CHECK(back->created_at == "2025-03-14T09:26:53Z");
  REQUIRE(back->changes.size() == plan.changes.size());
  for (std::size_t i = 0; i < plan.changes.size(); ++i) {
    const Change& a = plan.changes[i];
    const Change& b = back->changes[i];
    CHECK(a.address == b.address);
    CHECK(a.host == b.host);
    CHECK(a.action == b.action);
    CHECK(a.reason == b.reason);
    CHECK(a.depends_on == b.depends_on);
    CHECK(a.note == b.note);
    CHECK(a.allow_destroy == b.allow_destroy);
    CHECK(a.destroy_needs_consent == b.destroy_needs_consent);
    CHECK(a.observed.has_value() == b.observed.has_value());
    CHECK(a.fingerprints == b.fingerprints);
  }
  CHECK(back->changes[1].attributes[1].before == Json{{"days", 7}});
  CHECK(back->changes[3].attributes[1].after.is_null());
  CHECK(back->changes[2].address == model::Address{"site_system", "pr1sup.contoso.com"});
  CHECK(back->changes[6].desired.at("password") == Json{{"env", "SUP_SYNC_PASSWORD"}});
  REQUIRE(back->drift.size() == 2);
  CHECK(back->drift[1].attributes[1].sensitive);
}

TEST_CASE("a document that is not a plan of this format is refused with the reason") {
  CHECK(load_error(Json::array()) == "not a supctl plan: expected a JSON object, found an array");
  CHECK(load_error(Json{{"lineage", "x"}}) == "not a supctl plan: it has no 'format_version'");
  CHECK(load_error(Json{{"format_version", "1"}}) == "format_version: expected an integer, found a string");

  Json json = to_json(sample_plan());
  Json older = json;
  older["format_version"] = 1;
  CHECK(load_error(older) ==
        "this plan was written in format 1; this supctl reads format 3: make it again with 'supctl plan --out FILE'");

  Json no_lineage = json;
  no_lineage.erase("lineage");
  CHECK(load_error(no_lineage) == "missing key 'lineage'");

  Json no_host = json;
  no_host["resource_changes"][1].erase("host");
  CHECK(load_error(no_host) == "resource_changes[1]: missing key 'host'");

  Json bad_address = json;
  bad_address["resource_changes"][3]["address"] = "Approval Rule";
  CHECK(load_error(bad_address) ==
        "resource_changes[3].address: expected a resource address such as 'kind.name' or 'kind[\"name\"]', found "
        "'Approval Rule'");

  Json bad_action = json;
  bad_action["resource_changes"][0]["action"] = "destroy";
  CHECK(load_error(bad_action) ==
        "resource_changes[0].action: expected one of no-op, read, create, update, replace, delete, forget, found "
        "'destroy'");

  Json bad_sensitive = json;
  bad_sensitive["resource_drift"][1]["attributes"][0]["sensitive"] = "no";
  CHECK(load_error(bad_sensitive) == "resource_drift[1].attributes[0].sensitive: expected a boolean, found a string");

  Json bad_kind = json;
  bad_kind["resource_changes"][0]["kind"] = "site";
  CHECK(load_error(bad_kind) ==
        "resource_changes[0].kind: expected 'wsus_server' (the kind of the address), found 'site'");

  Json bad_summary = json;
  bad_summary["summary"]["destroy"] = 0;
  CHECK(load_error(bad_summary) ==
        "summary: expected 2 to add, 2 to change, 2 to destroy, 1 to forget, 1 to read (as the resource changes say), "
        "found 2, 2, 0, 1, 1");
}

}  // namespace
}  // namespace supctl::plan
