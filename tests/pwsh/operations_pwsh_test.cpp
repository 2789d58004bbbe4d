// Every operation of every plugin, run in real PowerShell 7 through the real bootstrap and the local
// transport, against the test estate: the generated stub cmdlets bind each call as the real cmdlets
// would, and the estate answers. Asserted per operation: it succeeds (no binding or runtime error),
// the cmdlets it called, and, for a change, that its read-back shows the change.

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <exception>
#include <set>

#include "cli/context.h"
#include "contoso.h"
#include "estate.h"
#include "support/counting_backend.h"
#include "support.h"
#include "model/base64.h"
#include "model/text.h"
#include "support/hostile_values.h"

namespace supctl::test {
namespace {

using plugin::Operation;
using plugin::OperationResult;

/// The operations the current test case ran.
std::set<std::string>& executed() {
  static std::set<std::string> names;
  return names;
}

/// The operations a pwsh test case says it runs: its tags that name an operation ("[registry.set_value]").
std::set<std::string> claimed_operations(const Catch::TestCaseInfo& info) {
  std::set<std::string> out;
  for (const std::string& tag : info.tags) {
    if (tag.find('.') != std::string::npos) out.insert(tag);
  }
  return out;
}

/// Holds a test case to its tags: every operation it names must really have run, successfully or as
/// the case expects, before the case ends. The coverage case below compares the tags with the plugins.
class Covers {
 public:
  Covers() { executed().clear(); }
  ~Covers() {
    if (std::uncaught_exceptions() > 0) return;  // a REQUIRE failed: that failure says enough
    const std::string name = Catch::getResultCapture().getCurrentTestName();
    for (const Catch::TestCase& test : Catch::getRegistryHub().getTestCaseRegistry().getAllTests()) {
      if (test.getTestCaseInfo().name != name) continue;
      for (const std::string& op : claimed_operations(test.getTestCaseInfo())) {
        INFO("the case is tagged [" << op << "] but never ran it");
        CHECK(executed().contains(op));
      }
    }
  }
};

OperationResult ok(PwshEstate& estate, const std::string& host, Operation op) {
  executed().insert(op.name);
  OperationResult result = estate.run_one(host, op);
  INFO(op.name << " " << op.params.dump() << " -> " << result.error);
  REQUIRE(result.ok());
  return result;
}

/// Equal as JSON values, whatever the order of their keys.
bool same(const Json& a, const Json& b) { return nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump()); }

/// Runs a whole batch in one PowerShell, as the backend does; every operation must succeed.
std::vector<OperationResult> ok_batch(PwshEstate& estate, const std::string& host, const std::vector<Operation>& batch) {
  for (const Operation& op : batch) executed().insert(op.name);
  std::vector<OperationResult> results = estate.run(host, batch);
  REQUIRE(results.size() == batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(host << " " << batch[i].name << " " << batch[i].params.dump() << " -> " << results[i].error);
    CHECK(results[i].ok());
  }
  return results;
}

bool called(const PwshEstate& estate, std::string_view cmdlet) {
  auto names = estate.cmdlets();
  return std::find(names.begin(), names.end(), cmdlet) != names.end();
}

const std::string kSup = "sup01.contoso.com";
const std::string kCas = "cas01.contoso.com";

TEST_CASE("pwsh: registry operations create, read and delete keys and values of every type",
          "[registry.create_key][registry.get_key][registry.set_value][registry.get_value][registry.delete_value][registry.delete_key]") {
  Covers covers;
  PwshEstate estate;
  ok(estate, kSup, {"registry.create_key", {{"key", "HKLM\\SOFTWARE\\Contoso\\WSUS"}}});
  CHECK(ok(estate, kSup, {"registry.get_key", {{"key", "HKLM\\SOFTWARE\\Contoso\\WSUS"}}}).value["exists"] == true);
  const Json values = Json::array({
      Json{{"name", "S"}, {"type", "string"}, {"data", "D:\\WSUS it's \"quoted\""}},
      Json{{"name", "E"}, {"type", "expand_string"}, {"data", "%SystemRoot%\\x"}},
      Json{{"name", "M"}, {"type", "multi_string"}, {"data", Json::array({"a", "b"})}},
      Json{{"name", "D"}, {"type", "dword"}, {"data", 4294967295u}},
      Json{{"name", "Q"}, {"type", "qword"}, {"data", 18446744073709551615ull}},
      Json{{"name", "B"}, {"type", "binary"}, {"data", "01 0a ff"}},
  });
  for (const Json& v : values) {
    Json params = v;
    params["key"] = "HKLM\\SOFTWARE\\Contoso\\WSUS";
    ok(estate, kSup, {"registry.set_value", params});
    Json read = ok(estate, kSup, {"registry.get_value", {{"key", "HKLM\\SOFTWARE\\Contoso\\WSUS"}, {"name", v["name"]}}}).value;
    INFO(read.dump());
    CHECK(read["exists"] == true);
    CHECK(read["type"] == v["type"]);
    CHECK(read["data"] == v["data"]);
  }
  ok(estate, kSup, {"registry.delete_value", {{"key", "HKLM\\SOFTWARE\\Contoso\\WSUS"}, {"name", "S"}}});
  CHECK(ok(estate, kSup, {"registry.get_value", {{"key", "HKLM\\SOFTWARE\\Contoso\\WSUS"}, {"name", "S"}}}).value["exists"] == false);
  ok(estate, kSup, {"registry.delete_key", {{"key", "HKLM\\SOFTWARE\\Contoso"}}});
  CHECK(ok(estate, kSup, {"registry.get_key", {{"key", "HKLM\\SOFTWARE\\Contoso\\WSUS"}}}).value["exists"] == false);
}

TEST_CASE("pwsh: service operations set the startup type, delayed start included, and the state", "[service.get][service.set]") {
  Covers covers;
  PwshEstate estate;
  Json read = ok(estate, kSup, {"service.get", {{"name", "WsusService"}}}).value;
  CHECK(same(read, Json{{"exists", true}, {"name", "WsusService"}, {"display_name", "WSUS Service"}, {"startup", "manual"}, {"state", "stopped"}}));
  CHECK(called(estate, "Get-CimInstance"));

  ok(estate, kSup, {"service.set", {{"name", "WsusService"}, {"startup", "delayed"}, {"state", "running"}, {"timeout_seconds", 5}}});
  read = ok(estate, kSup, {"service.get", {{"name", "WsusService"}}}).value;
  CHECK(read["startup"] == "delayed");
  CHECK(read["state"] == "running");

  ok(estate, kSup, {"service.set", {{"name", "WsusService"}, {"startup", "automatic"}}});
  CHECK(called(estate, "Set-Service"));
  CHECK(ok(estate, kSup, {"service.get", {{"name", "WsusService"}}}).value["startup"] == "automatic");

  // W3SVC has a running dependent: stopping it is refused in the fragment's words.
  OperationResult refused = estate.run_one(kSup, {"service.set", {{"name", "W3SVC"}, {"state", "stopped"}}});
  CHECK_FALSE(refused.ok());
  CHECK_THAT(refused.error, Catch::Contains("'WsusService' depend on it"));

  ok(estate, kSup, {"service.set", {{"name", "Spooler"}, {"startup", "disabled"}, {"state", "stopped"}}});
  CHECK(called(estate, "Stop-Service"));
  CHECK(same(ok(estate, kSup, {"service.get", {{"name", "Spooler"}}}).value,
             Json{{"exists", true}, {"name", "Spooler"}, {"display_name", "Print Spooler"}, {"startup", "disabled"}, {"state", "stopped"}}));
  CHECK(ok(estate, kSup, {"service.get", {{"name", "NoSuch"}}}).value["exists"] == false);
}

TEST_CASE("pwsh: wsus operations install WSUS, configure it, e-mail included, and read it back",
          "[wsus.get][wsus.install][wsus.configure]") {
  Covers covers;
  PwshEstate estate;
  CHECK(ok(estate, kSup, {"wsus.get", Json::object()}).value["installed"] == false);
  ok(estate, kSup, {"wsus.install", {{"content_dir", "D:\\WSUS"}, {"database", "wid"}}});
  CHECK(called(estate, "Install-WindowsFeature"));
  Json read = ok(estate, kSup, {"wsus.get", {{"catalog", true}}}).value;
  REQUIRE(read["installed"] == true);
  CHECK(read["content_dir"] == "D:\\WSUS");
  CHECK(read["database"] == "wid");
  CHECK(read["catalog"].size() == 4);

  Json configuration = {{"languages", Json::array({"en", "de"})},
                        {"client_targeting_mode", "client"},
                        {"proxy", {{"server", "proxy.contoso.com"}, {"port", 8080}, {"user", "CONTOSO\\svc-proxy"}, {"password", "p"}}},
                        {"smtp_host_name", "smtp.contoso.com"},
                        {"sync_notification_recipients", Json::array({"wsus@contoso.com"})},
                        {"email_server_account", {{"user", "CONTOSO\\svc-smtp"}, {"password", "s"}}},
                        {"status_notification_frequency", "weekly"},
                        {"update_improvement_program", false}};
  Json subscription = {{"classifications", Json::array({"0FA1201D-4330-4FA8-8AE9-B877473B6441"})},
                       {"products", Json::array({"Windows Server 2016"})},
                       {"synchronize_automatically", true},
                       {"synchronize_automatically_time_of_day", "03:00"}};
  ok(estate, kSup, {"wsus.configure", {{"configuration", configuration}, {"subscription", subscription}}});
  read = ok(estate, kSup, {"wsus.get", Json::object()}).value;
  const Json& c = read["configuration"];
  CHECK(same(c["languages"], Json::array({"en", "de"})));
  CHECK(c["client_targeting_mode"] == "client");
  CHECK(same(c["proxy"], Json{{"server", "proxy.contoso.com"}, {"port", 8080}, {"account", "CONTOSO\\svc-proxy"}, {"has_password", true}}));
  CHECK(c["smtp_host_name"] == "smtp.contoso.com");
  CHECK(same(c["sync_notification_recipients"], Json::array({"wsus@contoso.com"})));
  // IEmailNotificationConfiguration.SmtpServerRequiresAuthentication (the name was misspelled once).
  CHECK(c["email_server_account"] == "CONTOSO\\svc-smtp");
  CHECK(c["status_notification_frequency"] == "weekly");
  CHECK(c["update_improvement_program"] == false);
  CHECK(same(read["subscription"]["classifications"], Json::array({"0FA1201D-4330-4FA8-8AE9-B877473B6441"})));
  CHECK(same(read["subscription"]["product_ids"], Json::array({"A105A108-7C9B-4518-BBBE-73F0FE30012B"})));
  CHECK(read["subscription"]["synchronize_automatically_time_of_day"] == "03:00");
}

TEST_CASE("pwsh: wsusutil's failure comes back with its exit code and words, not the first stderr line", "[wsus.install]") {
  Covers covers;
  PwshEstate estate;
  estate.state["hosts"][kSup]["postinstall_fails"] = true;
  executed().insert("wsus.install");
  OperationResult failed = estate.run_one(kSup, {"wsus.install", {{"content_dir", "D:\\WSUS"}, {"database", "SQL01"}}});
  REQUIRE_FALSE(failed.ok());
  CHECK_THAT(failed.error, Catch::Contains("wsusutil postinstall failed on 'SUP01' (exit code 1)"));
  CHECK_THAT(failed.error, Catch::Contains("WSUS_PostInstall_"));
  CHECK_THAT(failed.error, Catch::Contains("Fatal Error: A network-related"));
}

TEST_CASE("pwsh: host operations read a log from an offset and the WinHTTP proxy", "[logs.read][winhttp.show_proxy]") {
  Covers covers;
  PwshEstate estate;
  fs::path logs = estate.dir() / "Logs";
  fs::create_directories(logs);
  { std::ofstream(logs / "WCM.log") << "line one\r\nline two\r\n"; }
  estate.state["hosts"][kSup]["registry"]["hklm\\software\\microsoft\\sms\\tracing\\sms_wsus_control_manager"] =
      Json{{"path", "HKLM\\SOFTWARE\\Microsoft\\SMS\\Tracing\\SMS_WSUS_CONTROL_MANAGER"},
           {"values", {{"tracefilename", {{"name", "TraceFileName"}, {"kind", "String"}, {"data", (logs / "WSUSCtrl.log").string()}}}}}};
  Json read = ok(estate, kSup, {"logs.read", {{"log", "WCM.log"}, {"component", "SMS_WSUS_CONTROL_MANAGER"}, {"offset", 10}}}).value;
  CHECK(read["exists"] == true);
  CHECK(read["size"] == 20);
  CHECK(read["next_offset"] == 20);
  CHECK(model::base64_decode(read["data"].get<std::string>()) == "line two\r\n");
  estate.state["hosts"][kSup]["winhttp_proxy"] = Json{{"server", "proxy.contoso.com:8080"}, {"bypass", "<local>"}};
  read = ok(estate, kSup, {"winhttp.show_proxy", Json::object()}).value;
  CHECK_THAT(read["output"].get<std::string>(), Catch::Contains("Proxy Server(s) :  proxy.contoso.com:8080"));
}

TEST_CASE("pwsh: the reads and changes of a plan of examples/contoso run, and the reads show the changes",
          "[configmgr.get_site][configmgr.get_site_system][configmgr.set_site_system][configmgr.get_account][configmgr.set_account]"
          "[configmgr.get_sup][configmgr.add_sup][configmgr.get_members][configmgr.set_members][configmgr.get_sync][configmgr.set_sync]") {
  Covers covers;
  PwshEstate estate;
  seed_contoso(estate);
  // pr2wsus has its WSUS already, as its wsus_server says: on Windows Server 2019, content on E:.
  estate.state["hosts"]["pr2wsus.contoso.com"]["wsus_version"] = "10.0.17763.1";
  ok_batch(estate, "pr2wsus.contoso.com", {{"wsus.install", {{"content_dir", "E:\\WSUS"}, {"database", "wid"}}}});
  // Each host's reads, then its changes in apply order; a SUP's group memberships on its own server
  // come before the role that needs them, through its site's SMS Provider.
  const std::vector<std::string> order{"pr1wsus.contoso.com", "cassup.contoso.com", "cas01.contoso.com", "pr1site.contoso.com", "pr2site.contoso.com"};
  for (std::string host : {"cas01.contoso.com", "cassup.contoso.com", "pr1site.contoso.com", "pr1wsus.contoso.com", "pr2site.contoso.com", "pr2wsus.contoso.com"}) {
    ok_batch(estate, host, golden_batch(host, "read.json"));
  }
  ok_batch(estate, "pr2wsus.contoso.com", golden_batch("pr2wsus.contoso.com", "apply-002-software_update_point-pr2wsus.contoso.com.json"));
  for (const std::string& host : order) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(fs::path(SUPCTL_SOURCE_DIR) / "tests/fixtures/powershell/contoso" / host)) {
      std::string name = entry.path().filename().string();
      if (name.starts_with("apply-") && name.ends_with(".json")) files.push_back(name);
    }
    std::sort(files.begin(), files.end());
    for (const std::string& file : files) {
      INFO(host << "/" << file);
      ok_batch(estate, host, golden_batch(host, file));
    }
  }
  // Read back as the next plan would: the role through the SMS Provider, what is on the SUP's
  // server on that server.
  auto read = ok_batch(estate, "cas01.contoso.com",
                       {{"configmgr.get_sup", {{"fqdn", "cassup.contoso.com"}, {"site", "CAS"}}},
                        {"configmgr.get_site_system", {{"fqdn", "cassup.contoso.com"}, {"site", "CAS"}}},
                        {"configmgr.get_account", {{"user", "CONTOSO\\svc-cm-wsus"}, {"site", "CAS"}}},
                        {"configmgr.get_sync", {{"site", "CAS"}}}});
  auto on_sup = ok_batch(estate, "cassup.contoso.com",
                         {{"registry.get_key", {{"key", "HKLM\\SOFTWARE\\Microsoft\\SMS\\Operations Management\\SMS Server Role\\SMS Software Update Point"}}},
                          {"configmgr.get_members", {{"member", "CONTOSO\\svc-cm-wsus"}, {"wsus", true}}}});
  const Json& sup = read[0].value;
  CHECK(sup["exists"] == true);
  CHECK(sup["site_version"] == "5.00.9128.1000");
  CHECK(on_sup[0].value["exists"] == true);
  CHECK(sup["connection_account"] == "CONTOSO\\svc-cm-wsus");
  CHECK(sup["wsus_ssl"] == true);
  CHECK(sup["use_proxy_for_adr"] == true);
  const Json& members = on_sup[1].value;
  INFO(members.dump());
  CHECK(same(members["groups"], Json::array({"Administrators", "WSUS Administrators"})));
  CHECK(members["wsus"]["installed"] == true);
  CHECK(members["wsus"]["version"].is_string());
  const Json& system = read[1].value;
  CHECK(same(system["proxy"], Json{{"server", "proxy.contoso.com"}, {"port", 8080}, {"account", "CONTOSO\\svc-cm-proxy"}}));
  const Json& account = read[2].value;
  CHECK(same(account, Json{{"exists", true}, {"user", "CONTOSO\\svc-cm-wsus"}, {"site", "CAS"}}));
  // The secondary site's role, through its parent primary's SMS Provider.
  Json se1 = ok(estate, "pr1site.contoso.com", {"configmgr.get_sup", {{"fqdn", "se1site.contoso.com"}, {"site", "SE1"}}}).value;
  CHECK(se1["exists"] == true);
  CHECK(se1["site"] == "SE1");
  const Json& sync = read[3].value;
  Json wanted = golden_batch("cas01.contoso.com", "apply-005-sync.cas.json")[0].params;
  auto sorted = [](Json list) { std::sort(list.begin(), list.end()); return list; };
  CHECK(sorted(sync["products"]) == sorted(wanted["products"]));
  CHECK(sorted(sync["classifications"]) == sorted(wanted["classifications"]));
  CHECK(sorted(sync["languages"]) == sorted(wanted["languages"]));
  CHECK(sync["schedule"] == wanted["schedule"]["text"]);
  CHECK(sync["enable_synchronization"] == true);
  CHECK(sync["wait_month"] == 3);
  CHECK(sync["reporting_events"] == "none");
  CHECK(sync["enable_sync_failure_alert"] == true);

  // The next plan of the whole of examples/contoso, the secondary site included, by the real CLI
  // through the plugins' observe and diff, has nothing left to do.
  cli::Context context = cli::default_context();
  test::RequestCounts counts;
  context.make_backend = [&estate, &counts](const fs::path&, bool, std::string*) -> std::unique_ptr<ops::Backend> {
    return std::make_unique<test::CountingBackend>(estate.make_backend(), counts);
  };
  fs::remove(estate.processes_path());
  const fs::path dir = estate.dir() / "contoso";
  fs::copy(fs::path(SUPCTL_SOURCE_DIR) / "examples/contoso", dir);
  std::vector<std::string> plan{"plan", dir.string(), "--detailed-exitcode"};
  CliResult next = run_cli_in(&context, plan, false,
                              {{"SUPCTL_WINRM_PASSWORD", "x"}, {"CONTOSO_WSUS_CONNECT_PASSWORD", "c"}, {"CONTOSO_PROXY_PASSWORD", "p"}});
  INFO(next.out << next.err);
  // Every resource converged; only the accounts' passwords, which no server hands back, are sent
  // again: the batches above went around supctl's state, so it holds no fingerprint of them.
  CHECK(next.code == 2);
  CHECK_THAT(next.out, Catch::Contains("Plan: 0 to add, 2 to change, 0 to destroy."));
  CHECK_THAT(next.out, Catch::Contains("# account.proxy_user will be updated in place"));
  CHECK_THAT(next.out, Catch::Contains("# account.wsus_connect will be updated in place"));
  // The plan read every machine in one request, each in one PowerShell process of its own.
  const std::vector<std::string> machines{"cas01.contoso.com", "cassup.contoso.com", "pr1site.contoso.com", "pr1wsus.contoso.com",
                                          "pr2site.contoso.com", "pr2wsus.contoso.com", "se1site.contoso.com"};
  std::map<std::string, int> once;
  for (const std::string& machine : machines) once[machine] = 1;
  CHECK(counts.requests == once);
  std::map<std::string, int> processes;
  {
    std::ifstream in(estate.processes_path());
    for (std::string pid, host; in >> pid >> host;) ++processes[host];
  }
  CHECK(processes == once);
  std::istringstream lines(next.out);
  for (std::string line; std::getline(lines, line);) {
    std::size_t at = line.find_first_not_of(' ');
    if (at != std::string::npos && line.compare(at, 2, "~ ") == 0 && line.find(" = ") != std::string::npos) {
      CHECK_THAT(line, Catch::Contains("~ password = (sensitive) -> (sensitive)"));
    }
  }
}

