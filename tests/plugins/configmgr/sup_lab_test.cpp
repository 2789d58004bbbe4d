// The site, site_system and software_update_point operations over the lab: whole plan -> apply ->
// plan cycles through the real planner and applier, the seeds' install chain in the four logs,
// the failures the seeds name, and the parity of lab and PowerShell.

#include <unistd.h>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "plugins/lab_harness.h"
#include "plugins/powershell_lint.h"
#include "plugins/lab_report.h"
#include "apply/applier.h"
#include "backends/lab/backend.h"
#include "backends/lab/estate.h"
#include "diag/render.h"
#include "manifest/validate.h"
#include "plan/planner.h"
#include "plugins/common/catalog.h"
#include "plugins/common/products.h"
#include "plugins/configmgr/lab/interpreters.h"
#include "plugins/host/lab/interpreters.h"
#include "plugins/registry/lab/interpreters.h"
#include "plugins/configmgr/plugin.h"
#include "state/state.h"

namespace supctl::plugins::configmgr {
namespace {

using test::lint_powershell;

using test::changes_of;
using test::steps_of;

using model::Json;

constexpr const char* kCasServer = "cas01.contoso.com";
constexpr const char* kSiteServer = "pr1site.contoso.com";
constexpr const char* kSupHost = "pr1wsus.contoso.com";
constexpr const char* kRoleKey = "HKLM\\SOFTWARE\\Microsoft\\SMS\\Operations Management\\SMS Server Role\\SMS Software Update Point";

const std::string kManifest = R"(
[hierarchy]
name = "contoso"
configmgr = "current-branch"

[site.CAS]
type = "cas"
server = "cas01.contoso.com"

[site.PR1]
type = "primary"
parent = "CAS"
server = "pr1site.contoso.com"

[account.wsus_connect]
user = 'CONTOSO\svc-cm-wsus'
password = { env = "CONTOSO_WSUS_CONNECT_PASSWORD" }

[proxy.corp]
server = "proxy.contoso.com"
port = 8080

[site_system."pr1wsus.contoso.com"]
site = "PR1"
proxy = "corp"

[software_update_point."cas01.contoso.com"]
site = "CAS"

[software_update_point."pr1wsus.contoso.com"]
site = "PR1"
wsus_iis_port = 8530
wsus_iis_ssl_port = 8531
wsus_ssl = true
client_connection_type = "intranet"
use_proxy = true
connection_account = "wsus_connect"
)";



test::PluginLab::Plugins configmgr_only() {
  test::PluginLab::Plugins plugins;
  plugins.push_back(make_plugin());
  return plugins;
}

/// The three servers and the configmgr plugin over a temporary lab (tests/plugins/lab_harness.h).
/// WSUS is installed on the SUP hosts directly in the estate.
class Lab : public test::PluginLab {
 public:
  explicit Lab(const std::string& name)
      // registry: whether a role is installed is read on the SUP's server (registry.get_key).
      : PluginLab("configmgr-" + name, configmgr_only(), {&add_lab_operations, &host::add_lab_operations, &registry::add_lab_operations},
                  {lab::HostInfo{.name = kCasServer}, lab::HostInfo{.name = kSiteServer}, lab::HostInfo{.name = kSupHost}}) {
    env["CONTOSO_WSUS_CONNECT_PASSWORD"] = "P@ssw0rd";
  }

  /// Validates the manifest (any diagnostic fails the test), seeds the estate from it and installs
  /// WSUS on both SUP hosts: `version` on the remote one, 10.0.20348 on the CAS.
  void load(const std::string& toml, const std::string& version = "10.0.20348") {
    load_as_is(toml);
    seed_lab(manifest(), *estate);
    for (const char* host : {kCasServer, kSupHost}) {
      estate->put_document(host, "wsus", "server",
                           Json{{"installed", true}, {"version", host == kSupHost ? version : "10.0.20348"}, {"content_dir", "D:\\WSUS"},
                                {"database", "wid"}, {"configuration", Json::object()}});
    }
  }

