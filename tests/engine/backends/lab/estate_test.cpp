#include "backends/lab/estate.h"

#include <fmt/format.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using supctl::lab::Estate;
using supctl::lab::Fault;
using supctl::lab::HostInfo;
using supctl::lab::Json;
using supctl::lab::RegistryValue;
using supctl::lab::Service;

/// A directory of its own under the system temporary directory, removed at the end.
class TempDir {
 public:
  explicit TempDir(std::string_view name)
      : path_(fs::temp_directory_path() / fmt::format("supctl-lab-estate-test-{}-{}", getpid(), name)) {
    fs::remove_all(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  /// The lab directory, which open() creates.
  fs::path lab() const { return path_ / ".supctl" / "lab"; }

 private:
  fs::path path_;
};

std::unique_ptr<Estate> open_estate(const fs::path& dir) {
  std::string error;
  auto estate = Estate::open(dir, &error);
  INFO(error);
  REQUIRE(estate != nullptr);
  CHECK(error.empty());
  return estate;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> value_names(const Estate& estate, std::string_view host, std::string_view key) {
  std::vector<std::string> names;
  for (const auto& [name, value] : estate.values(host, key)) names.push_back(name);
  return names;
}

constexpr std::string_view kKey = R"(HKLM\SOFTWARE\Microsoft\SMS)";

TEST_CASE("open creates the directory the database and the logs directory", "[lab][estate]") {
  TempDir temp("open");
  auto estate = open_estate(temp.lab());
  CHECK(estate->dir() == temp.lab());
  CHECK(fs::is_regular_file(temp.lab() / "estate.db"));
  CHECK(fs::is_directory(temp.lab() / "logs"));
}

TEST_CASE("open reports a file that is not a database", "[lab][estate]") {
  TempDir temp("not-a-database");
  fs::create_directories(temp.lab());
  {
    std::ofstream out(temp.lab() / "estate.db", std::ios::binary);
    out << "this is not a SQLite database, only some text that is long enough to have a header of its own";
  }
  std::string error;
  auto estate = Estate::open(temp.lab(), &error);
  CHECK(estate == nullptr);
  CHECK(error.starts_with(fmt::format("cannot open the lab estate '{}': ", temp.lab().string())));
}

TEST_CASE("hosts compare without case and keep their spelling", "[lab][estate]") {
  TempDir temp("hosts");
  auto estate = open_estate(temp.lab());
  estate->add_host({"SUP01.contoso.com", "Windows Server 2019", "10.0.17763"});
  estate->add_host({"cas.contoso.com"});

  auto found = estate->host("sup01.CONTOSO.com");
  REQUIRE(found);
  CHECK(found->name == "SUP01.contoso.com");
  CHECK(found->os == "Windows Server 2019");
  CHECK(found->os_version == "10.0.17763");
  CHECK_FALSE(estate->host("sup02.contoso.com"));

  // Adding the same host again in another case replaces it rather than adding a second.
  estate->add_host({"sup01.contoso.com"});
  auto hosts = estate->hosts();
  REQUIRE(hosts.size() == 2);
  CHECK(hosts[0].name == "cas.contoso.com");
  CHECK(hosts[1].name == "sup01.contoso.com");
  CHECK(hosts[1].os == "Windows Server 2022");
}

TEST_CASE("registry values of every type round trip", "[lab][estate]") {
  TempDir temp("registry-types");
  auto estate = open_estate(temp.lab());
  const std::vector<std::pair<std::string, RegistryValue>> values = {
      {"Binary", {"binary", "01 0a ff"}},
      {"Dword", {"dword", 4294967295u}},
      {"Expand", {"expand_string", "%SystemRoot%\\Temp"}},
      {"Multi", {"multi_string", Json::array({"one", "two", ""})}},
      {"Qword", {"qword", 18446744073709551615ull}},
      {"String", {"string", "héllo"}},
  };
  for (const auto& [name, value] : values) estate->set_value("sup01", kKey, name, value);

  for (const auto& [name, value] : values) {
    INFO(name);
    auto read = estate->value("sup01", kKey, name);
    REQUIRE(read);
    CHECK(read->type == value.type);
    CHECK(read->data == value.data);
  }
  CHECK(estate->value("sup01", kKey, "Qword")->data.get<std::uint64_t>() == 18446744073709551615ull);
  CHECK(estate->value("sup01", kKey, "Multi")->data.dump() == R"(["one","two",""])");
  CHECK_FALSE(estate->value("sup01", kKey, "Missing"));
  CHECK_FALSE(estate->value("sup02", kKey, "String"));
}

TEST_CASE("registry keys and value names compare without case", "[lab][estate]") {
  TempDir temp("registry-case");
  auto estate = open_estate(temp.lab());
  estate->set_value("SUP01", R"(HKLM\Software\WSUS)", "PortNumber", {"dword", 8530});

  auto read = estate->value("sup01", R"(hklm\SOFTWARE\wsus)", "PORTNUMBER");
  REQUIRE(read);
  CHECK(read->data == 8530);
  CHECK(estate->key_exists("sup01", R"(HKLM\SOFTWARE\WSUS)"));
  CHECK(estate->key_exists("sup01", R"(HKLM\SOFTWARE\WSUS\)"));

  // Setting it again in another case replaces the data and keeps the first spelling of the name.
  estate->set_value("sup01", R"(HKLM\SOFTWARE\WSUS)", "portnumber", {"dword", 8531});
  auto values = estate->values("Sup01", R"(HKLM\software\wsus)");
  REQUIRE(values.size() == 1);
  CHECK(values[0].first == "PortNumber");
  CHECK(values[0].second.data == 8531);

  CHECK(estate->delete_value("sup01", R"(hklm\software\wsus)", "PORTnumber"));
  CHECK_FALSE(estate->delete_value("sup01", R"(hklm\software\wsus)", "PortNumber"));
  CHECK(estate->values("sup01", R"(HKLM\Software\WSUS)").empty());
}

TEST_CASE("set_value creates the key and every key above it", "[lab][estate]") {
  TempDir temp("registry-parents");
  auto estate = open_estate(temp.lab());
  CHECK_FALSE(estate->key_exists("sup01", R"(HKLM\A)"));
  estate->set_value("sup01", R"(HKLM\A\B\C)", "Name", {"string", "x"});
  CHECK(estate->key_exists("sup01", R"(HKLM\A)"));
  CHECK(estate->key_exists("sup01", R"(HKLM\A\B)"));
  CHECK(estate->key_exists("sup01", R"(HKLM\A\B\C)"));
  CHECK_FALSE(estate->key_exists("sup01", R"(HKLM\A\B\C\D)"));
  CHECK_FALSE(estate->key_exists("sup02", R"(HKLM\A)"));
  // Values belong to their key only, not to the keys above it.
  CHECK(estate->values("sup01", R"(HKLM\A\B)").empty());

  estate->create_key("sup01", R"(HKLM\X\Y)");
  CHECK(estate->key_exists("sup01", R"(HKLM\X)"));
  CHECK(estate->key_exists("sup01", R"(HKLM\X\Y)"));
  CHECK(estate->values("sup01", R"(HKLM\X\Y)").empty());
}

TEST_CASE("delete_key removes the key its values and its subkeys but not its siblings", "[lab][estate]") {
  TempDir temp("registry-delete");
  auto estate = open_estate(temp.lab());
  estate->set_value("sup01", R"(HKLM\A)", "Top", {"string", "a"});
  estate->set_value("sup01", R"(HKLM\A\B)", "Middle", {"string", "b"});
  estate->set_value("sup01", R"(HKLM\A\B\C)", "Bottom", {"string", "c"});
  estate->set_value("sup01", R"(HKLM\AB)", "Sibling", {"string", "ab"});
  estate->set_value("sup01", R"(HKLM\AB\C)", "SiblingChild", {"string", "abc"});
  estate->set_value("sup02", R"(HKLM\A\B)", "OtherHost", {"string", "other"});

  CHECK(estate->delete_key("SUP01", R"(hklm\a)"));

  CHECK_FALSE(estate->key_exists("sup01", R"(HKLM\A)"));
  CHECK_FALSE(estate->key_exists("sup01", R"(HKLM\A\B)"));
  CHECK_FALSE(estate->key_exists("sup01", R"(HKLM\A\B\C)"));
  CHECK_FALSE(estate->value("sup01", R"(HKLM\A)", "Top"));
  CHECK_FALSE(estate->value("sup01", R"(HKLM\A\B)", "Middle"));
  CHECK_FALSE(estate->value("sup01", R"(HKLM\A\B\C)", "Bottom"));

  CHECK(estate->key_exists("sup01", R"(HKLM\AB)"));
  CHECK(estate->key_exists("sup01", R"(HKLM\AB\C)"));
  CHECK(estate->value("sup01", R"(HKLM\AB)", "Sibling"));
  CHECK(estate->value("sup01", R"(HKLM\AB\C)", "SiblingChild"));
  CHECK(estate->value("sup02", R"(HKLM\A\B)", "OtherHost"));

  CHECK_FALSE(estate->delete_key("sup01", R"(HKLM\A)"));
  CHECK_FALSE(estate->delete_key("sup01", R"(HKLM\Never)"));
}

TEST_CASE("delete_key treats percent and underscore as plain characters", "[lab][estate]") {
  TempDir temp("registry-wildcards");
  auto estate = open_estate(temp.lab());
  estate->set_value("sup01", R"(HKLM\A_\B)", "V", {"string", "1"});
  estate->set_value("sup01", R"(HKLM\AX\B)", "V", {"string", "2"});
  CHECK(estate->delete_key("sup01", R"(HKLM\A_)"));
  CHECK_FALSE(estate->key_exists("sup01", R"(HKLM\A_\B)"));
  CHECK(estate->key_exists("sup01", R"(HKLM\AX\B)"));
}

TEST_CASE("values under a key are sorted by name", "[lab][estate]") {
  TempDir temp("registry-sorted");
  auto estate = open_estate(temp.lab());
  for (std::string name : {"charlie", "Alpha", "bravo", "Delta"})
    estate->set_value("sup01", kKey, name, {"string", name});
  estate->set_value("sup01", std::string(kKey) + R"(\Sub)", "Aardvark", {"string", "below"});
  CHECK(value_names(*estate, "sup01", kKey) == std::vector<std::string>{"Alpha", "bravo", "charlie", "Delta"});
}

TEST_CASE("services can be put read listed and removed", "[lab][estate]") {
  TempDir temp("services");
  auto estate = open_estate(temp.lab());
  Service wsus{"WsusService", "WSUS Service", "automatic", "running", {"W3SVC", "HTTP"}};
  estate->put_service("SUP01", wsus);
  estate->put_service("sup01", {"W3SVC", "World Wide Web Publishing Service", "automatic", "running", {}});
  estate->put_service("sup02", {"Other", "Other", "manual", "stopped", {}});

  auto read = estate->service("sup01", "wsusservice");
  REQUIRE(read);
  CHECK(read->name == "WsusService");
  CHECK(read->display_name == "WSUS Service");
  CHECK(read->startup == "automatic");
  CHECK(read->state == "running");
  CHECK(read->depends_on == std::vector<std::string>{"W3SVC", "HTTP"});

  wsus.state = "stopped";
  wsus.startup = "disabled";
  wsus.depends_on.clear();
  estate->put_service("sup01", wsus);
  read = estate->service("sup01", "WSUSSERVICE");
  REQUIRE(read);
  CHECK(read->state == "stopped");
  CHECK(read->startup == "disabled");
  CHECK(read->depends_on.empty());

  auto services = estate->services("Sup01");
  REQUIRE(services.size() == 2);
  CHECK(services[0].name == "W3SVC");
  CHECK(services[1].name == "WsusService");

  CHECK(estate->remove_service("sup01", "w3svc"));
  CHECK_FALSE(estate->remove_service("sup01", "w3svc"));
  CHECK_FALSE(estate->service("sup01", "W3SVC"));
  CHECK(estate->services("sup01").size() == 1);
  CHECK(estate->services("sup02").size() == 1);
}

TEST_CASE("group members compare without case and are sorted", "[lab][estate]") {
  TempDir temp("groups");
  auto estate = open_estate(temp.lab());
  estate->add_member("sup01", "Administrators", R"(CONTOSO\PR1SITE$)");
  estate->add_member("sup01", "administrators", R"(contoso\pr1site$)");  // the same member
  estate->add_member("sup01", "Administrators", R"(BUILTIN\Administrator)");
  estate->add_member("sup01", "WSUS Administrators", R"(CONTOSO\svc-wsus)");

  CHECK(estate->members("SUP01", "ADMINISTRATORS") ==
        std::vector<std::string>{R"(BUILTIN\Administrator)", R"(CONTOSO\PR1SITE$)"});
  CHECK(estate->members("sup01", "WSUS Administrators") == std::vector<std::string>{R"(CONTOSO\svc-wsus)"});
  CHECK(estate->members("sup01", "Nobody").empty());

  CHECK(estate->remove_member("sup01", "Administrators", R"(Contoso\Pr1Site$)"));
  CHECK_FALSE(estate->remove_member("sup01", "Administrators", R"(Contoso\Pr1Site$)"));
  CHECK(estate->members("sup01", "Administrators") == std::vector<std::string>{R"(BUILTIN\Administrator)"});
}

TEST_CASE("features are installed listed and removed", "[lab][estate]") {
  TempDir temp("features");
  auto estate = open_estate(temp.lab());
  estate->install_feature("sup01", "UpdateServices-Services");
  estate->install_feature("sup01", "updateservices-services");
  estate->install_feature("sup01", "UpdateServices-DB");
  estate->install_feature("sup01", "NET-Framework-45-Core");
  CHECK(estate->features("SUP01") ==
        std::vector<std::string>{"NET-Framework-45-Core", "UpdateServices-DB", "UpdateServices-Services"});
  CHECK(estate->remove_feature("sup01", "UPDATESERVICES-DB"));
  CHECK_FALSE(estate->remove_feature("sup01", "UpdateServices-DB"));
  CHECK(estate->features("sup01") == std::vector<std::string>{"NET-Framework-45-Core", "UpdateServices-Services"});
  CHECK(estate->features("sup02").empty());
}

TEST_CASE("documents are stored by host collection and key", "[lab][estate]") {
  TempDir temp("documents");
  auto estate = open_estate(temp.lab());
  Json config = {{"ProxyName", "proxy.contoso.com"}, {"ProxyServerPort", 80}, {"UseProxy", true}};
  estate->put_document("SUP01", "wsus_configuration", "default", config);
  estate->put_document("sup01", "sites", "PR1", {{"type", "primary"}});
  estate->put_document("sup01", "sites", "CAS", {{"type", "cas"}});

  auto read = estate->document("sup01", "wsus_configuration", "default");
  REQUIRE(read);
  CHECK(*read == config);
  CHECK(read->dump() == config.dump());  // the order of the keys is kept
  CHECK_FALSE(estate->document("sup01", "wsus_configuration", "other"));

  estate->put_document("sup01", "sites", "PR1", {{"type", "primary"}, {"code", "PR1"}});
  auto sites = estate->documents("sup01", "sites");
  REQUIRE(sites.size() == 2);
  CHECK(sites[0].first == "CAS");
  CHECK(sites[1].first == "PR1");
  CHECK(sites[1].second.dump() == R"({"type":"primary","code":"PR1"})");

  CHECK(estate->remove_document("sup01", "sites", "CAS"));
  CHECK_FALSE(estate->remove_document("sup01", "sites", "CAS"));
  CHECK(estate->documents("sup01", "sites").size() == 1);
}

TEST_CASE("logs are appended with CRLF and read from an offset", "[lab][estate]") {
  TempDir temp("logs");
  auto estate = open_estate(temp.lab());
  const fs::path path = estate->log_path("SUP01.contoso.com", "SUPSetup.log");
  CHECK(path == temp.lab() / "logs" / "sup01.contoso.com" / "SUPSetup.log");
  CHECK(estate->read_log("sup01.contoso.com", "SUPSetup.log").empty());

  estate->append_log("SUP01.contoso.com", "SUPSetup.log", "Installing the SMS_WSUS_CONTROL_MANAGER");
  estate->append_log("sup01.contoso.com", "SUPSetup.log", "Installation was successful.");
  const std::string expected = "Installing the SMS_WSUS_CONTROL_MANAGER\r\nInstallation was successful.\r\n";
  CHECK(read_file(path) == expected);
  CHECK(estate->read_log("Sup01.Contoso.com", "SUPSetup.log") == expected);
  CHECK(estate->read_log("sup01.contoso.com", "SUPSetup.log", 41) == "Installation was successful.\r\n");
  CHECK(estate->read_log("sup01.contoso.com", "SUPSetup.log", expected.size()).empty());
  CHECK(estate->read_log("sup01.contoso.com", "SUPSetup.log", expected.size() + 100).empty());
  CHECK(estate->read_log("sup01.contoso.com", "WCM.log").empty());

  // A log name may name a folder below the host's.
  estate->append_log("sup01", "ConfigMgr/SMS_SUP/SiteComp.log", "line");
  CHECK(read_file(temp.lab() / "logs" / "sup01" / "ConfigMgr" / "SMS_SUP" / "SiteComp.log") == "line\r\n");
}

TEST_CASE("time moved in a transaction that is undone is undone, at any depth", "[lab][estate]") {
  TempDir dir("clock-undo");
  auto estate = open_estate(dir.lab());
  constexpr std::int64_t kStart = 1795248000;
  // The inner one undone before anything else read the clock in the outer one.
  CHECK(estate->transaction([&] {
    CHECK_FALSE(estate->transaction([&] {
      estate->advance(5);
      return false;
    }));
    return true;
  }));
  CHECK(estate->now() == kStart);
  // Moved, then a nested move undone: the first move stays.
  CHECK(estate->transaction([&] {
    estate->advance(7);
    CHECK_FALSE(estate->transaction([&] {
      estate->advance(100);
      CHECK(estate->now() == kStart + 107);
      return false;
    }));
    CHECK(estate->now() == kStart + 7);
    return true;
  }));
  CHECK(estate->now() == kStart + 7);
  // The outer one undone: nothing moved.
  CHECK_FALSE(estate->transaction([&] {
    estate->advance(9);
    return false;
  }));
  CHECK(open_estate(dir.lab())->now() == kStart + 7);
}

TEST_CASE("a delayed log line undone with its savepoint does not hide the ones still due", "[lab][estate]") {
  TempDir dir("pending-undo");
  auto estate = open_estate(dir.lab());
  estate->add_host({"SUP01.contoso.com"});
  estate->set_log_delay("sup01.contoso.com", 10);
  estate->append_log("sup01.contoso.com", "WCM.log", "first");
  CHECK(estate->transaction([&] {
    // Delivered and looked at again inside a savepoint that is then undone: the line is due again.
    CHECK_FALSE(estate->transaction([&] {
      estate->advance(20);
      estate->advance(1);
      return false;
    }));
    estate->advance(20);
    return true;
  }));
  // Files are not rolled back: the undone delivery wrote the line once, the kept one again.
  CHECK(estate->read_log("sup01.contoso.com", "WCM.log") == "first\r\nfirst\r\n");
  estate->advance(20);
  CHECK(estate->read_log("sup01.contoso.com", "WCM.log") == "first\r\nfirst\r\n");
}

TEST_CASE("values read in a transaction see its writes, its undos and nothing stale", "[lab][estate]") {
  TempDir dir("registry-in-transaction");
  auto estate = open_estate(dir.lab());
  estate->set_value("sup01", kKey, "Kept", {"dword", 1});
  estate->set_value("sup01", kKey, "Gone", {"string", "x"});
  estate->set_value("sup01", std::string(kKey) + "\\Sub", "Below", {"dword", 2});
  CHECK(estate->transaction([&] {
    CHECK(estate->value("SUP01", kKey, "kept")->data == 1);  // the host's values are read here
    estate->set_value("sup01", kKey, "Kept", {"qword", 10});
    CHECK(estate->value("sup01", kKey, "KEPT")->type == "qword");
    CHECK(estate->value("sup01", kKey, "Kept")->data == 10);
    estate->set_value("sup01", kKey, "New", {"multi_string", Json::array({"a"})});
    CHECK(estate->value("sup01", kKey, "new")->data == Json::array({"a"}));
    CHECK(estate->delete_value("sup01", kKey, "gone"));
    CHECK_FALSE(estate->value("sup01", kKey, "Gone"));
    // A savepoint undone puts back what it wrote: the values read after are the kept ones.
    CHECK_FALSE(estate->transaction([&] {
      estate->set_value("sup01", kKey, "Kept", {"dword", 99});
      CHECK(estate->value("sup01", kKey, "Kept")->data == 99);
      return false;
    }));
    CHECK(estate->value("sup01", kKey, "Kept")->data == 10);
    CHECK(estate->delete_key("sup01", std::string(kKey) + "\\Sub"));
    CHECK_FALSE(estate->value("sup01", std::string(kKey) + "\\Sub", "Below"));
    return true;
  }));
  // Another connection writes between two transactions: the next one reads its value.
  CHECK(estate->transaction([&] { return estate->value("sup01", kKey, "Kept").has_value(); }));
  open_estate(dir.lab())->set_value("sup01", kKey, "Kept", {"dword", 7});
  CHECK(estate->transaction([&] {
    CHECK(estate->value("sup01", kKey, "Kept")->data == 7);
    return true;
  }));
  // An outer transaction undone: none of its writes are read after it.
  CHECK_FALSE(estate->transaction([&] {
    CHECK(estate->value("sup01", kKey, "Kept")->data == 7);
    estate->set_value("sup01", kKey, "Kept", {"dword", 8});
    return false;
  }));
  CHECK(estate->value("sup01", kKey, "Kept")->data == 7);
  CHECK(estate->transaction([&] {
    CHECK(estate->value("sup01", kKey, "Kept")->data == 7);
    CHECK(estate->value("sup01", kKey, "New")->data == Json::array({"a"}));
    CHECK_FALSE(estate->value("sup01", kKey, "Gone"));
    return true;
  }));
}

TEST_CASE("the clock starts at 2026-11-21T08:00:00Z and advances", "[lab][estate]") {
  TempDir temp("clock");
  auto estate = open_estate(temp.lab());
  CHECK(estate->now() == 1795248000);
  estate->advance(1);
  estate->advance(3600);
  CHECK(estate->now() == 1795248000 + 3601);
}

TEST_CASE("faults match on host and operation", "[lab][estate]") {
  TempDir temp("faults-match");
  auto estate = open_estate(temp.lab());
  auto exact = estate->add_fault({0, "SUP01", "registry.set_value", "access_denied", "", -1});
  auto prefix = estate->add_fault({0, "sup01", "wsus.*", "timeout", "", -1});
  auto any = estate->add_fault({0, "sup02", "*", "unreachable", "down", -1});
  CHECK(exact < prefix);
  CHECK(prefix < any);

  auto taken = estate->take_fault("sup01", "registry.set_value");
  REQUIRE(taken);
  CHECK(taken->id == exact);
  CHECK(taken->kind == "access_denied");
  CHECK(taken->host == "SUP01");

  CHECK_FALSE(estate->take_fault("sup01", "registry.get_value"));
  CHECK_FALSE(estate->take_fault("sup01", "registry.set_value_extra"));
  CHECK_FALSE(estate->take_fault("sup01", "wsusx.get"));
  CHECK_FALSE(estate->take_fault("sup03", "registry.set_value"));

  taken = estate->take_fault("Sup01", "wsus.get_configuration");
  REQUIRE(taken);
  CHECK(taken->id == prefix);

  taken = estate->take_fault("SUP02", "anything.at_all");
  REQUIRE(taken);
  CHECK(taken->id == any);
  CHECK(taken->message == "down");
}

TEST_CASE("the first matching fault in id order is taken", "[lab][estate]") {
  TempDir temp("faults-order");
  auto estate = open_estate(temp.lab());
  auto first = estate->add_fault({0, "sup01", "*", "timeout", "", 1});
  auto second = estate->add_fault({0, "sup01", "registry.get_value", "failed", "", -1});
  CHECK(estate->take_fault("sup01", "registry.get_value")->id == first);
  CHECK(estate->take_fault("sup01", "registry.get_value")->id == second);
}

TEST_CASE("a fault counts down and disappears while -1 lasts forever", "[lab][estate]") {
  TempDir temp("faults-remaining");
  auto estate = open_estate(temp.lab());
  auto counted = estate->add_fault({0, "sup01", "service.start", "will_not_start", "", 2});
  auto forever = estate->add_fault({0, "sup02", "*", "failed", "", -1});

  auto taken = estate->take_fault("sup01", "service.start");
  REQUIRE(taken);
  CHECK(taken->remaining == 1);
  REQUIRE(estate->faults().size() == 2);
  CHECK(estate->faults()[0].id == counted);
  CHECK(estate->faults()[0].remaining == 1);

  taken = estate->take_fault("sup01", "service.start");
  REQUIRE(taken);
  CHECK(taken->remaining == 0);
  REQUIRE(estate->faults().size() == 1);
  CHECK(estate->faults()[0].id == forever);
  CHECK_FALSE(estate->take_fault("sup01", "service.start"));

  for (int i = 0; i < 5; ++i) CHECK(estate->take_fault("sup02", "service.start"));
  REQUIRE(estate->faults().size() == 1);
  CHECK(estate->faults()[0].remaining == -1);

  CHECK(estate->remove_fault(forever));
  CHECK_FALSE(estate->remove_fault(forever));
  CHECK_FALSE(estate->take_fault("sup02", "service.start"));
}

TEST_CASE("add_fault keeps a free id and assigns a new one otherwise", "[lab][estate]") {
  TempDir temp("faults-id");
  auto estate = open_estate(temp.lab());
  auto first = estate->add_fault({0, "sup01", "*", "failed", "", -1});
  auto second = estate->add_fault({0, "sup01", "*", "timeout", "", -1});
  Fault copy = estate->faults()[0];
  CHECK(estate->add_fault(copy) > second);  // the id is taken: a new one
  CHECK(estate->remove_fault(first));
  CHECK(estate->add_fault(copy) == first);  // free again: kept, so it is first again
  CHECK(estate->faults()[0].id == first);
}

TEST_CASE("reset empties the estate and the logs and resets the clock", "[lab][estate]") {
  TempDir temp("reset");
  auto estate = open_estate(temp.lab());
  estate->add_host({"sup01"});
  estate->set_value("sup01", kKey, "V", {"string", "x"});
  estate->put_service("sup01", {"WsusService", "WSUS Service", "automatic", "running", {}});
  estate->add_member("sup01", "Administrators", "CONTOSO\\a");
  estate->install_feature("sup01", "UpdateServices");
  estate->put_document("sup01", "sites", "PR1", {{"type", "primary"}});
  estate->add_fault({0, "sup01", "*", "failed", "", -1});
  estate->append_log("sup01", "WCM.log", "line");
  estate->advance(100);

  estate->reset();

  CHECK(estate->hosts().empty());
  CHECK_FALSE(estate->key_exists("sup01", kKey));
  CHECK(estate->values("sup01", kKey).empty());
  CHECK(estate->services("sup01").empty());
  CHECK(estate->members("sup01", "Administrators").empty());
  CHECK(estate->features("sup01").empty());
  CHECK(estate->documents("sup01", "sites").empty());
  CHECK(estate->faults().empty());
  CHECK(estate->read_log("sup01", "WCM.log").empty());
  CHECK(fs::is_directory(temp.lab() / "logs"));
  CHECK(fs::is_empty(temp.lab() / "logs"));
  CHECK(fs::exists(temp.lab() / "estate.db"));
  CHECK(estate->now() == 1795248000);
  CHECK(estate->add_fault({0, "sup01", "*", "failed", "", -1}) == 1);

  // It is still usable.
  estate->add_host({"sup02"});
  CHECK(estate->host("sup02"));
}

TEST_CASE("a transaction commits when its body returns true", "[lab][estate]") {
  TempDir temp("transaction-commit");
  auto estate = open_estate(temp.lab());
  CHECK(estate->transaction([&] {
    estate->set_value("sup01", kKey, "A", {"string", "a"});
    estate->advance(5);
    return true;
  }));
  CHECK(estate->value("sup01", kKey, "A"));
  CHECK(estate->now() == 1795248005);
}

TEST_CASE("a transaction rolls back when its body returns false", "[lab][estate]") {
  TempDir temp("transaction-false");
  auto estate = open_estate(temp.lab());
  estate->set_value("sup01", kKey, "Before", {"string", "kept"});
  CHECK_FALSE(estate->transaction([&] {
    estate->set_value("sup01", kKey, "Before", {"string", "changed"});
    estate->set_value("sup01", R"(HKLM\New\Key)", "A", {"string", "a"});
    estate->add_host({"sup01"});
    estate->advance(5);
    // Inside the body the writes are visible.
    CHECK(estate->value("sup01", R"(HKLM\New\Key)", "A"));
    return false;
  }));
  CHECK(estate->value("sup01", kKey, "Before")->data == "kept");
  CHECK_FALSE(estate->key_exists("sup01", R"(HKLM\New)"));
  CHECK(estate->hosts().empty());
  CHECK(estate->now() == 1795248000);
}

TEST_CASE("a transaction rolls back when its body throws and the exception goes on", "[lab][estate]") {
  TempDir temp("transaction-throw");
  auto estate = open_estate(temp.lab());
  CHECK_THROWS_WITH(estate->transaction([&]() -> bool {
    estate->put_document("sup01", "sites", "PR1", {{"type", "primary"}});
    throw std::runtime_error("boom");
  }),
                    "boom");
  CHECK_FALSE(estate->document("sup01", "sites", "PR1"));
  // The estate is not left inside a transaction.
  estate->put_document("sup01", "sites", "PR2", {{"type", "primary"}});
  auto reopened = open_estate(temp.lab());
  CHECK(reopened->document("sup01", "sites", "PR2"));
}

TEST_CASE("a transaction inside a transaction joins it", "[lab][estate]") {
  TempDir temp("transaction-nested");
  auto estate = open_estate(temp.lab());
  CHECK_FALSE(estate->transaction([&] {
    estate->install_feature("sup01", "Outer");
    CHECK(estate->transaction([&] {
      estate->install_feature("sup01", "Inner");
      return true;
    }));
    // An inner body that fails undoes only its own writes.
    CHECK_FALSE(estate->transaction([&] {
      estate->install_feature("sup01", "Undone");
      return false;
    }));
    CHECK(estate->features("sup01") == std::vector<std::string>{"Inner", "Outer"});
    return false;
  }));
  // The outer rollback takes the inner commit with it.
  CHECK(estate->features("sup01").empty());
}

TEST_CASE("reopening the estate keeps everything", "[lab][estate]") {
  TempDir temp("reopen");
  {
    auto estate = open_estate(temp.lab());
    estate->add_host({"SUP01", "Windows Server 2019", "10.0.17763"});
    estate->set_value("sup01", kKey, "Multi", {"multi_string", Json::array({"a", "b"})});
    estate->put_service("sup01", {"WsusService", "WSUS Service", "automatic", "running", {"W3SVC"}});
    estate->add_member("sup01", "Administrators", "CONTOSO\\a");
    estate->install_feature("sup01", "UpdateServices");
    estate->put_document("sup01", "sites", "PR1", {{"type", "primary"}});
    estate->add_fault({0, "sup01", "*", "timeout", "slow", 3});
    estate->append_log("sup01", "WCM.log", "line");
    estate->advance(42);
  }
  auto estate = open_estate(temp.lab());
  REQUIRE(estate->host("sup01"));
  CHECK(estate->host("sup01")->os == "Windows Server 2019");
  CHECK(estate->value("sup01", kKey, "multi")->data == Json::array({"a", "b"}));
  CHECK(estate->service("sup01", "wsusservice")->depends_on == std::vector<std::string>{"W3SVC"});
  CHECK(estate->members("sup01", "Administrators") == std::vector<std::string>{"CONTOSO\\a"});
  CHECK(estate->features("sup01") == std::vector<std::string>{"UpdateServices"});
  CHECK(estate->document("sup01", "sites", "PR1") == Json{{"type", "primary"}});
  REQUIRE(estate->faults().size() == 1);
  CHECK(estate->faults()[0].message == "slow");
  CHECK(estate->faults()[0].remaining == 3);
  CHECK(estate->read_log("sup01", "WCM.log") == "line\r\n");
  CHECK(estate->now() == 1795248042);
}

TEST_CASE("two threads writing values at once lose nothing", "[lab][estate]") {
  TempDir temp("threads");
  auto estate = open_estate(temp.lab());
  constexpr int kWrites = 200;
  auto writer = [&](std::string host) {
    for (int i = 0; i < kWrites; ++i) {
      if (i % 10 == 0) {
        estate->transaction([&] {
          estate->set_value(host, kKey, fmt::format("V{:03}", i), {"dword", i});
          estate->advance(1);
          return true;
        });
      } else {
        estate->set_value(host, kKey, fmt::format("V{:03}", i), {"dword", i});
        estate->advance(1);
      }
    }
  };
  std::thread first(writer, "sup01");
  std::thread second(writer, "sup02");
  first.join();
  second.join();
  for (std::string host : {"sup01", "sup02"}) {
    auto values = estate->values(host, kKey);
    REQUIRE(values.size() == kWrites);
    CHECK(values.front().first == "V000");
    CHECK(values.back().second.data == kWrites - 1);
  }
  CHECK(estate->now() == 1795248000 + 2 * kWrites);
}

}  // namespace