/// The Set-CMSoftwareUpdatePointComponent calls of the last run, by their bound parameters.
std::vector<Json> component_sets(const PwshEstate& estate) {
  std::vector<Json> out;
  for (const Json& call : estate.calls()) {
    if (call["cmdlet"] == "Set-CMSoftwareUpdatePointComponent") out.push_back(call["bound"]);
  }
  return out;
}

std::set<std::string> keys_of(const Json& object) {
  std::set<std::string> out;
  for (const auto& [key, value] : object.items()) out.insert(key);
  return out;
}

TEST_CASE("pwsh: a site system, its software update point and an account, from creation to removal",
          "[configmgr.set_account][configmgr.get_account][configmgr.remove_account][configmgr.set_site_system]"
          "[configmgr.get_site_system][configmgr.remove_site_system][configmgr.add_sup][configmgr.set_sup][configmgr.get_sup]"
          "[configmgr.remove_sup][configmgr.get_members][configmgr.set_members][configmgr.get_site][registry.get_key]") {
  Covers covers;
  PwshEstate estate;
  const std::string user = "CONTOSO\\svc-cm-wsus";
  ok(estate, kCas, {"configmgr.set_account", {{"user", user}, {"site", "CAS"}, {"password", "first"}}});
  CHECK(called(estate, "New-CMAccount"));
  // A rotated password reaches ConfigMgr through Set-CMAccount on the one account of that site.
  ok(estate, kCas, {"configmgr.set_account", {{"user", user}, {"site", "CAS"}, {"password", "second"}}});
  CHECK(called(estate, "Set-CMAccount"));
  CHECK(estate.state["configmgr"]["accounts"][0]["password_sets"] == 2);
  CHECK(same(ok(estate, kCas, {"configmgr.get_site", {{"code", "CAS"}}}).value,
             Json{{"exists", true}, {"code", "CAS"}, {"type", "cas"}, {"parent", nullptr}, {"server", "cas01.contoso.com"}, {"provider_site", "CAS"}}));

  ok(estate, kCas, {"configmgr.set_site_system", {{"fqdn", kSup}, {"site", "CAS"}, {"public_fqdn", "sup01.contoso.net"}}});
  CHECK(ok(estate, kCas, {"configmgr.get_site_system", {{"fqdn", kSup}, {"site", "CAS"}}}).value["public_fqdn"] == "sup01.contoso.net");

  // Administrators on sup01 holds an orphaned SID: Get-LocalGroupMember throws on it, ADSI does not.
  // The group memberships on the SUP's own server, then the role through the SMS Provider.
  ok(estate, kSup, {"configmgr.set_members", {{"member", user}, {"groups", {"Administrators"}}}});
  CHECK(called(estate, "Add-LocalGroupMember"));
  CHECK_FALSE(called(estate, "Get-LocalGroupMember"));
  ok(estate, kCas, {"configmgr.add_sup", {{"fqdn", kSup}, {"site", "CAS"}, {"connection_account", user}, {"wsus_iis_port", 8530}}});
  CHECK(called(estate, "Add-CMSoftwareUpdatePoint"));
  Json members = ok(estate, kSup, {"configmgr.get_members", {{"member", user}, {"wsus", false}}}).value;
  CHECK(same(members["groups"], Json::array({"Administrators"})));
  // sup01 has no WSUS yet: the role setup there fails and leaves no role behind, and says why.
  const std::string role_key = "HKLM\\SOFTWARE\\Microsoft\\SMS\\Operations Management\\SMS Server Role\\SMS Software Update Point";
  CHECK(ok(estate, kSup, {"registry.get_key", {{"key", role_key}}}).value["exists"] == false);
  Json setup = ok(estate, kSup, {"logs.read", {{"log", "SUPSetup.log"}}}).value;
  CHECK_THAT(model::base64_decode(setup["data"].get<std::string>()).value_or(""), Catch::Contains("ERROR: WSUS is not installed on this server."));
  ok(estate, kSup, {"wsus.install", {{"content_dir", "D:\\WSUS"}, {"database", "wid"}}});

  // The next change of the role has Site Component Manager try again, now with WSUS there.
  ok(estate, kCas, {"configmgr.set_sup", {{"fqdn", kSup}, {"site", "CAS"}, {"wsus_iis_port", 80}, {"client_connection_type", "internet_and_intranet"}}});
  Json sup = ok(estate, kCas, {"configmgr.get_sup", {{"fqdn", kSup}, {"site", "CAS"}}}).value;
  CHECK(sup["wsus_iis_port"] == 80);
  CHECK(sup["client_connection_type"] == "internet_and_intranet");
  CHECK(sup["connection_account"] == user);
  // Site Component Manager made the role's key on the SUP's server, where supctl reads it.
  CHECK(ok(estate, kSup, {"registry.get_key", {{"key", "HKLM\\SOFTWARE\\Microsoft\\SMS\\Operations Management\\SMS Server Role\\SMS Software Update Point"}}})
            .value["exists"] == true);

  // A site is changed through its own SMS Provider only: P01's does not answer for the CAS.
  OperationResult elsewhere = estate.run_one("pr1site.contoso.com", {"configmgr.get_sup", {{"fqdn", kSup}, {"site", "CAS"}}});
  CHECK_FALSE(elsewhere.ok());
  CHECK_THAT(elsewhere.error, Catch::Contains("is the SMS Provider of site P01, which does not answer for site CAS"));

  // Refused while the role is there, then both go.
  CHECK_FALSE(estate.run_one(kCas, {"configmgr.remove_site_system", {{"fqdn", kSup}, {"site", "CAS"}}}).ok());
  ok(estate, kCas, {"configmgr.remove_sup", {{"fqdn", kSup}, {"site", "CAS"}}});
  CHECK(ok(estate, kCas, {"configmgr.get_sup", {{"fqdn", kSup}, {"site", "CAS"}}}).value["exists"] == false);
  ok(estate, kCas, {"configmgr.remove_site_system", {{"fqdn", kSup}, {"site", "CAS"}}});
  CHECK(ok(estate, kCas, {"configmgr.get_site_system", {{"fqdn", kSup}, {"site", "CAS"}}}).value["exists"] == false);
  ok(estate, kCas, {"configmgr.remove_account", {{"user", user}, {"site", "CAS"}}});
  CHECK(ok(estate, kCas, {"configmgr.get_account", {{"user", user}, {"site", "CAS"}}}).value["exists"] == false);
}