  /// Plans without errors and applies; returns the apply's report.
  apply::ApplyReport plan_and_apply() {
    auto planned = plan();
    INFO(text(planned.diagnostics));
    REQUIRE_FALSE(planned.diagnostics.has_errors());
    return apply(planned.plan);
  }
};

/// The messages of a log, in order: the text of CMTrace entries, or what follows the timestamp of
/// a SUPSetup line.
std::vector<std::string> messages(const Lab& lab, std::string_view host, std::string_view log) {
  std::vector<std::string> out;
  std::string text = lab.estate->read_log(host, log);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\r\n", start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 2;
    if (line.starts_with("<![LOG[")) {
      std::size_t close = line.find("]LOG]!>");
      REQUIRE(close != std::string::npos);
      out.push_back(line.substr(7, close - 7));
    } else if (line.starts_with("<")) {
      std::size_t close = line.find("> ");
      REQUIRE(close != std::string::npos);
      out.push_back(line.substr(close + 2));
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

const apply::StepResult& step_of(const apply::ApplyReport& report, std::string_view address) {
  for (const auto& step : report.steps) {
    if (step.address.str() == address) return step;
  }
  FAIL("the apply has no step for " << address);
  throw;
}

TEST_CASE("a remote software update point installs through the seeds' chain and converges") {
  Lab lab("install");
  lab.load(kManifest);
  auto report = lab.plan_and_apply();
  INFO(steps_of(report));
  REQUIRE(report.ok());
  lab.require_converged();

  CHECK(messages(lab, kSiteServer, "SMSProv.log") ==
        std::vector<std::string>{"PutInstanceAsync SMS_SCI_SysResUse", "CExtProviderClassObject::DoPutInstanceInstance",
                                 "INFO: 'PR1WSUS.CONTOSO.COM' is a valid FQDN."});
  auto sitecomp = messages(lab, kSiteServer, "SiteComp.log");
  INFO(joined(sitecomp));
  REQUIRE(sitecomp.size() == 15);
  CHECK(sitecomp[0].starts_with("Parsed the master site control file, serial number "));
  CHECK(std::vector<std::string>(sitecomp.begin() + 1, sitecomp.end()) ==
        std::vector<std::string>{
            "Synchronizing server table and polling servers as needed...",
            "Synchronizing component server PR1WSUS.CONTOSO.COM...",
            "Installing component SMS_WSUS_CONTROL_MANAGER...",
            "INFO: 'PR1WSUS.CONTOSO.COM' is a valid FQDN.",
            "Creating registry keys Operations Management\\SMS Server Role\\SMS Software Update Point on server PR1WSUS.CONTOSO.COM.",
            "Updated WSUS Configuration for PR1WSUS.CONTOSO.COM.",
            "All files installed.",
            "Starting bootstrap operations...",
            "Installed service SMS_SERVER_BOOTSTRAP_PR1WSUS.",
            "Starting service SMS_SERVER_BOOTSTRAP_PR1WSUS with command-line arguments \"PR1 E:\\ConfigMgr /install "
            "E:\\ConfigMgr\\bin\\x64\\rolesetup.exe SMSWSUS \"...",
            "\"E:\\ConfigMgr\\bin\\x64\\rolesetup.exe /install /siteserver:PR1SITE.CONTOSO.COM\" executed successfully on server "
            "PR1WSUS.CONTOSO.COM.",
            "Bootstrap operation successful.",
            "Deinstalled service SMS_SERVER_BOOTSTRAP_PR1WSUS.",
            "Bootstrap operations completed.",
        });
  CHECK(messages(lab, kSupHost, "SUPSetup.log") ==
        std::vector<std::string>{
            "====================================================================",
            "SMSWSUS Setup Started....",
            "Parameters: E:\\ConfigMgr\\bin\\x64\\rolesetup.exe /install /siteserver:PR1SITE SMSWSUS 0",
            "Installing Pre Reqs for SMSWSUS",
            "   ======== Installing Pre Reqs for Role SMSWSUS ========",
            "Found 1 Pre Reqs for Role SMSWSUS",
            "Pre Req SqlNativeClient found.",
            "SqlNativeClient already installed (Product Code: {D411E9C9-CE62-4DBF-9D92-4CB22B750ED5}). Would not install again.",
            "Pre Req SqlNativeClient is already installed. Skipping it.",
            "   ======== Completed Installation of Pre Reqs for Role SMSWSUS ========",
            "Installing the SMSWSUS",
            "Checking for supported version of WSUS (min WSUS 3.0 SP2 + KB2720211 + KB2734608)",
            "Checking runtime v2.0.50727...",
            "Did not find supported version of assembly Microsoft.UpdateServices.Administration.",
            "Checking runtime v4.0.30319...",
            "Found supported assembly Microsoft.UpdateServices.Administration version 4.0.0.0, file version 10.0.20348.1",
            "Found supported assembly Microsoft.UpdateServices.BaseApi version 4.0.0.0, file version 10.0.20348.1",
            "Supported WSUS version found",
            "Supported WSUS Server version (10.0.20348.1) is installed.",
            "CTool::RegisterManagedBinary: run command line: \"C:\\Windows\\Microsoft.NET\\Framework64\\v2.0.50727\\RegAsm.exe\" "
            "\"E:\\ConfigMgr\\bin\\x64\\wsusmsp.dll\"",
            "CTool::RegisterManagedBinary: Registered E:\\ConfigMgr\\bin\\x64\\wsusmsp.dll successfully",
            "Registered DLL E:\\ConfigMgr\\bin\\x64\\wsusmsp.dll",
            "Installation was successful.",
            "~RoleSetup().",
        });
  CHECK(messages(lab, kSiteServer, "WCM.log") ==
        std::vector<std::string>{
            "Attempting connection to WSUS server: PR1WSUS.CONTOSO.COM, port: 8531, useSSL: True",
            "Successfully connected to server: PR1WSUS.CONTOSO.COM, port: 8531, useSSL: True",
            "Proxy settings set on WSUS Server PR1WSUS.CONTOSO.COM: proxy server proxy.contoso.com, port 8080.",
            "There are no unhealthy WSUS Server components on WSUS Server PR1WSUS.CONTOSO.COM",
            "Successfully checked database connection on WSUS server PR1WSUS.CONTOSO.COM",
        });
  // The co-located SUP of the CAS logs on its own site server, files already in place.
  auto cas = messages(lab, kCasServer, "SiteComp.log");
  CHECK(std::find(cas.begin(), cas.end(),
                  "The component is being installed on the site server, no files need to be installed in the \"E:\\ConfigMgr\" "
                  "directory because the files are already there.") != cas.end());

  // The CMTrace lines carry the simulated clock and the component.
  std::string wcm = lab.estate->read_log(kSiteServer, "WCM.log");
  CHECK(wcm.find("date=\"11-21-2026\" component=\"SMS_WSUS_CONFIGURATION_MANAGER\" context=\"\" type=\"1\" thread=\"5080\"") !=
        std::string::npos);
  std::string setup = lab.estate->read_log(kSupHost, "SUPSetup.log");
  CHECK(setup.starts_with("<11/21/26 08:"));

  CHECK(lab.estate->key_exists(kSupHost, kRoleKey));
  CHECK_FALSE(lab.estate->service(kSupHost, "SMS_SERVER_BOOTSTRAP_PR1WSUS"));
  auto sup = lab.estate->document(kSiteServer, "configmgr.sup", kSupHost);
  REQUIRE(sup);
  CHECK((*sup)["installed"] == true);
  CHECK((*sup)["connection_account"] == "CONTOSO\\svc-cm-wsus");
  CHECK((*sup)["wsus_ssl"] == true);
  auto system = lab.estate->document(kSiteServer, "configmgr.site_system", kSupHost);
  REQUIRE(system);
  CHECK((*system)["proxy"] == Json{{"server", "proxy.contoso.com"}, {"port", 8080}, {"account", nullptr}});
  auto wsus = lab.estate->document(kSupHost, "wsus", "server");
  REQUIRE(wsus);
  CHECK((*wsus)["configuration"]["proxy"] == Json{{"server", "proxy.contoso.com"}, {"port", 8080}, {"account", nullptr}});
  CHECK(lab.estate->document(kCasServer, "configmgr.account", "CONTOSO\\svc-cm-wsus"));
}

TEST_CASE("a proxy whose settings change updates the site system, compared by settings") {
  Lab lab("proxy");
  lab.load(kManifest);
  auto report = lab.plan_and_apply();
  INFO(steps_of(report));
  REQUIRE(report.ok());
  // Someone points the site system at another proxy: the plan shows the settings, and repairs them.
  auto system = lab.estate->document(kSiteServer, "configmgr.site_system", kSupHost);
  REQUIRE(system);
  (*system)["proxy"]["port"] = 3128;
  lab.estate->put_document(kSiteServer, "configmgr.site_system", kSupHost, *system);
  auto planned = lab.plan();
  INFO(lab.text(planned.diagnostics));
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  INFO(changes_of(planned.plan));
  // The sites are read only; the site system is the one change, and it is drift.
  const plan::Change* found = nullptr;
  for (const plan::Change& c : planned.plan.changes) {
    if (c.action == plugin::Action::kRead) continue;
    CHECK(c.address.str() == "site_system[\"pr1wsus.contoso.com\"]");
    found = &c;
  }
  REQUIRE(found);
  const plan::Change& change = *found;
  CHECK(change.reason == plan::Reason::kDrift);
  REQUIRE(planned.plan.drift.size() == 1);
  REQUIRE(change.attributes.size() == 1);
  CHECK(change.attributes[0].name == "proxy");
  CHECK(change.attributes[0].before == Json{{"server", "proxy.contoso.com"}, {"port", 3128}, {"account", nullptr}});
  CHECK(change.attributes[0].after == "corp");
  auto repaired = lab.apply(planned.plan);
  INFO(steps_of(repaired));
  REQUIRE(repaired.ok());
  CHECK((*lab.estate->document(kSiteServer, "configmgr.site_system", kSupHost))["proxy"]["port"] == 8080);
  lab.require_converged();
}

TEST_CASE("an unsupported WSUS version fails the role setup with the reason in SUPSetup.log") {
  Lab lab("version");
  lab.load(kManifest);
  // Planned while the server was fine; broken before apply (a plan now stops: see the plan-time tests).
  auto before = lab.plan();
  REQUIRE_FALSE(before.diagnostics.has_errors());
  Json wsus = *lab.estate->document(kSupHost, "wsus", "server");
  wsus["version"] = "3.0-sp2";
  lab.estate->put_document(kSupHost, "wsus", "server", wsus);
  auto now = lab.plan();
  REQUIRE(now.diagnostics.error_count() == 1);
  CHECK(now.diagnostics.all()[0].code == "wsus-version");
  CHECK(now.diagnostics.all()[0].summary.find("WSUS 3.2.7600.256 is not supported by ConfigMgr current branch") != std::string::npos);
  auto report = lab.apply(before.plan);
  INFO(steps_of(report));
  const auto& step = step_of(report, "software_update_point[\"pr1wsus.contoso.com\"]");
  CHECK(step.status == apply::StepStatus::kFailed);
  CHECK(step.message.find("WSUS 3.0-sp2 is not supported by ConfigMgr current branch") != std::string::npos);
  CHECK(step.message.find("failed at 'supported WSUS version found' (SUPSetup.log on pr1wsus.contoso.com)") != std::string::npos);
  CHECK(step.message.find("what to do: install a WSUS this site's ConfigMgr supports on pr1wsus.contoso.com") != std::string::npos);
  auto setup = messages(lab, kSupHost, "SUPSetup.log");
  INFO(joined(setup));
  REQUIRE(setup.size() >= 3);
  CHECK(setup[setup.size() - 3].starts_with("ERROR: Unsupported WSUS Server version (3.2.7600.256) is installed."));
  CHECK(setup[setup.size() - 2] == "Installation failed.");
  CHECK(setup.back() == "~RoleSetup().");
  CHECK(std::find(setup.begin(), setup.end(), "Installation was successful.") == setup.end());
  // The SMS Provider stored the role (as on a real site); it is not installed, and WCM never got to it.
  auto sup = lab.estate->document(kSiteServer, "configmgr.sup", kSupHost);
  REQUIRE(sup);
  CHECK((*sup)["installed"] == false);
  CHECK(messages(lab, kSiteServer, "WCM.log").empty());
}

TEST_CASE("a SUP host without WSUS fails the role setup saying so in SUPSetup.log") {
  Lab lab("nowsus");
  lab.load(kManifest);
  // Planned while the server was fine; broken before apply (a plan now stops: see the plan-time tests).
  auto before = lab.plan();
  REQUIRE_FALSE(before.diagnostics.has_errors());
  lab.estate->remove_document(kSupHost, "wsus", "server");
  auto report = lab.apply(before.plan);
  const auto& step = step_of(report, "software_update_point[\"pr1wsus.contoso.com\"]");
  CHECK(step.status == apply::StepStatus::kFailed);
  CHECK(step.message.find("WSUS is not installed") != std::string::npos);
  auto setup = messages(lab, kSupHost, "SUPSetup.log");
  CHECK(std::find(setup.begin(), setup.end(),
                  "ERROR: WSUS is not installed on this server. Install WSUS before the software update point.") != setup.end());
}

TEST_CASE("a connection account missing from WSUS Administrators fails in WCM.log") {
  Lab lab("groups");
  lab.load(kManifest);
  // Planned while the server was fine; broken before apply (a plan now stops: see the plan-time tests).
  auto before = lab.plan();
  REQUIRE_FALSE(before.diagnostics.has_errors());
  REQUIRE(lab.estate->remove_member(kSupHost, "WSUS Administrators", "CONTOSO\\svc-cm-wsus"));
  auto report = lab.apply(before.plan);
  INFO(steps_of(report));
  const auto& step = step_of(report, "software_update_point[\"pr1wsus.contoso.com\"]");
  CHECK(step.status == apply::StepStatus::kFailed);
  CHECK(step.message.find("access denied for CONTOSO\\svc-cm-wsus (not a member of the local WSUS Administrators group") != std::string::npos);
  CHECK(step.message.find("failed at 'no unhealthy WSUS components' (WCM.log on pr1site.contoso.com)") != std::string::npos);
  CHECK(step.message.find("what to do: ConfigMgr connects to WSUS on pr1wsus.contoso.com as CONTOSO\\svc-cm-wsus") != std::string::npos);
  auto wcm = messages(lab, kSiteServer, "WCM.log");
  INFO(joined(wcm));
  CHECK(wcm == std::vector<std::string>{
                   "Attempting connection to WSUS server: PR1WSUS.CONTOSO.COM, port: 8531, useSSL: True",
                   "Failed to connect to WSUS server PR1WSUS.CONTOSO.COM: access denied for CONTOSO\\svc-cm-wsus (not a member of "
                   "the local WSUS Administrators group on PR1WSUS.CONTOSO.COM).",
                   "Setting new configuration state to 3 (WSUS_CONFIG_FAILED)",
               });
  // SUPSetup.log succeeded: the role installed, ConfigMgr cannot reach WSUS.
  CHECK(messages(lab, kSupHost, "SUPSetup.log").back() == "~RoleSetup().");
}

TEST_CASE("a role that failed to install is installed again once the cause is fixed") {
  Lab lab("retry");
  lab.load(kManifest);
  // Planned while the server was fine; broken before apply (a plan now stops: see the plan-time tests).
  auto before = lab.plan();
  REQUIRE_FALSE(before.diagnostics.has_errors());
  REQUIRE(lab.estate->remove_member(kSupHost, "WSUS Administrators", "CONTOSO\\svc-cm-wsus"));
  auto failed = lab.apply(before.plan);
  REQUIRE_FALSE(failed.ok());
  // The administrator fixes the membership by hand. The failed operation left nothing behind in
  // the lab; a site whose role stays configured but not installed shows it as installed = false.
  lab.estate->add_member(kSupHost, "WSUS Administrators", "CONTOSO\\svc-cm-wsus");
  Json half = Json{{"site", "PR1"},         {"installed", false},     {"wsus_iis_port", 8530}, {"wsus_iis_ssl_port", 8531},
                   {"wsus_ssl", true},      {"use_proxy", true},      {"client_connection_type", "intranet"},
                   {"connection_account", "CONTOSO\\svc-cm-wsus"}};
  lab.estate->put_document(kSiteServer, "configmgr.sup", kSupHost, half);
  lab.estate->delete_key(kSupHost, kRoleKey);  // what supctl reads on the SUP's server: no role there
  auto planned = lab.plan();
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  const plan::Change* sup = nullptr;
  for (const plan::Change& c : planned.plan.changes) {
    if (c.address.str() == "software_update_point[\"pr1wsus.contoso.com\"]") sup = &c;
  }
  REQUIRE(sup);
  CHECK(sup->action == plugin::Action::kUpdate);
  REQUIRE(sup->attributes.size() == 1);
  CHECK(sup->attributes[0].name == "installed");
  auto report = lab.apply(planned.plan);
  INFO(steps_of(report));
  REQUIRE(report.ok());
  auto wcm = messages(lab, kSiteServer, "WCM.log");
  CHECK(wcm.back() == "Successfully checked database connection on WSUS server PR1WSUS.CONTOSO.COM");
  lab.require_converged();
}

TEST_CASE("manage_group_membership puts the connection account in both groups and keeps it there") {
  Lab lab("manage");
  std::string manifest = kManifest;
  manifest.replace(manifest.find("password = { env"), 0, "manage_group_membership = true\n");
  lab.load(manifest);
  // The lab seeds no membership for an account whose memberships supctl manages.
  for (const char* group : {"Administrators", "WSUS Administrators"}) {
    auto members = lab.estate->members(kSupHost, group);
    CHECK(std::find(members.begin(), members.end(), "CONTOSO\\svc-cm-wsus") == members.end());
  }
  auto report = lab.plan_and_apply();
  INFO(steps_of(report));
  REQUIRE(report.ok());
  for (const char* group : {"Administrators", "WSUS Administrators"}) {
    auto members = lab.estate->members(kSupHost, group);
    CHECK(std::find(members.begin(), members.end(), "CONTOSO\\svc-cm-wsus") != members.end());
  }
  lab.require_converged();

  // Someone removes it from WSUS Administrators: the plan shows it, apply puts it back.
  REQUIRE(lab.estate->remove_member(kSupHost, "WSUS Administrators", "CONTOSO\\svc-cm-wsus"));
  auto drifted = lab.plan();
  REQUIRE_FALSE(drifted.diagnostics.has_errors());
  INFO(changes_of(drifted.plan));
  REQUIRE(drifted.plan.summary().change == 1);
  REQUIRE(drifted.plan.summary().add + drifted.plan.summary().destroy == 0);
  const plan::Change& change = drifted.plan.changes.back();
  CHECK(change.address.str() == "software_update_point[\"pr1wsus.contoso.com\"]");
  REQUIRE(change.attributes.size() == 1);
  CHECK(change.attributes[0].name == "group_membership");
  CHECK(change.attributes[0].before == Json::array({"Administrators"}));
  CHECK(change.attributes[0].after == Json::array({"Administrators", "WSUS Administrators"}));
  auto repaired = lab.apply(drifted.plan);
  INFO(steps_of(repaired));
  REQUIRE(repaired.ok());
  lab.require_converged();
}

TEST_CASE("a remote SUP without a connection account needs the site server's computer account") {
  Lab lab("computer");
  std::string manifest = kManifest;
  manifest.replace(manifest.find("connection_account = \"wsus_connect\""), std::string("connection_account = \"wsus_connect\"").size(), "");
  lab.load(manifest);
  // Planned while the server was fine; broken before apply (a plan now stops: see the plan-time tests).
  auto before = lab.plan();
  REQUIRE_FALSE(before.diagnostics.has_errors());
  auto members = lab.estate->members(kSupHost, "Administrators");
  CHECK(std::find(members.begin(), members.end(), "CONTOSO\\PR1SITE$") != members.end());
  REQUIRE(lab.estate->remove_member(kSupHost, "Administrators", "CONTOSO\\PR1SITE$"));
  auto report = lab.apply(before.plan);
  const auto& step = step_of(report, "software_update_point[\"pr1wsus.contoso.com\"]");
  CHECK(step.status == apply::StepStatus::kFailed);
  CHECK(step.message.find("access denied for CONTOSO\\PR1SITE$ (not a member of the local Administrators group") != std::string::npos);
  CHECK(step.message.find("as CONTOSO\\PR1SITE$: put it in the local Administrators and WSUS Administrators groups") != std::string::npos);
}

TEST_CASE("a site that does not exist on its server is a plan error") {
  Lab lab("nosite");
  lab.load(kManifest);
  REQUIRE(lab.estate->remove_document(kSiteServer, "configmgr.site", "PR1"));
  auto planned = lab.plan();
  std::string text = lab.text(planned.diagnostics);
  INFO(text);
  CHECK(planned.diagnostics.has_errors());
  CHECK(text.find("site.PR1 does not exist on its server") != std::string::npos);
}

TEST_CASE("a site whose type differs from the manifest is a plan error") {
  Lab lab("sitetype");
  lab.load(kManifest);
  lab.estate->put_document(kSiteServer, "configmgr.site", "PR1",
                           Json{{"code", "PR1"}, {"type", "secondary"}, {"parent", "CAS"}, {"server", kSiteServer}});
  auto planned = lab.plan();
  std::string text = lab.text(planned.diagnostics);
  INFO(text);
  CHECK(text.find("site.PR1 has type = \"secondary\" on its server") != std::string::npos);
}

TEST_CASE("sync settings resolve products against the catalog and reach the SUP's WSUS through WCM") {
  Lab lab("sync");
  lab.load(kManifest + R"(
[sync.CAS]
source = "microsoft_update"
enable_synchronization = true
schedule = "daily 02:00"
classifications = ["Critical Updates", "Security Updates"]
products = ["Windows Server 2019", "Microsoft Server operating system-21H2"]
languages = ["en", "de"]

[sync.PR1]
update_file_languages = ["en"]
)");
  auto report = lab.plan_and_apply();
  INFO(steps_of(report));
  REQUIRE(report.ok());
  Json component = *lab.estate->document(kCasServer, "configmgr.component", "CAS");
  CHECK(component["schedule"] == "every 1 day at 02:00");  // the canonical form of "daily 02:00"
  CHECK(component["classifications"] == Json::array({"E6CF1350-C01B-414D-A61F-263D14D133B4", "0FA1201D-4330-4FA8-8AE9-B877473B6441"}));
  // Every category with either title: WSUS has more than one "Windows Server 2019".
  std::size_t expected = common::match_products("Windows Server 2019").size() + common::match_products("Microsoft Server operating system-21H2").size();
  REQUIRE(component["products"].size() == expected);
  for (const Json& guid : component["products"]) CHECK(common::product_by_guid(guid.get<std::string>()));
  // WSUS Configuration Manager subscribed the CAS's own SUP (on the site server) to the same categories.
  Json wsus = *lab.estate->document(kCasServer, "wsus", "server");
  CHECK(wsus["subscription"]["products"] == component["products"]);
  CHECK(wsus["configuration"]["languages"] == Json::array({"en", "de"}));
  auto wcm = messages(lab, kCasServer, "WCM.log");
  CHECK(std::find(wcm.begin(), wcm.end(), "SCF change notification triggered.") != wcm.end());
  CHECK(wcm.back() == "Setting new configuration state to 2 (WSUS_CONFIG_SUCCESS)");
  CHECK((*lab.estate->document(kSiteServer, "configmgr.component", "PR1"))["update_file_languages"] == Json::array({"en"}));
  lab.require_converged();

  // Out of band, someone unsubscribes a product in the console: the plan shows titles, apply restores it.
  component["products"] = Json::array({component["products"][0]});
  lab.estate->put_document(kCasServer, "configmgr.component", "CAS", component);
  auto drifted = lab.plan();
  REQUIRE_FALSE(drifted.diagnostics.has_errors());
  INFO(changes_of(drifted.plan));
  REQUIRE(drifted.plan.summary().change == 1);
  const plan::Change& change = drifted.plan.changes.back();
  CHECK(change.address.str() == "sync.CAS");
  REQUIRE(change.attributes.size() == 1);
  CHECK(change.attributes[0].before.size() == 1);
  CHECK(change.attributes[0].before[0].get<std::string>().find('-') != 8);  // a title, not a GUID
  REQUIRE(lab.apply(drifted.plan).ok());
  lab.require_converged();
}

TEST_CASE("sync products with include and exclude that overlap converge as include minus exclude") {
  Lab lab("sync-include-exclude");
  lab.load(kManifest + R"(
[sync.CAS]
products = { include = ["Windows Server*"], exclude = ["Windows Server 2019"] }
)");
  auto report = lab.plan_and_apply();
  INFO(steps_of(report));
  REQUIRE(report.ok());
  Json subscribed = (*lab.estate->document(kCasServer, "configmgr.component", "CAS"))["products"];
  std::size_t expected = 0;
  for (const std::string& id : common::catalog_ids("Windows Server*")) {
    auto excluded = common::catalog_ids("Windows Server 2019");
    if (std::find(excluded.begin(), excluded.end(), id) == excluded.end()) ++expected;
  }
  CHECK(subscribed.size() == expected);
  for (const std::string& id : common::catalog_ids("Windows Server 2019")) {
    CHECK(std::find(subscribed.begin(), subscribed.end(), Json(id)) == subscribed.end());
  }
  lab.require_converged();
}

TEST_CASE("a product the catalog does not know stops the plan with a suggestion") {
  Lab lab("unknown-product");
  lab.load(kManifest + R"(
[sync.CAS]
products = ["Windows Server 2022"]
)");
  auto planned = lab.plan();
  REQUIRE(planned.diagnostics.error_count() == 1);
  const diag::Diagnostic& d = planned.diagnostics.all()[0];
  CHECK(d.code == "unknown-product");
  CHECK(d.key_path == "sync.CAS.products");
  CHECK(d.help.find("Microsoft Server operating system-21H2") != std::string::npos);
}

TEST_CASE("the lab refuses top-level sync settings at a child site as ConfigMgr does") {
  Lab lab("child-sync");
  lab.load(kManifest);
  auto refused = lab.run_on(kSiteServer, "configmgr.set_sync", Json{{"site", "PR1"}, {"products", Json::array()}});
  CHECK_FALSE(refused.ok());
  CHECK(refused.error == "The specified site is a child site. The products parameter cannot be changed (site PR1)");
  CHECK(lab.run_on(kSiteServer, "configmgr.set_sync",
                   Json{{"site", "PR1"}, {"update_file_languages", Json::array({"en"})}, {"language_names", Json{{"en", "English"}}}})
            .ok());
}

TEST_CASE("every configmgr lab operation has a PowerShell twin and the other way round") {
  lab::OperationTable table;
  add_lab_operations(table);
  CHECK(table.duplicates().empty());
  std::vector<std::string> fragments;
  bool shared = false;
  for (const plugin::ScriptFragment& fragment : powershell_fragments()) {
    INFO(fragment.operation);
    CHECK(lint_powershell(fragment.script).empty());
    std::string_view script(fragment.script);
    if (fragment.operation == "configmgr") {
      // The shared fragment loads the module and makes the site's drive for the whole session,
      // not for the function that does it (a drive made in a function goes with it).
      shared = true;
      CHECK(script.find("Import-Module \"$($env:SMS_ADMIN_UI_PATH)\\..\\ConfigurationManager.psd1\" -Global") != std::string_view::npos);
      CHECK(script.find("New-PSDrive -Name $local -PSProvider CMSite -Root ([string]$provider.Machine) -Scope Global") != std::string_view::npos);
      for (std::string_view function : {"function Enter-SupctlSite(", "function Get-SupctlProvider ", "function Get-SupctlProp("}) {
        CHECK(script.find(function) != std::string_view::npos);
      }
      continue;
    }
    fragments.emplace_back(fragment.operation);
    // A fragment that uses the ConfigurationManager module enters the site's drive through the
    // shared fragment, and goes back whatever happens.
    CHECK(script.find("Import-Module") == std::string_view::npos);
    CHECK(script.find("function Get-Prop") == std::string_view::npos);
    if (script.find("-CM") == std::string_view::npos) continue;
    CHECK(script.find("$previous = Enter-SupctlSite $") != std::string_view::npos);
    CHECK(script.find("} finally {\n  Set-Location $previous\n}") != std::string_view::npos);
  }
  CHECK(shared);
  CHECK(fragments == table.names());
}

// ---- Set-CMSoftwareUpdatePointComponent as the reference documents it.

/// The PowerShell twin of an operation.
std::string_view fragment_of(std::string_view operation) {
  for (const plugin::ScriptFragment& fragment : powershell_fragments()) {
    if (fragment.operation == operation) return fragment.script;
  }
  FAIL("no fragment for " << operation);
  throw;
}

/// The one set_sync operation the plugin makes for a change of `diffs` towards `desired`.
Json set_sync_params(const model::AttributeMap& desired, const model::AttributeMap& observed, std::vector<plugin::AttributeDiff> diffs) {
  auto plugin = make_plugin();
  auto response = plugin->apply(plugin::ApplyRequest{{"sync", "CAS"}, plugin::Action::kUpdate, &desired, &observed, diffs, nullptr});
  INFO(response.diagnostics.all().size());
  REQUIRE(response.operations.size() == 1);
  REQUIRE(response.operations[0].name == "configmgr.set_sync");
  return response.operations[0].params;
}

TEST_CASE("set_sync sends an Add or Remove list only when it has items: the cmdlet's [string[]] lists reject an empty one") {
  // Set-CMSoftwareUpdatePointComponent declares -AddProduct, -RemoveProduct, -AddUpdateClassification,
  // -RemoveUpdateClassification, -Add/-RemoveLanguageSummaryDetail and -Add/-RemoveLanguageUpdateFile as
  // [ValidateNotNullOrEmpty()][string[]] (shared/reference/cmdlets/ConfigurationManager.json): '-AddProduct @()'
  // fails to bind. Every one of them goes through the guard that leaves an empty list out.
  std::string script(fragment_of("configmgr.set_sync"));
  for (std::string_view list : {"AddProduct", "RemoveProduct", "AddUpdateClassification", "RemoveUpdateClassification",
                                "LanguageSummaryDetail", "LanguageUpdateFile"}) {
    INFO(list);
    CHECK(script.find(fmt::format("$set.{} =", list)) == std::string::npos);
    CHECK(script.find(fmt::format("$set[\"Add{}\"]", list)) == std::string::npos);
  }
  CHECK(script.find("$set[\"Add$(") == std::string::npos);
  CHECK(script.find("$set[\"Remove$(") == std::string::npos);
  CHECK(script.find("$set.Add") == std::string::npos);
  CHECK(script.find("$set.Remove") == std::string::npos);
  CHECK(script.find("function Add-SupctlList([hashtable]$set, [string]$name, $items) {\n"
                    "    $items = @($items)\n"
                    "    if ($items.Count -gt 0) { $set[$name] = [string[]]$items }\n"
                    "  }") != std::string::npos);
  for (std::string_view list : {"'AddProduct'", "'RemoveProduct'", "'AddUpdateClassification'", "'RemoveUpdateClassification'",
                                "\"Add$($pair[1])\"", "\"Remove$($pair[1])\""}) {
    INFO(list);
    CHECK(script.find(fmt::format("Add-SupctlList $set {} ", list)) != std::string::npos);
  }
  // The start time parses the same on a console in any culture (':' is the culture's time separator otherwise).
  CHECK(script.find("'yyyy-MM-dd HH:mm', [System.Globalization.CultureInfo]::InvariantCulture)") != std::string::npos);
}

TEST_CASE("languages reach set_sync as the names ConfigMgr gives them, looked up by the plugin from culture codes") {
  Json params = set_sync_params({{"languages", Json::array({"en", "pt-br", "zh-cn", "no"})}}, {{"languages", Json::array({"en"})}},
                                {{"languages", Json::array({"en"}), Json::array({"en", "pt-br", "zh-cn", "no"}), false}});
  CHECK(params["languages"] == Json::array({"en", "pt-br", "zh-cn", "no"}));  // codes: the component keeps codes
  REQUIRE(params.contains("language_names"));
  const Json& names = params["language_names"];
  // Every code ConfigMgr offers has its name, so that a code to remove is named too.
  CHECK(names.size() == common::language_codes().size());
  for (std::string_view code : common::language_codes()) {
    INFO(code);
    CHECK(names.value(std::string(code), std::string()) != "");
  }
  // The names of Set-CMSoftwareUpdatePointComponent (and of the console), not this machine's CultureInfo:
  // .NET on Windows 10 and later says "Chinese (Simplified, China)" and "Norwegian Bokmål".
  CHECK(names["en"] == "English");
  CHECK(names["nl"] == "Dutch");
  CHECK(names["pt"] == "Portuguese");
  CHECK(names["pt-br"] == "Portuguese (Brazil)");
  CHECK(names["zh-cn"] == "Chinese (Simplified, PRC)");
  CHECK(names["zh-hk"] == "Chinese (Traditional, Hong Kong S.A.R.)");
  CHECK(names["zh-tw"] == "Chinese (Traditional, Taiwan)");
  CHECK(names["no"] == "Norwegian");
  CHECK(names["sr"] == "Serbian");
  // update_file_languages take the same names; other settings carry none.
  CHECK(set_sync_params({{"update_file_languages", Json::array({"de"})}}, {}, {{"update_file_languages", nullptr, Json::array({"de"}), false}})
            .contains("language_names"));
  CHECK_FALSE(set_sync_params({{"reporting_events", "none"}}, {}, {{"reporting_events", nullptr, "none", false}}).contains("language_names"));
  // The fragment maps codes through that table and never through the console's cultures.
  std::string_view script = fragment_of("configmgr.set_sync");
  CHECK(script.find("CultureInfo]$") == std::string_view::npos);
  CHECK(script.find("EnglishName") == std::string_view::npos);
  CHECK(script.find("$p.language_names.($culture.ToLowerInvariant())") != std::string_view::npos);
}

TEST_CASE("the lab refuses a language change without the names the cmdlet needs, as the live fragment does") {
  Lab lab("sync-language-names");
  lab.load(kManifest);
  auto refused = lab.run_on(kCasServer, "configmgr.set_sync", Json{{"site", "CAS"}, {"languages", Json::array({"en", "de"})}});
  CHECK_FALSE(refused.ok());
  CHECK(refused.error == "configmgr.set_sync: no ConfigMgr language name for the culture code 'en' (language_names)");
  Json names{{"en", "English"}, {"de", "German"}};
  CHECK(lab.run_on(kCasServer, "configmgr.set_sync", Json{{"site", "CAS"}, {"languages", Json::array({"en", "de"})}, {"language_names", names}}).ok());
  // Removing a language needs its name as well.
  auto removing = lab.run_on(kCasServer, "configmgr.set_sync", Json{{"site", "CAS"}, {"languages", Json::array({"en"})}, {"language_names", Json{{"en", "English"}}}});
  CHECK_FALSE(removing.ok());
  CHECK(removing.error == "configmgr.set_sync: no ConfigMgr language name for the culture code 'de' (language_names)");
}

TEST_CASE("turning synchronization off clears the schedule and converges, and turning it on again sets one") {
  Lab lab("sync-off");
  auto read = [&] {
    auto result = lab.run_on(kCasServer, "configmgr.get_sync", Json{{"site", "CAS"}});
    REQUIRE(result.ok());
    return result.value;
  };
  lab.load(kManifest + "\n[sync.CAS]\nenable_synchronization = true\nschedule = \"daily 02:00\"\n");
  lab.converge();
  lab.require_converged();
  CHECK(read()["enable_synchronization"] == true);
  CHECK(read()["schedule"] == "every 1 day at 02:00");

  // ConfigMgr keeps no flag of its own: a site synchronizes on a schedule when the Sync Schedule
  // token of its SMS_WSUS_SYNC_MANAGER component is set, and off means no token.
  lab.load(kManifest + "\n[sync.CAS]\nenable_synchronization = false\n");
  auto off = lab.plan();
  INFO(lab.text(off.diagnostics));
  REQUIRE_FALSE(off.diagnostics.has_errors());
  INFO(changes_of(off.plan));
  REQUIRE(off.plan.summary().change == 1);
  lab.apply_ok(off.plan);
  CHECK(read()["enable_synchronization"] == false);
  CHECK(read()["schedule"] == nullptr);
  CHECK((*lab.estate->document(kCasServer, "configmgr.component", "CAS")).value("schedule", Json(nullptr)) == nullptr);
  lab.require_converged();

  lab.load(kManifest + "\n[sync.CAS]\nenable_synchronization = true\nschedule = \"weekly sunday 03:00\"\n");
  lab.converge();
  CHECK(read()["enable_synchronization"] == true);
  CHECK(read()["schedule"] == "every 1 week on sunday at 03:00");
  lab.require_converged();
}

TEST_CASE("set_sync clears the schedule to turn synchronization off and sends it to turn synchronization on") {
  // Set-CMSoftwareUpdatePointComponent: "To disable synchronization, set this parameter [-Schedule] to $null"
  // (Microsoft's reference, example 2); ConfigMgrCBDsc sends -EnableSynchronization $false with -Schedule $null.
  Json off = set_sync_params({{"enable_synchronization", false}}, {{"enable_synchronization", true}, {"schedule", "every 1 day at 02:00"}},
                             {{"enable_synchronization", true, false, false}});
  CHECK(off == Json{{"site", "CAS"}, {"enable_synchronization", false}, {"schedule", nullptr}});
  Json on = set_sync_params({{"enable_synchronization", true}, {"schedule", "daily 03:00"}},
                            {{"enable_synchronization", false}, {"schedule", "daily 03:00"}}, {{"enable_synchronization", false, true, false}});
  CHECK(on["enable_synchronization"] == true);
  REQUIRE(on.contains("schedule"));
  CHECK(on["schedule"]["text"] == "every 1 day at 03:00");
  std::string_view script = fragment_of("configmgr.set_sync");
  CHECK(script.find("if ($null -eq $p.schedule) {\n      $set.Schedule = $null") != std::string_view::npos);
  // -EnableSynchronization is a parameter of the 1902 module that later modules dropped: sent only where it exists.
  CHECK(script.find("(Get-Command Set-CMSoftwareUpdatePointComponent).Parameters.ContainsKey('EnableSynchronization')") !=
        std::string_view::npos);
}

// ---- Accounts at their site: Get-CMAccount without -SiteCode answers for every site of the hierarchy.

const std::string kProxyAccount = R"(
[account.proxy_user]
user = 'CONTOSO\svc-cm-proxy'
password = { env = "CONTOSO_PROXY_PASSWORD" }

[account.pr1_proxy]
user = 'CONTOSO\svc-pr1-proxy'
password = { env = "CONTOSO_PROXY_PASSWORD" }
site = "PR1"

[proxy.auth]
server = "proxy.contoso.com"
port = 8080
account = "proxy_user"

[proxy.pr1]
server = "proxy.contoso.com"
port = 8080
account = "pr1_proxy"
)";

TEST_CASE("account reads, changes and removals name the account's site") {
  Lab lab("account-site");
  lab.load(kManifest + kProxyAccount);
  auto plugin = make_plugin();
  auto read_params = [&](std::string_view name) {
    const model::Resource* account = lab.manifest().find("account", name);
    REQUIRE(account);
    auto read = plugin->read(plugin::ReadRequest{account->address, account, nullptr, &lab.manifest(), nullptr});
    REQUIRE(read.operations.size() == 1);
    return read.operations[0].params;
  };
  // The site written, else the top-level site, where the account is made when none is written.
  CHECK(read_params("pr1_proxy") == Json{{"user", "CONTOSO\\svc-pr1-proxy"}, {"site", "PR1"}});
  CHECK(read_params("proxy_user") == Json{{"user", "CONTOSO\\svc-cm-proxy"}, {"site", "CAS"}});

  // A removal names the site the account was read at.
  model::AttributeMap observed{{"user", "CONTOSO\\svc-pr1-proxy"}, {"site", "PR1"}};
  auto removal = plugin->apply(plugin::ApplyRequest{{"account", "pr1_proxy"}, plugin::Action::kDelete, nullptr, &observed, {}, nullptr});
  REQUIRE(removal.operations.size() == 1);
  CHECK(removal.operations[0].params == Json{{"user", "CONTOSO\\svc-pr1-proxy"}, {"site", "PR1"}});

  // A site system's proxy account is looked up where the account is.
  auto schema_of = [&](std::string_view kind) -> const model::KindSchema* {
    for (const model::KindSchema& schema : plugin->kinds()) {
      if (schema.kind == kind) return &schema;
    }
    return nullptr;
  };
  auto proxy_params = [&](std::string_view proxy) {
    const std::string uses = "[site_system.\"pr1wsus.contoso.com\"]\nsite = \"PR1\"\nproxy = \"corp\"";
    std::string toml = kManifest + kProxyAccount;
    REQUIRE(toml.find(uses) != std::string::npos);
    toml.replace(toml.find(uses), uses.size(), fmt::format("[site_system.\"pr1wsus.contoso.com\"]\nsite = \"PR1\"\nproxy = \"{}\"", proxy));
    lab.load(toml);
    const model::Resource* system = lab.manifest().find("site_system", kSupHost);
    REQUIRE(system);
    model::AttributeMap desired = model::desired_attributes(*system);
    Json references = model::resolve_references(*system, lab.manifest(), schema_of);
    auto change = plugin->apply(plugin::ApplyRequest{system->address, plugin::Action::kCreate, &desired, nullptr, {}, &references});
    INFO(change.diagnostics.all().size());
    REQUIRE(change.operations.size() == 1);
    return change.operations[0].params["proxy"];
  };
  CHECK(proxy_params("auth") == Json{{"server", "proxy.contoso.com"}, {"port", 8080}, {"account", "CONTOSO\\svc-cm-proxy"}, {"account_site", "CAS"}});
  CHECK(proxy_params("pr1")["account_site"] == "PR1");
  CHECK_FALSE(proxy_params("corp").contains("account_site"));  // anonymous: no account to look up
}

TEST_CASE("every account lookup of the fragments names the site and takes the exact user, never the first of many") {
  for (std::string_view operation : {"configmgr.get_account", "configmgr.set_account", "configmgr.remove_account", "configmgr.set_site_system"}) {
    INFO(operation);
    std::string_view script = fragment_of(operation);
    std::size_t lookups = 0;
    for (std::size_t at = script.find("Get-CMAccount"); at != std::string_view::npos; at = script.find("Get-CMAccount", at + 1)) {
      std::size_t start = script.rfind('\n', at) + 1;  // npos + 1 = 0 on the first line
      if (script.substr(start, at - start).find('#') != std::string_view::npos) continue;  // a comment
      std::string_view line = script.substr(at, script.find('\n', at) - at);
      INFO(line);
      CHECK(line.find("-SiteCode $") != std::string_view::npos);
      CHECK(line.find("Where-Object { [string]$_.UserName -eq $user }") != std::string_view::npos);
      CHECK(line.find("Select-Object -First 1") == std::string_view::npos);
      ++lookups;
    }
    CHECK(lookups == 1);
    // More than one is an error rather than a guess, except for a removal, which removes each.
    bool refuses = script.find("if ($found.Count -gt 1) { throw (\"ConfigMgr has {0} accounts named '{1}' at site {2}") != std::string_view::npos;
    CHECK(refuses == (operation != "configmgr.remove_account"));
  }
  // Set-CMSiteSystemServer -ProxyAccessAccount takes the one account object (IResultObject; the 1902 stub types it
  // [string]); Remove-CMAccount -InputObject one account at a time.
  CHECK(fragment_of("configmgr.set_site_system").find("$set.ProxyAccessAccount = $found[0]") != std::string_view::npos);
  CHECK(fragment_of("configmgr.remove_account").find("foreach ($account in $found) { Remove-CMAccount -InputObject $account -Force }") !=
        std::string_view::npos);
}

TEST_CASE("the lab finds an account only at the site asked for") {
  Lab lab("account-lookup");
  lab.load(kManifest);
  REQUIRE(lab.run_on(kCasServer, "configmgr.set_account", Json{{"user", "CONTOSO\\svc-cm-proxy"}, {"password", "x"}, {"site", "CAS"}}).ok());
  auto at = [&](const char* site) {
    auto result = lab.run_on(kCasServer, "configmgr.get_account", Json{{"user", "contoso\\SVC-CM-PROXY"}, {"site", site}});
    REQUIRE(result.ok());
    return result.value;
  };
  CHECK(at("CAS") == Json{{"exists", true}, {"user", "CONTOSO\\svc-cm-proxy"}, {"site", "CAS"}});
  CHECK(at("PR1")["exists"] == false);
  // Removing it at another site leaves it where it is.
  REQUIRE(lab.run_on(kCasServer, "configmgr.remove_account", Json{{"user", "CONTOSO\\svc-cm-proxy"}, {"site", "PR1"}}).ok());
  CHECK(at("CAS")["exists"] == true);
  REQUIRE(lab.run_on(kCasServer, "configmgr.remove_account", Json{{"user", "CONTOSO\\svc-cm-proxy"}, {"site", "CAS"}}).ok());
  CHECK(at("CAS")["exists"] == false);
}

// ---- The install tracker on the lab: apply follows each SUP install through the four logs.

constexpr std::string_view kSup = "software_update_point[\"pr1wsus.contoso.com\"]";

/// The tracker's progress lines about the remote SUP, without the "<host>: <address>: " prefix.
std::vector<std::string> milestones_of(const Lab& lab) {
  std::vector<std::string> out;
  const std::string prefix = fmt::format("{}: {}: ", kSiteServer, kSup);
  for (const std::string& line : lab.progress) {
    if (line.starts_with(prefix)) out.push_back(line.substr(prefix.size()));
  }
  return out;
}

/// A milestone's progress line without its time: "SUPSetup.log on pr1wsus.contoso.com: role setup started".
std::vector<std::string> untimed(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const std::string& line : lines) out.push_back(line.substr(0, line.rfind(" (")));
  return out;
}

TEST_CASE("tracker: apply reports each milestone of the install in the chain's order") {
  Lab lab("track-ok");
  lab.load(kManifest);
  auto report = lab.plan_and_apply();
  INFO(steps_of(report));
  REQUIRE(report.ok());
  auto seen = milestones_of(lab);
  INFO(joined(seen));
  REQUIRE(seen.size() == 14);
  CHECK(untimed(std::vector<std::string>(seen.begin(), seen.end() - 1)) ==
        std::vector<std::string>{
            "SMSProv.log on pr1site.contoso.com: the SMS Provider stored the role (SMS_SCI_SysResUse)",
            "SiteComp.log on pr1site.contoso.com: component SMS_WSUS_CONTROL_MANAGER installing",
            "SiteComp.log on pr1site.contoso.com: registry keys created",
            "SiteComp.log on pr1site.contoso.com: bootstrap service installed",
            "SiteComp.log on pr1site.contoso.com: bootstrap service started",
            "SUPSetup.log on pr1wsus.contoso.com: role setup started",
            "SUPSetup.log on pr1wsus.contoso.com: prerequisites installed",
            "SUPSetup.log on pr1wsus.contoso.com: supported WSUS version found",
            "SUPSetup.log on pr1wsus.contoso.com: installation was successful",
            "SiteComp.log on pr1site.contoso.com: role setup reported successful",
            "SiteComp.log on pr1site.contoso.com: bootstrap service removed",
            "WCM.log on pr1site.contoso.com: no unhealthy WSUS components",
            "WCM.log on pr1site.contoso.com: WSUS database connection checked",
        });
  CHECK(seen.back() ==
        "the software update point role on pr1wsus.contoso.com: proven by 13 milestones in SMSProv.log, SiteComp.log, SUPSetup.log and "
        "WCM.log");
  // The SUP on the CAS's own server is followed too.
  CHECK(std::any_of(lab.progress.begin(), lab.progress.end(), [](const std::string& line) {
    return line.starts_with("cas01.contoso.com: software_update_point[\"cas01.contoso.com\"]: the software update point role on "
                            "cas01.contoso.com: proven by 13 milestones");
  }));
}

TEST_CASE("tracker: a prerequisite that fails to install fails the step quoting SUPSetup.log") {
  Lab lab("track-prereq");
  lab.load(kManifest);
  lab.estate->add_fault(lab::Fault{0, kSupHost, "configmgr.role_setup", "failed", "", 1});
  auto report = lab.plan_and_apply();
  const auto& step = step_of(report, kSup);
  INFO(step.message);
  CHECK(step.status == apply::StepStatus::kFailed);
  CHECK(step.message.starts_with("the software update point role on pr1wsus.contoso.com: failed at 'prerequisites installed' "
                                 "(SUPSetup.log on pr1wsus.contoso.com): ERROR: Failed to install Pre Req SqlNativeClient: msiexec "
                                 "returned 1603"));
  CHECK(step.message.find("| pr1wsus.contoso.com SUPSetup.log:8 [2026-11-21") != std::string::npos);  // the lines before it
  CHECK(step.message.find("what to do: install the missing prerequisite on pr1wsus.contoso.com") != std::string::npos);
  CHECK(step.message.find("FAILED   prerequisites installed") != std::string::npos);
  // What depends on the SUP is skipped; the role is stored but not installed, and a re-run installs it.
  auto planned = lab.plan();
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  auto again = lab.apply(planned.plan);
  INFO(steps_of(again));
  CHECK(again.ok());
  lab.require_converged();
}

TEST_CASE("tracker: an unsupported WSUS fails at the version check with its hint") {
  Lab lab("track-version");
  lab.load(kManifest, "6.1.7600");
  auto planned = lab.plan();
  // The plan-time rule says so first; applying the plan anyway shows what the logs say.
  REQUIRE(planned.diagnostics.error_count() == 1);
  Lab fresh("track-version2");
  fresh.load(kManifest);
  auto before = fresh.plan();
  Json wsus = *fresh.estate->document(kSupHost, "wsus", "server");
  wsus["version"] = "6.1.7600";
  fresh.estate->put_document(kSupHost, "wsus", "server", wsus);
  auto report = fresh.apply(before.plan);
  const auto& step = step_of(report, kSup);
  INFO(step.message);
  CHECK(step.status == apply::StepStatus::kFailed);
  CHECK(step.message.find("failed at 'supported WSUS version found'") != std::string::npos);
  CHECK(step.message.find("ERROR: Unsupported WSUS Server version") != std::string::npos);
}

TEST_CASE("tracker: WSUS refusing ConfigMgr in WCM.log fails the step at the health check") {
  for (const auto& [kind, line, hint] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"access_denied", "The request failed with HTTP status 401: Unauthorized.",
            "what to do: ConfigMgr connects to WSUS on pr1wsus.contoso.com as CONTOSO\\svc-cm-wsus: put it in the local Administrators"},
           {"failed", "No connection could be made because the target machine actively refused it",
            "what to do: WSUS on pr1wsus.contoso.com does not answer: check the WsusService and IIS's WsusPool there"}}) {
    Lab lab("track-wcm-" + kind);
    lab.load(kManifest);
    lab.estate->add_fault(lab::Fault{0, kSiteServer, "configmgr.wsus_configuration", kind, "", 1});
    auto report = lab.plan_and_apply();
    const auto& step = step_of(report, kSup);
    INFO(kind << "\n" << step.message);
    CHECK(step.status == apply::StepStatus::kFailed);
    CHECK(step.message.find("failed at 'no unhealthy WSUS components' (WCM.log on pr1site.contoso.com): Failed to connect to WSUS "
                            "server PR1WSUS.CONTOSO.COM: System.Net.WebException: " + line) != std::string::npos);
    CHECK(step.message.find(hint) != std::string::npos);
    // SUPSetup.log's milestones were all seen: the role itself installed.
    CHECK(step.message.find("ok       installation was successful") != std::string::npos);
  }
}

