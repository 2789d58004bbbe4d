// The host operations over the lab: logs.read and winhttp.show_proxy through the lab backend on a
// temporary estate, and the parity of their lab interpreters and PowerShell fragments.

#include <unistd.h>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/lab/backend.h"
#include "backends/lab/estate.h"
#include "model/base64.h"
#include "plugins/host/lab/interpreters.h"
#include "formats/winhttp.h"

namespace supctl::plugins::host {
namespace {

namespace fs = std::filesystem;
using model::Json;
using plugin::OperationResult;

constexpr const char* kHost = "pr1site.contoso.com";
constexpr const char* kOther = "pr1wsus.contoso.com";

/// A temporary lab estate with two hosts and the host operations, run through the lab backend.
class HostLab {
 public:
  explicit HostLab(const std::string& name)
      : dir_(fs::temp_directory_path() / fmt::format("supctl-host-lab-{}-{}", name, ::getpid())) {
    fs::remove_all(dir_);
    std::string error;
    estate = lab::Estate::open(dir_ / "lab", &error);
    INFO(error);
    REQUIRE(estate);
    estate->add_host(lab::HostInfo{.name = kHost});
    estate->add_host(lab::HostInfo{.name = kOther});
    add_lab_operations(table);
    backend = std::make_unique<lab::LabBackend>(*estate, table);
  }
  ~HostLab() {
    backend.reset();
    estate.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  /// Runs one operation on `host` through the lab backend (one batch, one round trip).
  OperationResult run(const std::string& name, const Json& params, const std::string& host = kHost) {
    std::vector<plugin::Operation> batch{plugin::Operation{name, params}};
    auto results = backend->run(ops::HostTarget{host, {}}, batch);
    REQUIRE(results.size() == 1);
    return results[0];
  }

  /// Runs one operation's lab interpreter directly, without the backend: the backend moves the
  /// simulated clock on by a second per operation, which a test of the clock itself must not have.
  OperationResult interpret(const std::string& name, const Json& params, const std::string& host = kHost) {
    const lab::Interpreter* interpreter = table.find(name);
    REQUIRE(interpreter);
    return (*interpreter)(*estate, host, params);
  }

  /// logs.read through the interpreter alone, required to succeed.
  Json read_now(const Json& params, const std::string& host = kHost) {
    OperationResult result = interpret("logs.read", params, host);
    INFO(result.error);
    REQUIRE(result.ok());
    return result.value;
  }

  /// logs.read, required to succeed.
  Json read(const Json& params, const std::string& host = kHost) {
    OperationResult result = run("logs.read", params, host);
    INFO(result.error);
    REQUIRE(result.ok());
    return result.value;
  }

  /// The file's bytes as they are on disk.
  std::string file(const std::string& log, const std::string& host = kHost) const {
    std::ifstream in(estate->log_path(host, log), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  std::unique_ptr<lab::Estate> estate;
  lab::OperationTable table;
  std::unique_ptr<lab::LabBackend> backend;

 private:
  fs::path dir_;
};

/// The bytes a logs.read result carries in `field`.
std::string decoded(const Json& result, const char* field = "data") {
  REQUIRE(result.contains(field));
  REQUIRE(result[field].is_string());
  auto bytes = model::base64_decode(result[field].get<std::string>());
  REQUIRE(bytes);
  return *bytes;
}

void set_winhttp(lab::Estate& estate, const std::string& type, const Json& data) {
  estate.set_value(kHost, formats::kWinHttpSettingsKey, formats::kWinHttpSettingsValue, lab::RegistryValue{type, data});
}

TEST_CASE("logs.read of a missing log reports it absent", "[host]") {
  HostLab lab("missing");
  Json result = lab.read(Json{{"log", "SiteComp.log"}});
  CHECK(result["exists"] == false);
  CHECK(result["size"] == 0);
  CHECK(result["data"] == "");
  CHECK(result["rotated"] == false);
  CHECK(decoded(result).empty());
}

TEST_CASE("logs.read returns the whole log and its size", "[host]") {
  HostLab lab("whole");
  lab.estate->append_log(kHost, "SiteComp.log", "first line");
  lab.estate->append_log(kHost, "SiteComp.log", "second line");
  const std::string bytes = lab.file("SiteComp.log");
  REQUIRE(bytes == "first line\r\nsecond line\r\n");

  Json result = lab.read(Json{{"log", "SiteComp.log"}});
  CHECK(result["exists"] == true);
  CHECK(result["path"] == lab.estate->log_path(kHost, "SiteComp.log").string());
  CHECK(result["size"] == bytes.size());
  CHECK(result["encoding"] == "utf-8");
  CHECK(result["offset"] == 0);
  CHECK(result["next_offset"] == bytes.size());
  CHECK(result["rotated"] == false);
  CHECK(decoded(result) == bytes);

  SECTION("another host's log of the same name is another file") {
    Json other = lab.read(Json{{"log", "SiteComp.log"}}, kOther);
    CHECK(other["exists"] == false);
    CHECK(other["size"] == 0);
  }
}

TEST_CASE("logs.read from an offset in the middle returns the rest", "[host]") {
  HostLab lab("middle");
  lab.estate->append_log(kHost, "WCM.log", "alpha");
  lab.estate->append_log(kHost, "WCM.log", "beta");
  const std::string bytes = lab.file("WCM.log");
  const std::size_t middle = std::string("alpha\r\n").size();

  Json result = lab.read(Json{{"log", "WCM.log"}, {"offset", middle}});
  CHECK(result["offset"] == middle);
  CHECK(result["size"] == bytes.size());
  CHECK(result["next_offset"] == bytes.size());
  CHECK(decoded(result) == "beta\r\n");
  CHECK(decoded(result) == bytes.substr(middle));

  SECTION("an offset at the end reads nothing") {
    Json end = lab.read(Json{{"log", "WCM.log"}, {"offset", bytes.size()}});
    CHECK(end["rotated"] == false);
    CHECK(end["offset"] == bytes.size());
    CHECK(end["next_offset"] == bytes.size());
    CHECK(decoded(end).empty());
  }
}

TEST_CASE("logs.read with offset -1 reports the size and reads nothing", "[host]") {
  HostLab lab("tail");
  lab.estate->append_log(kHost, "SiteComp.log", "one");
  lab.estate->append_log(kHost, "SiteComp.log", "two");
  const std::size_t size = lab.file("SiteComp.log").size();

  Json result = lab.read(Json{{"log", "SiteComp.log"}, {"offset", -1}});
  CHECK(result["exists"] == true);
  CHECK(result["size"] == size);
  CHECK(result["offset"] == size);
  CHECK(result["next_offset"] == size);
  CHECK(result["data"] == "");

  // A tracker starting there sees only what is written after.
  lab.estate->append_log(kHost, "SiteComp.log", "three");
  Json next = lab.read(Json{{"log", "SiteComp.log"}, {"offset", result["next_offset"]}});
  CHECK(decoded(next) == "three\r\n");
}

TEST_CASE("logs.read with max_bytes reads in pieces that reassemble the log", "[host]") {
  HostLab lab("pieces");
  for (int i = 0; i < 20; ++i) lab.estate->append_log(kHost, "SUPSetup.log", fmt::format("line {} of the role setup", i));
  const std::string bytes = lab.file("SUPSetup.log");

  Json first = lab.read(Json{{"log", "SUPSetup.log"}, {"offset", 0}, {"max_bytes", 7}});
  CHECK(first["offset"] == 0);
  CHECK(first["next_offset"] == 7);
  CHECK(decoded(first) == bytes.substr(0, 7));

  std::string assembled;
  std::int64_t offset = 0;
  int reads = 0;
  while (offset < static_cast<std::int64_t>(bytes.size())) {
    REQUIRE(++reads <= 1000);
    Json piece = lab.read(Json{{"log", "SUPSetup.log"}, {"offset", offset}, {"max_bytes", 50}});
    REQUIRE(piece["offset"] == offset);
    const std::string data = decoded(piece);
    CHECK(data.size() <= 50);
    REQUIRE_FALSE(data.empty());
    const std::int64_t next = piece["next_offset"].get<std::int64_t>();
    CHECK(next == offset + static_cast<std::int64_t>(data.size()));
    assembled += data;
    offset = next;
  }
  CHECK(assembled == bytes);
  CHECK(reads == static_cast<int>((bytes.size() + 49) / 50));
}

TEST_CASE("logs.read with rolled reads the rolled-over copy", "[host]") {
  HostLab lab("rolled");
  lab.estate->append_log(kHost, "SiteComp.log", "current");
  lab.estate->append_log(kHost, "SiteComp.lo_", "older");
  lab.estate->append_log(kHost, "SiteComp.lo_", "oldest kept");

  Json result = lab.read(Json{{"log", "SiteComp.log"}, {"rolled", true}});
  CHECK(result["exists"] == true);
  CHECK(result["path"] == lab.estate->log_path(kHost, "SiteComp.lo_").string());
  CHECK(result["size"] == lab.file("SiteComp.lo_").size());
  CHECK(decoded(result) == "older\r\noldest kept\r\n");

  Json current = lab.read(Json{{"log", "SiteComp.log"}, {"rolled", false}});
  CHECK(decoded(current) == "current\r\n");

  SECTION("no rolled-over copy is an absent log") {
    lab.estate->append_log(kHost, "WCM.log", "only the current one");
    Json none = lab.read(Json{{"log", "WCM.log"}, {"rolled", true}});
    CHECK(none["exists"] == false);
    CHECK(none["size"] == 0);
    CHECK(none["data"] == "");
  }
}

TEST_CASE("logs.read past the end of a reset log reports it rotated and reads from the start", "[host]") {
  HostLab lab("rotated");
  for (int i = 0; i < 5; ++i) lab.estate->append_log(kHost, "WCM.log", fmt::format("before the reset {}", i));
  const std::size_t before = lab.file("WCM.log").size();
  Json tail = lab.read(Json{{"log", "WCM.log"}, {"offset", -1}});
  REQUIRE(tail["next_offset"] == before);

  lab.estate->reset();
  lab.estate->add_host(lab::HostInfo{.name = kHost});
  lab.estate->append_log(kHost, "WCM.log", "after");
  const std::string after = lab.file("WCM.log");
  REQUIRE(after.size() < before);

  Json result = lab.read(Json{{"log", "WCM.log"}, {"offset", tail["next_offset"]}});
  CHECK(result["rotated"] == true);
  CHECK(result["offset"] == 0);
  CHECK(result["size"] == after.size());
  CHECK(result["next_offset"] == after.size());
  CHECK(decoded(result) == after);
}

TEST_CASE("logs.read refuses a name that is not a file name", "[host]") {
  HostLab lab("names");
  lab.estate->append_log(kHost, "SiteComp.log", "line");
  for (std::string name : {"..", "../SiteComp.log", "..\\SiteComp.log", "logs/SiteComp.log", "C:\\SMS\\Logs\\SiteComp.log",
                           "/etc/passwd", "sub\\..\\SiteComp.log"}) {
    INFO(name);
    OperationResult result = lab.run("logs.read", Json{{"log", name}});
    CHECK_FALSE(result.ok());
    CHECK(result.failure == plugin::FailureKind::kFailed);
    CHECK(result.error.find("is not a log file name") != std::string::npos);
    CHECK(result.error.find(name) != std::string::npos);
  }
  for (const Json& params : {Json::object(), Json{{"log", ""}}, Json{{"log", 42}}}) {
    INFO(params.dump());
    OperationResult result = lab.run("logs.read", params);
    CHECK_FALSE(result.ok());
    CHECK(result.error.find("'log'") != std::string::npos);
  }
}

TEST_CASE("logs.read sees a delayed host's lines only once the clock passes them", "[host]") {
  HostLab lab("delay");
  lab.estate->set_log_delay(kOther, 60);
  lab.estate->append_log(kOther, "SUPSetup.log", "SMSWSUS Setup Started");
  lab.estate->append_log(kOther, "SUPSetup.log", "Installation was successful");
  lab.estate->append_log(kHost, "SiteComp.log", "on time");

  Json early = lab.read_now(Json{{"log", "SUPSetup.log"}}, kOther);
  CHECK(early["exists"] == false);
  CHECK(early["size"] == 0);
  CHECK(decoded(early).empty());
  // The host without a delay is not held back.
  CHECK(decoded(lab.read_now(Json{{"log", "SiteComp.log"}})) == "on time\r\n");

  lab.estate->advance(59);
  CHECK(lab.read_now(Json{{"log", "SUPSetup.log"}}, kOther)["size"] == 0);

  lab.estate->advance(1);
  Json late = lab.read_now(Json{{"log", "SUPSetup.log"}}, kOther);
  CHECK(late["exists"] == true);
  CHECK(decoded(late) == "SMSWSUS Setup Started\r\nInstallation was successful\r\n");

  SECTION("a line appended later is held back from its own time") {
    lab.estate->append_log(kOther, "SUPSetup.log", "later");
    lab.estate->advance(59);
    CHECK(decoded(lab.read_now(Json{{"log", "SUPSetup.log"}}, kOther)) == "SMSWSUS Setup Started\r\nInstallation was successful\r\n");
    lab.estate->advance(1);
    CHECK(decoded(lab.read_now(Json{{"log", "SUPSetup.log"}}, kOther)) ==
          "SMSWSUS Setup Started\r\nInstallation was successful\r\nlater\r\n");
  }
  SECTION("through the backend whose every operation moves the clock a second they show up in time too") {
    lab.estate->append_log(kOther, "SUPSetup.log", "polled");
    int polls = 0;
    while (decoded(lab.read(Json{{"log", "SUPSetup.log"}}, kOther)).find("polled") == std::string::npos) REQUIRE(++polls < 60);
    CHECK(polls == 59);
  }
}

TEST_CASE("winhttp.show_proxy without a WinHttpSettings value prints direct access", "[host]") {
  HostLab lab("winhttp-direct");
  OperationResult result = lab.run("winhttp.show_proxy", Json::object());
  INFO(result.error);
  REQUIRE(result.ok());
  const std::string output = result.value.value("output", std::string());
  CHECK(output == formats::render_netsh_winhttp(formats::WinHttpProxy{}));
  std::string error;
  auto parsed = formats::parse_netsh_winhttp(output, &error);
  INFO(error);
  REQUIRE(parsed);
  CHECK(parsed->direct);

  SECTION("a value written by netsh winhttp reset proxy prints direct access too") {
    set_winhttp(*lab.estate, "binary", model::spaced_hex(formats::encode_winhttp_settings(formats::WinHttpProxy{}, 3)));
    OperationResult reset = lab.run("winhttp.show_proxy", Json::object());
    REQUIRE(reset.ok());
    CHECK(reset.value["output"] == formats::render_netsh_winhttp(formats::WinHttpProxy{}));
  }
}

TEST_CASE("winhttp.show_proxy prints the proxy of the WinHttpSettings value", "[host]") {
  HostLab lab("winhttp-proxy");
  const formats::WinHttpProxy proxy = formats::make_winhttp_proxy("proxy.contoso.com:8080", "<local>");
  set_winhttp(*lab.estate, "binary", model::spaced_hex(formats::encode_winhttp_settings(proxy)));

  OperationResult result = lab.run("winhttp.show_proxy", Json::object());
  INFO(result.error);
  REQUIRE(result.ok());
  const std::string output = result.value.value("output", std::string());
  CHECK(output == formats::render_netsh_winhttp(proxy));
  CHECK(output.find("proxy.contoso.com:8080") != std::string::npos);
  std::string error;
  auto parsed = formats::parse_netsh_winhttp(output, &error);
  INFO(error);
  REQUIRE(parsed);
  CHECK(*parsed == proxy);
  CHECK_FALSE(parsed->direct);

  SECTION("per-scheme proxies survive the round trip") {
    const formats::WinHttpProxy schemes = formats::make_winhttp_proxy("http=proxy.contoso.com:8080;https=secure.contoso.com:443");
    set_winhttp(*lab.estate, "binary", model::spaced_hex(formats::encode_winhttp_settings(schemes, 7)));
    OperationResult again = lab.run("winhttp.show_proxy", Json::object());
    REQUIRE(again.ok());
    auto back = formats::parse_netsh_winhttp(again.value["output"].get<std::string>(), &error);
    REQUIRE(back);
    CHECK(*back == schemes);
  }
  SECTION("the value is another host's only") {
    OperationResult other = lab.run("winhttp.show_proxy", Json::object(), kOther);
    REQUIRE(other.ok());
    CHECK(other.value["output"] == formats::render_netsh_winhttp(formats::WinHttpProxy{}));
  }
}

TEST_CASE("winhttp.show_proxy fails as netsh does on a value it cannot read", "[host]") {
  HostLab lab("winhttp-bad");
  SECTION("a string value") { set_winhttp(*lab.estate, "string", "proxy.contoso.com:8080"); }
  SECTION("a dword value") { set_winhttp(*lab.estate, "dword", 1); }
  SECTION("too short for its header") { set_winhttp(*lab.estate, "binary", "28 00 00 00 00 00"); }
  SECTION("a proxy length past the end") {
    set_winhttp(*lab.estate, "binary", "28 00 00 00 00 00 00 00 03 00 00 00 ff 00 00 00 70 72");
  }
  SECTION("not hex") { set_winhttp(*lab.estate, "binary", "zz yy"); }
  SECTION("an odd number of digits") { set_winhttp(*lab.estate, "binary", "28 00 0"); }
  OperationResult result = lab.run("winhttp.show_proxy", Json::object());
  INFO(result.error);
  CHECK_FALSE(result.ok());
  CHECK(result.failure == plugin::FailureKind::kFailed);
  CHECK(result.error.starts_with("Error querying"));
}

TEST_CASE("every host operation has a lab interpreter and a PowerShell fragment", "[host]") {
  lab::OperationTable table;
  add_lab_operations(table);
  CHECK(table.duplicates().empty());
  const std::vector<std::string> interpreted = table.names();

  std::vector<std::string> scripted;
  for (const plugin::ScriptFragment& fragment : host::powershell_fragments()) {
    scripted.emplace_back(fragment.operation);
    CHECK_FALSE(fragment.script.empty());
    CHECK((fragment.operation.starts_with("logs.") || fragment.operation.starts_with("winhttp.")));
  }
  // The fragments come sorted, as the table's names do.
  CHECK(std::is_sorted(scripted.begin(), scripted.end()));
  CHECK(interpreted == scripted);
  CHECK(interpreted == std::vector<std::string>{"logs.read", "winhttp.show_proxy"});
  for (const std::string& name : interpreted) CHECK(table.find(name) != nullptr);
}

}  // namespace
}  // namespace supctl::plugins::host