TEST_CASE("pwsh: on a Windows in another language the built-in Administrators is read and joined by its SID",
          "[configmgr.set_members][configmgr.get_members]") {
  Covers covers;
  PwshEstate estate;
  Json& sup = estate.state["hosts"][kSup];
  sup["administrators"] = "Administratoren";
  sup["groups"] = {{"Administratoren", sup["groups"]["Administrators"]}, {"WSUS Administrators", Json::array()}};
  const std::string user = "CONTOSO\\svc-cm-wsus";
  ok(estate, kCas, {"configmgr.set_account", {{"user", user}, {"site", "CAS"}, {"password", "p"}}});
  ok(estate, kCas, {"configmgr.set_site_system", {{"fqdn", kSup}, {"site", "CAS"}}});
  ok(estate, kSup, {"configmgr.set_members", {{"member", user}, {"groups", {"Administrators", "WSUS Administrators"}}}});
  bool by_sid = false;
  for (const Json& call : estate.calls()) {
    if (call["cmdlet"] == "Add-LocalGroupMember" && call["set"] == "SecurityIdentifier") by_sid = call["bound"]["SID"] == "S-1-5-32-544";
  }
  CHECK(by_sid);
  Json members = ok(estate, kSup, {"configmgr.get_members", {{"member", user}, {"wsus", false}}}).value;
  CHECK(same(members["groups"], Json::array({"Administrators", "WSUS Administrators"})));
  const Json& local = estate.state["hosts"][kSup]["groups"]["Administratoren"];
  CHECK(std::any_of(local.begin(), local.end(), [&](const Json& m) { return m["name"] == user; }));
}

