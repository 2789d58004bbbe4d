// `supctl lab init DIR` from DIR/lab/estate.toml: every key of the format read back through the
// estate, base "empty" against "manifests", every kind of bad input (an error with its line and
// column, exit code 1, the estate untouched), the estate schema, and SUP installs that fail the
// way the file sets the lab up. The manifests are tests/fixtures/estate/sup.

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "backends/lab/estate.h"
#include "cli/lab_estate.h"
#include "support.h"

namespace supctl::cli {
namespace {

namespace fs = std::filesystem;
using model::Json;

constexpr const char* kSetupKey = "HKLM\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup";
const std::map<std::string, std::string> kEnv{{"CONTOSO_WSUS_CONNECT_PASSWORD", "P@ssw0rd"}};

/// A copy of tests/fixtures/estate/sup in a temporary directory, and its estate file.
struct Lab {
  fs::path dir;

  explicit Lab(std::string_view name)
      : dir(fs::temp_directory_path() / fmt::format("supctl-lab-estate-{}-{}", name, ::getpid())) {
    fs::remove_all(dir);
    fs::create_directories(dir / "lab");
    fs::copy_file(test::source_dir() / "tests/fixtures/estate/sup/main.toml", dir / "main.toml");
  }
  ~Lab() { fs::remove_all(dir); }

  std::string d() const { return dir.string(); }
  void write(const std::string& toml) const { std::ofstream(dir / "lab" / "estate.toml", std::ios::binary) << toml; }
  void remove_file() const { fs::remove(dir / "lab" / "estate.toml"); }

  /// `supctl lab init .` from inside the directory, so that files are named lab/estate.toml.
  test::CliResult init() const {
    fs::path before = fs::current_path();
    fs::current_path(dir);
    auto result = test::run_cli({"lab", "init", "."});
    fs::current_path(before);
    return result;
  }
  test::CliResult show() const { return test::run_cli({"lab", "show", d()}); }
  test::CliResult apply() const { return test::run_cli({"apply", d(), "--lab", "--auto-approve"}, false, kEnv); }