TEST_CASE("tracker: a role setup that hangs times out naming what never came") {
  Lab lab("track-hang");
  lab.load(kManifest);
  lab.estate->add_fault(lab::Fault{0, kSupHost, "configmgr.role_setup", "timeout", "", 1});
  const std::int64_t before = lab.estate->now();
  auto report = lab.plan_and_apply();
  const auto& step = step_of(report, kSup);
  INFO(step.message);
  CHECK(step.status == apply::StepStatus::kFailed);
  CHECK(step.message.starts_with("the software update point role on pr1wsus.contoso.com: not proven after 30m"));
  CHECK(step.message.find("no 'prerequisites installed', 'supported WSUS version found'") != std::string::npos);
  CHECK(step.message.find("ok       role setup started") != std::string::npos);
  CHECK(step.message.find("what to do: ConfigMgr installs the role in the background") != std::string::npos);
  // The wait ran on the lab's clock: half an hour of simulated time, none of real time.
  CHECK(lab.estate->now() - before >= 30 * 60);
  // The bootstrap service is still there, as on a real server with a setup still running.
  CHECK(lab.estate->service(kSupHost, "SMS_SERVER_BOOTSTRAP_PR1WSUS"));
}

TEST_CASE("tracker: SUPSetup.log arriving after WCM.log from a slow host still proves the install") {
  Lab lab("track-late");
  lab.load(kManifest);
  lab.estate->set_log_delay(kSupHost, 120);  // the SUP's log shows up two minutes late
  auto report = lab.plan_and_apply();
  INFO(steps_of(report));
  REQUIRE(report.ok());
  auto seen = untimed(milestones_of(lab));
  INFO(joined(seen));
  auto at = [&](std::string_view text) { return std::find(seen.begin(), seen.end(), text) - seen.begin(); };
  // WCM's health lines (written after the role setup) were read before SUPSetup.log had anything.
  CHECK(at("WCM.log on pr1site.contoso.com: WSUS database connection checked") <
        at("SUPSetup.log on pr1wsus.contoso.com: role setup started"));
  CHECK(at("SUPSetup.log on pr1wsus.contoso.com: installation was successful") < static_cast<long>(seen.size()));
}

TEST_CASE("tracker: a host whose log never arrives within the timeout fails the step") {
  Lab lab("track-lost");
  lab.load(kManifest);
  lab.estate->set_log_delay(kSupHost, 3 * 3600);
  auto report = lab.plan_and_apply();
  const auto& step = step_of(report, kSup);
  INFO(step.message);
  CHECK(step.status == apply::StepStatus::kFailed);
  CHECK(step.message.find("no 'role setup started', 'prerequisites installed', 'supported WSUS version found' and 'installation was "
                          "successful' yet") != std::string::npos);
}

}  // namespace
}  // namespace supctl::plugins::configmgr