TEST_CASE("pwsh: accounts are looked up at their own site, one at a time",
          "[configmgr.get_account][configmgr.remove_account]") {
  Covers covers;
  PwshEstate estate;
  estate.state["configmgr"]["accounts"] = Json::array({Json{{"site", "CAS"}, {"user", "CONTOSO\\svc-a"}, {"password_sets", 1}},
                                                       Json{{"site", "P01"}, {"user", "CONTOSO\\svc-a"}, {"password_sets", 1}},
                                                       Json{{"site", "P01"}, {"user", "CONTOSO\\svc-ab"}, {"password_sets", 1}}});
  CHECK(same(ok(estate, kCas, {"configmgr.get_account", {{"user", "CONTOSO\\svc-a"}, {"site", "P01"}}}).value,
             Json{{"exists", true}, {"user", "CONTOSO\\svc-a"}, {"site", "P01"}}));
  for (const Json& call : estate.calls()) {
    if (call["cmdlet"] == "Get-CMAccount") CHECK(call["bound"]["SiteCode"] == "P01");
  }
  // -UserName is a pattern to the cmdlet: a name with a wildcard matches nothing but itself.
  CHECK(ok(estate, kCas, {"configmgr.get_account", {{"user", "CONTOSO\\svc-*"}, {"site", "P01"}}}).value["exists"] == false);
  ok(estate, kCas, {"configmgr.remove_account", {{"user", "CONTOSO\\svc-a"}, {"site", "P01"}}});
  const Json& left = estate.state["configmgr"]["accounts"];
  REQUIRE(left.size() == 2);
  CHECK(left[0]["site"] == "CAS");
  CHECK(left[1]["user"] == "CONTOSO\\svc-ab");
}