  std::unique_ptr<lab::Estate> open() const {
    std::string error;
    auto estate = lab::Estate::open(dir / ".supctl" / "lab", &error);
    INFO(error);
    REQUIRE(estate);
    return estate;
  }
};

std::vector<std::string> names_of(const std::vector<lab::HostInfo>& hosts) {
  std::vector<std::string> out;
  for (const auto& host : hosts) out.push_back(host.name);
  return out;
}

/// The messages of a log: the text of CMTrace entries, or what follows a SUPSetup timestamp.
std::vector<std::string> messages(const lab::Estate& estate, std::string_view host, std::string_view log) {
  std::vector<std::string> out;
  std::string text = estate.read_log(host, log);
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find("\r\n", start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 2;
    if (line.starts_with("<![LOG[")) {
      out.push_back(line.substr(7, line.find("]LOG]!>") - 7));
    } else if (line.starts_with("<")) {
      out.push_back(line.substr(line.find("> ") + 2));
    }
  }
  return out;
}

/// `like`, a site document configmgr's seed wrote, as another site: the same fields, these values.
Json as_site(Json like, const char* code, const char* type, const Json& parent, const char* server) {
  like["code"] = code;
  like["type"] = type;
  like["parent"] = parent;
  like["server"] = server;
  return like;
}

TEST_CASE("estate.toml sets each host's os features groups and WSUS", "[lab-estate]") {
  Lab lab("hosts");
  lab.write(R"(
[host."pr1wsus.contoso.com"]
os = "Windows Server 2016"
os_version = "10.0.14393.6796"
features = { include = ["Web-Server"], exclude = ["UpdateServices-UI"] }
groups = { "Administrators" = ['CONTOSO\PR1SITE$', 'CONTOSO\wsus-admins'], "WSUS Administrators" = [] }
wsus = { content_dir = 'E:\WSUS', database = 'SQL01\WSUS' }

[host."cas01.contoso.com"]
wsus = { installed = false }
features = ["Web-Server", "NET-Framework-45-Core"]

[host."dmz01.contoso.com"]
wsus = { version = "6.3" }
)");
  auto init = lab.init();
  INFO(init.err);
  REQUIRE(init.code == 0);
  CHECK(init.out ==
        "Seeded the lab estate in './.supctl/lab' from lab/estate.toml (on the lab derived from the manifests): 4 "
        "hosts.\n");
  auto estate = lab.open();

  // os and os_version; WSUS follows the release, on the database and content directory given.
  auto pr1wsus = estate->host("pr1wsus.contoso.com");
  REQUIRE(pr1wsus);
  CHECK(pr1wsus->os == "Windows Server 2016");
  CHECK(pr1wsus->os_version == "10.0.14393.6796");
  auto wsus = estate->document("pr1wsus.contoso.com", "wsus", "server");
  REQUIRE(wsus);
  CHECK((*wsus)["installed"] == true);
  CHECK((*wsus)["version"] == "10.0.14393");
  CHECK((*wsus)["content_dir"] == "E:\\WSUS");
  CHECK((*wsus)["database"] == "SQL01\\WSUS");
  CHECK(estate->value("pr1wsus.contoso.com", kSetupKey, "SqlServerName")->data == "SQL01\\WSUS");
  CHECK(estate->features("pr1wsus.contoso.com") ==
        std::vector<std::string>{"UpdateServices-API", "UpdateServices-DB", "UpdateServices-Services", "Web-Server"});
  // groups are exact: the derived members not listed are gone.
  CHECK(estate->members("pr1wsus.contoso.com", "Administrators") ==
        std::vector<std::string>{"CONTOSO\\PR1SITE$", "CONTOSO\\wsus-admins"});
  CHECK(estate->members("pr1wsus.contoso.com", "WSUS Administrators").empty());

  // installed = false takes away the document, the features, the service and the Setup values;
  // an array of features is the exact set.
  CHECK_FALSE(estate->document("cas01.contoso.com", "wsus", "server"));
  CHECK_FALSE(estate->service("cas01.contoso.com", "WsusService"));
  CHECK_FALSE(estate->value("cas01.contoso.com", kSetupKey, "ContentDir"));
  CHECK(estate->features("cas01.contoso.com") == std::vector<std::string>{"NET-Framework-45-Core", "Web-Server"});

  // A host the manifests do not name, on the Windows Server of the WSUS version asked for.
  auto dmz = estate->host("dmz01.contoso.com");
  REQUIRE(dmz);
  CHECK(dmz->os == "Windows Server 2012 R2");
  CHECK(dmz->os_version == "6.3.9600");
  auto dmz_wsus = estate->document("dmz01.contoso.com", "wsus", "server");
  REQUIRE(dmz_wsus);
  CHECK((*dmz_wsus)["version"] == "6.3");
  CHECK((*dmz_wsus)["content_dir"] == "C:\\WSUS");
  CHECK((*dmz_wsus)["database"] == "wid");
  CHECK(estate->service("dmz01.contoso.com", "WsusService")->state == "running");
}

TEST_CASE("a new os moves an installed WSUS to the version of that release", "[lab-estate]") {
  Lab lab("os");
  lab.write("[host.\"pr1wsus.contoso.com\"]\nos = \"Windows Server 2019\"\n");
  REQUIRE(lab.init().code == 0);
  auto estate = lab.open();
  CHECK(estate->host("pr1wsus.contoso.com")->os_version == "10.0.17763");
  CHECK((*estate->document("pr1wsus.contoso.com", "wsus", "server"))["version"] == "10.0.17763");
}

TEST_CASE("estate.toml sets services registry keys and values sites and the clock", "[lab-estate]") {
  Lab lab("things");
  lab.write(R"(
[lab]
clock = "2026-11-21T02:00:00Z"

[host."pr2site.contoso.com"]

[site.PR2]
type = "primary"
parent = "CAS"
server = "pr2site.contoso.com"

[site.S01]
type = "secondary"
parent = "PR2"
server = "pr2site.contoso.com"

[service.w3svc]
host = "pr1wsus.contoso.com"
name = "W3SVC"
display_name = "World Wide Web Publishing Service"
startup = "automatic"
state = "stopped"

[service.wsus_stopped]
host = "pr1wsus.contoso.com"
name = "WsusService"
state = "stopped"

[service.wsus_gone]
host = "cas01.contoso.com"
name = "WsusService"
ensure = "absent"

[registry_key.empty]
host = "pr1site.contoso.com"
key = 'HKEY_LOCAL_MACHINE\SOFTWARE\Contoso\Empty'

[registry_key.no_update_services]
host = "cas01.contoso.com"
key = 'HKLM\SOFTWARE\Microsoft\Update Services'
ensure = "absent"

[registry_value.queue]
host = "pr1wsus.contoso.com"
key = 'HKLM\SOFTWARE\Contoso'
name = "Queue"
type = "dword"
data = 10

[registry_value.names]
host = "pr1wsus.contoso.com"
key = 'HKLM\SOFTWARE\Contoso'
name = "Names"
type = "multi_string"
data = ["a", "b"]

[registry_value.blob]
host = "pr1wsus.contoso.com"
key = 'HKLM\SOFTWARE\Contoso'
name = "Blob"
type = "binary"
data = [1, 10, 255]

[registry_value.no_content_dir]
host = "pr1wsus.contoso.com"
key = 'HKLM\SOFTWARE\Microsoft\Update Services\Server\Setup'
name = "ContentDir"
ensure = "absent"
)");
  auto init = lab.init();
  INFO(init.err);
  REQUIRE(init.code == 0);
  auto estate = lab.open();

  auto w3svc = estate->service("pr1wsus.contoso.com", "W3SVC");
  REQUIRE(w3svc);
  CHECK(w3svc->display_name == "World Wide Web Publishing Service");
  CHECK(w3svc->startup == "automatic");
  CHECK(w3svc->state == "stopped");
  auto wsus_service = estate->service("pr1wsus.contoso.com", "WsusService");
  REQUIRE(wsus_service);
  CHECK(wsus_service->startup == "automatic");  // not written: as the derived lab has it
  CHECK(wsus_service->state == "stopped");
  CHECK_FALSE(estate->service("cas01.contoso.com", "WsusService"));

  CHECK(estate->key_exists("pr1site.contoso.com", "HKLM\\SOFTWARE\\Contoso\\Empty"));
  CHECK_FALSE(estate->key_exists("cas01.contoso.com", "HKLM\\SOFTWARE\\Microsoft\\Update Services"));
  CHECK_FALSE(estate->value("cas01.contoso.com", kSetupKey, "ContentDir"));
  auto queue = estate->value("pr1wsus.contoso.com", "HKLM\\SOFTWARE\\Contoso", "Queue");
  REQUIRE(queue);
  CHECK(queue->type == "dword");
  CHECK(queue->data == 10);
  CHECK(estate->value("pr1wsus.contoso.com", "HKLM\\SOFTWARE\\Contoso", "Names")->data == Json::array({"a", "b"}));
  CHECK(estate->value("pr1wsus.contoso.com", "HKLM\\SOFTWARE\\Contoso", "Blob")->data == "01 0a ff");
  CHECK_FALSE(estate->value("pr1wsus.contoso.com", kSetupKey, "ContentDir"));
  CHECK(estate->value("pr1wsus.contoso.com", kSetupKey, "SqlServerName"));

  // Sites as configmgr's seed writes the manifests' own (PR1 stays beside them).
  auto pr1 = estate->document("pr1site.contoso.com", "configmgr.site", "PR1");
  auto pr2 = estate->document("pr2site.contoso.com", "configmgr.site", "PR2");
  auto s01 = estate->document("pr2site.contoso.com", "configmgr.site", "S01");
  REQUIRE(pr1);
  REQUIRE(pr2);
  REQUIRE(s01);
  CHECK(*pr2 == as_site(*pr1, "PR2", "primary", "CAS", "pr2site.contoso.com"));
  CHECK(*s01 == as_site(*pr1, "S01", "secondary", "PR2", "pr2site.contoso.com"));

  CHECK(estate->now() == 1795226400);  // 2026-11-21T02:00:00Z
}

TEST_CASE("a site of the file replaces the manifests' site of that code", "[lab-estate]") {
  Lab lab("site");
  lab.write(
      "[site.PR1]\ntype = \"secondary\"\nparent = \"PR9\"\nserver = \"pr1wsus.contoso.com\"\n\n"
      "[site.PR9]\ntype = \"primary\"\nserver = \"pr1site.contoso.com\"\n");
  auto init = lab.init();
  INFO(init.err);
  REQUIRE(init.code == 0);
  auto estate = lab.open();
  // A secondary site is documented on its parent's SMS Provider, where supctl reads it.
  CHECK_FALSE(estate->document("pr1wsus.contoso.com", "configmgr.site", "PR1"));
  auto cas = estate->document("cas01.contoso.com", "configmgr.site", "CAS");
  auto pr1 = estate->document("pr1site.contoso.com", "configmgr.site", "PR1");
  auto pr9 = estate->document("pr1site.contoso.com", "configmgr.site", "PR9");
  REQUIRE(cas);
  REQUIRE(pr1);
  REQUIRE(pr9);
  CHECK(*pr1 == as_site(*cas, "PR1", "secondary", "PR9", "pr1wsus.contoso.com"));
  CHECK(*pr9 == as_site(*cas, "PR9", "primary", nullptr, "pr1site.contoso.com"));
}

TEST_CASE("base empty seeds only what the file says and base manifests builds on the derived lab", "[lab-estate]") {
  Lab lab("base");
  const std::string hosts = "[host.\"wsus9.contoso.com\"]\nos = \"Windows Server 2019\"\nwsus = {}\n";
  lab.write("[lab]\nbase = \"empty\"\n\n" + hosts);
  auto empty = lab.init();
  INFO(empty.err);
  REQUIRE(empty.code == 0);
  CHECK(empty.out == "Seeded the lab estate in './.supctl/lab' from lab/estate.toml (on an empty lab): 1 hosts.\n");
  {
    auto estate = lab.open();
    CHECK(names_of(estate->hosts()) == std::vector<std::string>{"wsus9.contoso.com"});
    CHECK((*estate->document("wsus9.contoso.com", "wsus", "server"))["version"] == "10.0.17763");
    CHECK(estate->documents("cas01.contoso.com", "configmgr.site").empty());
  }

  lab.write("[lab]\nbase = \"manifests\"\n\n" + hosts);
  auto manifests = lab.init();
  INFO(manifests.err);
  REQUIRE(manifests.code == 0);
  CHECK(manifests.out ==
        "Reseeded the lab estate in './.supctl/lab' from lab/estate.toml (on the lab derived from the manifests): 4 "
        "hosts.\n");
  auto estate = lab.open();
  CHECK(names_of(estate->hosts()) == std::vector<std::string>{"cas01.contoso.com", "pr1site.contoso.com",
                                                              "pr1wsus.contoso.com", "wsus9.contoso.com"});
  CHECK(estate->document("cas01.contoso.com", "configmgr.site", "CAS"));
  CHECK(estate->members("pr1wsus.contoso.com", "WSUS Administrators") ==
        std::vector<std::string>{"CONTOSO\\PR1SITE$", "CONTOSO\\svc-cm-wsus"});
}

TEST_CASE("init again starts the lab over from the file", "[lab-estate]") {
  Lab lab("again");
  lab.write(
      "[registry_value.x]\nhost = \"pr1site.contoso.com\"\nkey = 'HKLM\\SOFTWARE\\Contoso'\nname = \"X\"\ntype = "
      "\"string\"\ndata = \"1\"\n");
  REQUIRE(lab.init().code == 0);
  {
    auto estate = lab.open();
    REQUIRE(estate->value("pr1site.contoso.com", "HKLM\\SOFTWARE\\Contoso", "X"));
    estate->add_fault(lab::Fault{0, "cas01.contoso.com", "*", "unreachable", "", -1});
  }
  lab.write("[host.\"pr1site.contoso.com\"]\n");
  auto again = lab.init();
  CHECK(again.out.starts_with("Reseeded the lab estate"));
  auto estate = lab.open();
  CHECK_FALSE(estate->value("pr1site.contoso.com", "HKLM\\SOFTWARE\\Contoso", "X"));
  CHECK(estate->faults().empty());
}

TEST_CASE("lab show prints each host's group members and its WSUS version", "[lab-estate]") {
  Lab lab("show");
  lab.write("[host.\"pr1wsus.contoso.com\"]\nwsus = { version = \"10.0.14393\", content_dir = 'D:\\WSUS' }\n");
  REQUIRE(lab.init().code == 0);
  auto show = lab.show();
  CHECK(show.code == 0);
  CHECK(show.out.find("pr1wsus.contoso.com (Windows Server 2016 10.0.14393)\n"
                      "  service WsusService                  automatic  running\n"
                      "  feature UpdateServices-API\n"
                      "  feature UpdateServices-Services\n"
                      "  feature UpdateServices-UI\n"
                      "  feature UpdateServices-WidDB\n"
                      "  group   Administrators               CONTOSO\\PR1SITE$, CONTOSO\\svc-cm-wsus\n"
                      "  group   WSUS Administrators          CONTOSO\\PR1SITE$, CONTOSO\\svc-cm-wsus\n"
                      "  wsus    10.0.14393                   D:\\WSUS wid\n") != std::string::npos);
}

// ---- Bad input: a clear error at its line and column, exit code 1, the estate as it was.

struct BadInput {
  const char* name;
  std::string toml;
  std::string where;    ///< lab/estate.toml:LINE:COLUMN
  std::string summary;  ///< the first line of the error
};

const std::vector<BadInput>& bad_inputs() {
  static const std::vector<BadInput> kCases{
      {"malformed TOML", "[host.\"pr1wsus.contoso.com\"\nos = \"Windows Server 2016\"\n", "lab/estate.toml:1:28",
       "error[toml-syntax]: invalid TOML: "},
      {"unknown table", "[hots.\"pr1wsus.contoso.com\"]\n", "lab/estate.toml:1:2",
       "error[unknown-kind]: unknown table '[hots]' in an estate file"},
      {"unknown key", "[host.\"pr1wsus.contoso.com\"]\nos_verison = \"10.0.14393\"\n", "lab/estate.toml:2:1",
       "error[unknown-attribute]: unknown attribute 'os_verison' for a host"},
      {"unknown group", "[host.\"pr1wsus.contoso.com\"]\ngroups = { \"WSUS Admins\" = [] }\n", "lab/estate.toml:2:12",
       "error[unknown-attribute]: unknown attribute 'WSUS Admins' for 'groups'"},
      {"wrong type", "[host.\"pr1wsus.contoso.com\"]\nfeatures = \"Web-Server\"\n", "lab/estate.toml:2:12",
       "error[wrong-type]: 'features' must be an array of strings (each a Windows feature name such as 'Web-Server'), "
       "or { include = [...], exclude = [...] }"},
      {"unknown OS name", "[host.\"pr1wsus.contoso.com\"]\nos = \"Windows Server 2023\"\n", "lab/estate.toml:2:6",
       "error[invalid-value]: 'Windows Server 2023' is not a valid value for 'os'"},
      {"os_version of another release",
       "[host.\"pr1wsus.contoso.com\"]\nos = \"Windows Server 2016\"\nos_version = \"10.0.20348\"\n",
       "lab/estate.toml:3:14", "error[invalid-value]: '10.0.20348' is not a version of Windows Server 2016"},
      {"an OS that cannot run the WSUS version",
       "[host.\"pr1wsus.contoso.com\"]\nos = \"Windows Server 2022\"\nwsus = { version = \"6.3\" }\n",
       "lab/estate.toml:3:20", "error[invalid-value]: WSUS 6.3 does not run on Windows Server 2022"},
      {"settings of a removed WSUS",
       "[host.\"pr1wsus.contoso.com\"]\nwsus = { installed = false, content_dir = 'D:\\WSUS' }\n",
       "lab/estate.toml:2:29", "error[invalid-value]: 'wsus.content_dir' of a WSUS that installed = false removes"},
      {"a host that is not a valid name", "[host.\"pr1_wsus.contoso.com\"]\n", "lab/estate.toml:1:11",
       "error[invalid-name]: invalid name 'pr1_wsus.contoso.com' for a host"},
      {"a group member that is not an account",
       "[host.\"pr1wsus.contoso.com\"]\ngroups = { \"Administrators\" = [\"svc-cm-wsus\"] }\n", "lab/estate.toml:2:33",
       "error[invalid-value]: 'svc-cm-wsus' is not a valid account name"},
      {"bad registry type",
       "[registry_value.x]\nhost = \"pr1wsus.contoso.com\"\nkey = 'HKLM\\SOFTWARE\\Contoso'\nname = \"X\"\ntype = "
       "\"dwrod\"\ndata = 1\n",
       "lab/estate.toml:5:8", "error[invalid-value]: 'dwrod' is not a valid value for 'type'"},
      {"bad registry data",
       "[registry_value.x]\nhost = \"pr1wsus.contoso.com\"\nkey = 'HKLM\\SOFTWARE\\Contoso'\nname = \"X\"\ntype = "
       "\"dword\"\ndata = \"1\"\n",
       "lab/estate.toml:6:8", "error[registry-data]: 'data' does not fit type 'dword'"},
      {"bad registry key", "[registry_key.x]\nhost = \"pr1wsus.contoso.com\"\nkey = 'HKLN\\SOFTWARE\\Contoso'\n",
       "lab/estate.toml:3:8", "error[invalid-value]: 'HKLN\\SOFTWARE\\Contoso' is not a valid registry key"},
      {"unknown service startup", "[service.x]\nhost = \"pr1wsus.contoso.com\"\nname = \"W3SVC\"\nstartup = \"auto\"\n",
       "lab/estate.toml:4:11", "error[invalid-value]: 'auto' is not a valid value for 'startup'"},
      {"unknown service state", "[service.x]\nhost = \"pr1wsus.contoso.com\"\nname = \"W3SVC\"\nstate = \"started\"\n",
       "lab/estate.toml:4:9", "error[invalid-value]: 'started' is not a valid value for 'state'"},
      {"a disabled service that runs",
       "[service.x]\nhost = \"pr1wsus.contoso.com\"\nname = \"W3SVC\"\nstartup = \"disabled\"\nstate = \"running\"\n",
       "lab/estate.toml:5:9", "error[service-state]: a disabled service cannot be kept running"},
      {"state of a removed service",
       "[service.x]\nhost = \"pr1wsus.contoso.com\"\nname = \"W3SVC\"\nensure = \"absent\"\nstate = \"stopped\"\n",
       "lab/estate.toml:5:9", "error[invalid-value]: 'state' of a service that ensure = \"absent\" removes"},
      {"a host that is not in the lab", "[service.x]\nhost = \"pr1wsus.contoso.cmo\"\nname = \"W3SVC\"\n",
       "lab/estate.toml:2:8", "error[unknown-reference]: 'pr1wsus.contoso.cmo' is not a host of the lab"},
      {"a manifest machine on an empty base",
       "[lab]\nbase = \"empty\"\n\n[service.x]\nhost = \"pr1wsus.contoso.com\"\nname = \"W3SVC\"\n",
       "lab/estate.toml:5:8", "error[unknown-reference]: 'pr1wsus.contoso.com' is not a host of the lab"},
      {"a site whose parent is unknown",
       "[site.PR2]\ntype = \"primary\"\nparent = \"CAX\"\nserver = \"pr1site.contoso.com\"\n", "lab/estate.toml:3:10",
       "error[unknown-reference]: unknown parent site 'CAX'"},
      {"a site under the wrong parent",
       "[site.S01]\ntype = \"secondary\"\nparent = \"CAS\"\nserver = \"pr1site.contoso.com\"\n", "lab/estate.toml:3:10",
       "error[site-structure]: secondary site 'S01' has the cas site 'CAS' as parent"},
      {"a site without a server", "[site.PR2]\ntype = \"primary\"\nparent = \"CAS\"\n", "lab/estate.toml:1:7",
       "error[missing-attribute]: site.PR2 is missing the required attribute 'server'"},
      {"a site code that is not one", "[site.pr2]\ntype = \"primary\"\nserver = \"pr1site.contoso.com\"\n",
       "lab/estate.toml:1:7", "error[invalid-name]: invalid name 'pr2' for a site"},
      {"unknown base", "[lab]\nbase = \"manifest\"\n", "lab/estate.toml:2:8",
       "error[invalid-value]: 'manifest' is not a valid value for 'base'"},
      {"a clock that is not a time", "[lab]\nclock = \"2026-13-01T00:00:00Z\"\n", "lab/estate.toml:2:15",
       "error[invalid-value]: '2026-13-01T00:00:00Z' is not a valid UTC time"},
      {"an unquoted clock", "[lab]\nclock = 2026-11-21T02:00:00Z\n", "lab/estate.toml:2:9",
       "error[wrong-type]: 'clock' must be a UTC time such as '2026-11-21T02:00:00Z'"},
      {"a host declared twice", "[host.\"pr1wsus.contoso.com\"]\n[host.\"PR1WSUS.contoso.com\"]\n",
       "lab/estate.toml:2:7", "error[duplicate-resource]: host 'PR1WSUS.contoso.com' is declared twice"},
  };
  return kCases;
}

TEST_CASE("every bad estate file is an error at its line and column and leaves the estate as it was", "[lab-estate]") {
  Lab lab("bad");
  lab.write("[host.\"pr1wsus.contoso.com\"]\nos = \"Windows Server 2019\"\n");
  REQUIRE(lab.init().code == 0);
  const std::string before = lab.show().out;
  REQUIRE(before.find("pr1wsus.contoso.com (Windows Server 2019 10.0.17763)") != std::string::npos);
  for (const BadInput& bad : bad_inputs()) {
    SECTION(bad.name) {
      lab.write(bad.toml);
      auto init = lab.init();
      INFO(init.err);
      CHECK(init.code == 1);
      CHECK(init.out.empty());
      CHECK(init.err.starts_with(bad.summary));
      CHECK(init.err.find("--> " + bad.where + "\n") != std::string::npos);
      CHECK(init.err.ends_with("The lab estate file 'lab/estate.toml' is not valid; the lab estate is unchanged.\n"));
      CHECK(lab.show().out == before);
    }
  }
}

TEST_CASE("an estate file error reads as a validate error with its source line caret and help", "[lab-estate]") {
  Lab lab("render");
  lab.write(
      "[host.\"pr1wsus.contoso.com\"]\nos = \"Windows Server 2022\"\nwsus = { version = \"10.0.14393\" }\n\n"
      "[site.PR2]\ntype = \"primary\"\nparent = \"CAX\"\nserver = \"pr2site.contoso.com\"\n");
  auto init = lab.init();
  CHECK(init.code == 1);
  CHECK(init.err ==
        "error[invalid-value]: WSUS 10.0.14393 does not run on Windows Server 2022\n"
        "  --> lab/estate.toml:3:20\n"
        "   |\n"
        " 3 | wsus = { version = \"10.0.14393\" }\n"
        "   |                    ^^^^^^^^^^^^\n"
        "   = at: host[\"pr1wsus.contoso.com\"].wsus.version\n"
        "   = expected: '10.0.20348', the WSUS of Windows Server 2022\n"
        "   = found: '10.0.14393'\n"
        "   = help: write version = \"10.0.20348\", or remove os so that the host runs Windows Server 2016\n"
        "\n"
        "error[unknown-reference]: unknown parent site 'CAX'\n"
        "  --> lab/estate.toml:7:10\n"
        "   |\n"
        " 7 | parent = \"CAX\"\n"
        "   |          ^^^^^\n"
        "   = at: site.PR2.parent\n"
        "   = expected: the code of a site this file or the manifests declare\n"
        "   = found: 'CAX'\n"
        "   = help: did you mean 'CAS'?\n"
        "\n"
        "error[unknown-reference]: 'pr2site.contoso.com' is not a host of the lab\n"
        "  --> lab/estate.toml:8:10\n"
        "   |\n"
        " 8 | server = \"pr2site.contoso.com\"\n"
        "   |          ^^^^^^^^^^^^^^^^^^^^^\n"
        "   = at: site.PR2.server\n"
        "   = expected: a machine the manifests name, or a host this file declares\n"
        "   = found: 'pr2site.contoso.com'\n"
        "   = help: did you mean 'pr1site.contoso.com'? A machine of its own is declared as "
        "[host.\"pr2site.contoso.com\"]\n"
        "\n"
        "The lab estate file 'lab/estate.toml' is not valid; the lab estate is unchanged.\n");
}

TEST_CASE("a bad estate file creates no estate where there was none", "[lab-estate]") {
  Lab lab("none");
  lab.write("[host.\"pr1wsus.contoso.com\"]\nos = \"Windows Server 2023\"\n");
  CHECK(lab.init().code == 1);
  auto show = lab.show();
  CHECK(show.code == 1);
  CHECK(show.err.find("there is no lab estate") != std::string::npos);
}

// ---- What the file sets up, seen through plan and apply.

TEST_CASE("a connection account the file leaves out of WSUS Administrators stops the plan before the SUP installs", "[lab-estate]") {
  Lab lab("wcm");
  lab.write("[host.\"pr1wsus.contoso.com\"]\ngroups = { \"WSUS Administrators\" = ['CONTOSO\\PR1SITE$'] }\n");
  REQUIRE(lab.init().code == 0);
  auto apply = lab.apply();
  INFO(apply.out << apply.err);
  CHECK(apply.code == 1);
  CHECK(apply.err.find("error[wsus-access]: software_update_point[\"pr1wsus.contoso.com\"]: CONTOSO\\svc-cm-wsus is not in the local "
                       "WSUS Administrators group on pr1wsus.contoso.com; WSUS Configuration Manager would fail to connect") !=
        std::string::npos);
  CHECK(apply.err.find("Nothing was changed") != std::string::npos);
  auto estate = lab.open();
  CHECK(messages(*estate, "pr1site.contoso.com", "WCM.log").empty());
}

TEST_CASE("a SUP host whose WSUS the file removes stops the plan before the role setup", "[lab-estate]") {
  Lab lab("supsetup");
  lab.write("[host.\"pr1wsus.contoso.com\"]\nwsus = { installed = false }\n");
  REQUIRE(lab.init().code == 0);
  auto apply = lab.apply();
  INFO(apply.out << apply.err);
  CHECK(apply.code == 1);
  CHECK(apply.err.find("error[wsus-missing]: software_update_point[\"pr1wsus.contoso.com\"]: WSUS is not installed; the role "
                       "setup would fail") != std::string::npos);
  auto estate = lab.open();
  CHECK(messages(*estate, "pr1wsus.contoso.com", "SUPSetup.log").empty());
}

TEST_CASE("schemas/estate.schema.json is what the engine generates", "[lab-estate]") {
  const fs::path path = test::source_dir() / "schemas/estate.schema.json";
  if (std::getenv("SUPCTL_UPDATE_FIXTURES")) std::ofstream(path, std::ios::binary) << estate_json_schema();
  INFO("regenerate it with: SUPCTL_UPDATE_FIXTURES=1 build/tests/supctl_tests '[lab-estate]', then review the diff");
  CHECK(estate_json_schema() == test::read_file(path));
}

}  // namespace
}  // namespace supctl::cli