TEST_CASE("pwsh: set_sync sends only non-empty lists, languages by ConfigMgr's names, and turns synchronization off and on",
          "[configmgr.set_sync][configmgr.get_sync]") {
  Covers covers;
  PwshEstate estate;
  estate.state["configmgr"]["components"]["CAS"]["config"]["SupportedTitleLanguages"] = Json::array({0, nullptr, "en,fr"});
  const Json names = {{"en", "English"}, {"de", "German"}, {"fr", "French"}, {"pt-br", "Portuguese (Brazil)"}};
  ok(estate, kCas, {"configmgr.set_sync", {{"site", "CAS"}, {"classifications", {{"include", {"0FA1201D-4330-4FA8-8AE9-B877473B6441"}}}}}});
  auto sets = component_sets(estate);
  REQUIRE(sets.size() == 1);
  CHECK(keys_of(sets[0]) == std::set<std::string>{"SiteCode", "AddUpdateClassification"});
  CHECK(sets[0]["AddUpdateClassification"] == Json::array({"Security Updates"}));

  ok(estate, kCas, {"configmgr.set_sync", {{"site", "CAS"}, {"languages", {"en", "de", "pt-br"}}, {"language_names", names}}});
  sets = component_sets(estate);
  REQUIRE(sets.size() == 1);
  CHECK(same(sets[0]["AddLanguageSummaryDetail"], Json::array({"German", "Portuguese (Brazil)"})));
  CHECK(sets[0]["RemoveLanguageSummaryDetail"] == Json::array({"French"}));
  Json read = ok(estate, kCas, {"configmgr.get_sync", {{"site", "CAS"}}}).value;
  CHECK(same(read["languages"], Json::array({"en", "de", "pt-br"})));

  const Json schedule = {{"text", "every 1 week on tuesday at 02:30"}, {"recurrence", "weekly"}, {"interval", 1}, {"start", "02:30"},
                         {"day_of_week", 2}, {"week_order", 1}, {"day_of_month", 1}};
  ok(estate, kCas, {"configmgr.set_sync", {{"site", "CAS"}, {"enable_synchronization", true}, {"schedule", schedule}}});
  read = ok(estate, kCas, {"configmgr.get_sync", {{"site", "CAS"}}}).value;
  CHECK(read["enable_synchronization"] == true);
  CHECK(read["schedule"] == "every 1 week on tuesday at 02:30");
  ok(estate, kCas, {"configmgr.set_sync", {{"site", "CAS"}, {"enable_synchronization", false}, {"schedule", nullptr}}});
  sets = component_sets(estate);
  REQUIRE(sets.size() == 1);
  CHECK(sets[0].contains("Schedule"));
  CHECK(sets[0]["Schedule"].is_null());
  read = ok(estate, kCas, {"configmgr.get_sync", {{"site", "CAS"}}}).value;
  CHECK(read["enable_synchronization"] == false);
  CHECK(read["schedule"].is_null());
}

TEST_CASE("pwsh: the injection corpus arrives as data: written and read back unchanged, looked up and not found",
          "[registry.set_value][registry.get_value][service.get][configmgr.get_account]") {
  Covers covers;
  PwshEstate estate;
  const std::string key = "HKLM\\SOFTWARE\\Contoso\\Injection";
  std::vector<Operation> sup_batch;
  std::vector<Operation> cas_batch;
  for (const std::string& value : hostile_values()) {
    sup_batch.push_back({"registry.set_value", {{"key", key}, {"name", value}, {"type", "string"}, {"data", value}}});
    sup_batch.push_back({"registry.get_value", {{"key", key}, {"name", value}}});
    sup_batch.push_back({"service.get", {{"name", value}}});
    cas_batch.push_back({"configmgr.get_account", {{"user", value}, {"site", "CAS"}}});
  }
  auto results = ok_batch(estate, kSup, sup_batch);
  for (std::size_t i = 0; i < results.size(); i += 3) {
    const std::string& value = sup_batch[i].params["data"].get_ref<const std::string&>();
    INFO("value: " << value.substr(0, 80));
    CHECK(results[i + 1].value["data"] == value);
    CHECK(results[i + 1].value["name"] == value);
    CHECK(results[i + 2].value["exists"] == false);
  }
  for (const OperationResult& result : ok_batch(estate, kCas, cas_batch)) CHECK(result.value["exists"] == false);
  for (const Json& call : estate.calls()) CHECK(call["cmdlet"] != "Stop-Computer");
}

TEST_CASE("pwsh: every operation of every plugin has a case that runs it in real PowerShell") {
  std::set<std::string> claimed;
  for (const Catch::TestCase& test : Catch::getRegistryHub().getTestCaseRegistry().getAllTests()) {
    if (!test.getTestCaseInfo().name.starts_with("pwsh: ")) continue;
    for (const std::string& op : claimed_operations(test.getTestCaseInfo())) claimed.insert(op);
  }
  std::set<std::string> operations;
  for (const plugin::ScriptFragment& fragment : plugins::powershell_fragments()) {
    // A plugin's shared fragment (named by the plugin alone) holds functions, not an operation.
    if (std::string_view(fragment.operation).find('.') != std::string_view::npos) operations.insert(std::string(fragment.operation));
  }
  REQUIRE_FALSE(operations.empty());
  CHECK(claimed == operations);
}

}  // namespace
}  // namespace supctl::test
