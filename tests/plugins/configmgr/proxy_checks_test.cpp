// The proxy checks of a software update point (plugins/configmgr/evidence.h): which checks a SUP
// gets from its manifest, on which hosts with which operations, and how each is judged from the
// operations' results (the WinHTTP proxy of SYSTEM, the proxy WSUS got from ConfigMgr, the ADR
// proxy setting).

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "diag/render.h"
#include "manifest/validate.h"
#include "model/attributes.h"
#include "model/base64.h"
#include "plugins/configmgr/evidence.h"
#include "plugins/configmgr/plugin.h"
#include "formats/winhttp.h"

namespace supctl::plugins::configmgr {
namespace {

using plugin::FailureKind;
using model::Json;
using plugin::OperationResult;

constexpr const char* kSiteServer = "pr1site.contoso.com";
constexpr const char* kSupHost = "pr1wsus.contoso.com";
constexpr const char* kConnections = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections";

struct ManifestOptions {
  bool site_system_proxy = true;
  std::optional<bool> use_proxy = true;
  std::optional<bool> use_proxy_for_adr = true;
};

std::string manifest_text(const ManifestOptions& options) {
  std::string toml = R"(
[hierarchy]
name = "contoso"
configmgr = "current-branch"

[site.PR1]
type = "primary"
server = "pr1site.contoso.com"

[account.proxy_user]
user = 'CONTOSO\svc-cm-proxy'
password = { env = "CONTOSO_PROXY_PASSWORD" }

[proxy.corp]
server = "proxy.contoso.com"
port = 8080
account = "proxy_user"

[site_system."pr1wsus.contoso.com"]
site = "PR1"
)";
  if (options.site_system_proxy) toml += "proxy = \"corp\"\n";
  toml += "\n[software_update_point.\"pr1wsus.contoso.com\"]\nsite = \"PR1\"\n";
  if (options.use_proxy) toml += fmt::format("use_proxy = {}\n", *options.use_proxy);
  if (options.use_proxy_for_adr) toml += fmt::format("use_proxy_for_adr = {}\n", *options.use_proxy_for_adr);
  return toml;
}

/// A validated manifest and the checks the configmgr plugin makes for its SUP, as `supctl verify` asks.
class Checks {
 public:
  explicit Checks(const ManifestOptions& options = {}) : plugin_(make_plugin()) {
    const std::vector<const plugin::Plugin*> plugins{plugin_.get()};
    validation_ = manifest::validate_files({{"main.toml", manifest_text(options)}}, plugins, sources_);
    INFO(diag::render_text(validation_.diagnostics, sources_, {}));
    REQUIRE_FALSE(validation_.diagnostics.has_errors());
    const model::Resource* sup = validation_.manifest.find("software_update_point", kSupHost);
    REQUIRE(sup);
    host_ = plugin_->host_of(*sup, validation_.manifest);
    desired_ = model::desired_attributes(*sup);
    checks = sup_checks(plugin::CheckRequest{sup->address, host_, &desired_, nullptr, &validation_.manifest});
  }

  const std::string& host() const { return host_; }

  const plugin::Check& check(std::string_view name) const {
    auto it = std::find_if(checks.begin(), checks.end(), [&](const plugin::Check& c) { return c.name == name; });
    if (it == checks.end()) {
      FAIL("no check " << name);
      throw;
    }
    return *it;
  }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const plugin::Check& c : checks) out.push_back(c.name);
    return out;
  }

  std::vector<plugin::Check> checks;

 private:
  std::unique_ptr<plugin::Plugin> plugin_;
  diag::SourceSet sources_;
  manifest::Validation validation_;
  std::string host_;
  model::AttributeMap desired_;
};

OperationResult ok(Json value) { return OperationResult{FailureKind::kNone, std::move(value), {}}; }
OperationResult failure(FailureKind kind, std::string error) { return OperationResult{kind, nullptr, std::move(error)}; }

/// registry.get_value's result for WinHttpSettings holding `blob`.
OperationResult registry_blob(std::string_view blob) {
  return ok(Json{{"exists", true}, {"key", kConnections}, {"name", "WinHttpSettings"}, {"type", "binary"}, {"data", model::spaced_hex(blob)}});
}
OperationResult registry_proxy(const formats::WinHttpProxy& proxy) { return registry_blob(formats::encode_winhttp_settings(proxy, 4)); }
OperationResult registry_absent() {
  return ok(Json{{"exists", false}, {"key", kConnections}, {"name", "WinHttpSettings"}, {"type", nullptr}, {"data", nullptr}});
}
OperationResult netsh(const formats::WinHttpProxy& proxy) { return ok(Json{{"output", formats::render_netsh_winhttp(proxy)}}); }

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

plugin::CheckResult evaluate(const plugin::Check& check, std::vector<OperationResult> results) { return evaluate_sup_check(check, results); }

const formats::WinHttpProxy kCorp = formats::make_winhttp_proxy("proxy.contoso.com:8080", "<local>");

// The checks a SUP gets.

TEST_CASE("a SUP using the proxy for WSUS and ADRs gets three proxy checks", "[configmgr][proxy]") {
  Checks made;
  REQUIRE(made.host() == kSiteServer);
  REQUIRE(made.names() == std::vector<std::string>{"winhttp-proxy", "wsus-proxy", "adr-proxy"});

  const plugin::Check& winhttp = made.check("winhttp-proxy");
  CHECK(winhttp.address.kind == "software_update_point");
  CHECK(winhttp.address.name == kSupHost);
  CHECK(winhttp.title.find(kSupHost) != std::string::npos);
  REQUIRE(winhttp.operations.size() == 2);
  CHECK(winhttp.operations[0].host == kSupHost);
  CHECK(winhttp.operations[0].operation.name == "registry.get_value");
  CHECK(winhttp.operations[0].operation.params["key"] == kConnections);
  CHECK(winhttp.operations[0].operation.params["name"] == "WinHttpSettings");
  CHECK(winhttp.operations[1].host == kSupHost);
  CHECK(winhttp.operations[1].operation.name == "winhttp.show_proxy");
  CHECK(winhttp.expected["proxy"] == Json{{"server", "proxy.contoso.com"}, {"port", 8080}, {"account", "CONTOSO\\svc-cm-proxy"}});

  const plugin::Check& wsus = made.check("wsus-proxy");
  REQUIRE(wsus.operations.size() == 2);
  CHECK(wsus.operations[0].host == kSupHost);
  CHECK(wsus.operations[0].operation.name == "wsus.get");
  CHECK(wsus.operations[1].host == kSiteServer);
  CHECK(wsus.operations[1].operation.name == "logs.read");
  CHECK(wsus.operations[1].operation.params["log"] == "WCM.log");
  CHECK(wsus.operations[1].operation.params["component"] == "SMS_WSUS_CONFIGURATION_MANAGER");
  CHECK(wsus.expected["site_server"] == kSiteServer);
  CHECK(wsus.expected["proxy"]["server"] == "proxy.contoso.com");

  const plugin::Check& adr = made.check("adr-proxy");
  REQUIRE(adr.operations.size() == 1);
  CHECK(adr.operations[0].host == kSiteServer);
  CHECK(adr.operations[0].operation.name == "configmgr.get_sup");
  CHECK(adr.operations[0].operation.params["fqdn"] == kSupHost);
  CHECK(adr.operations[0].operation.params["site"] == "PR1");
  CHECK(adr.expected["use_proxy_for_adr"] == true);
}

TEST_CASE("a SUP that does not declare use_proxy gets only the WinHTTP check", "[configmgr][proxy]") {
  Checks made(ManifestOptions{.use_proxy = std::nullopt, .use_proxy_for_adr = std::nullopt});
  CHECK(made.names() == std::vector<std::string>{"winhttp-proxy"});
}

TEST_CASE("a SUP declaring use_proxy false still checks that WSUS has no proxy", "[configmgr][proxy]") {
  Checks made(ManifestOptions{.use_proxy = false, .use_proxy_for_adr = false});
  CHECK(made.names() == std::vector<std::string>{"winhttp-proxy", "wsus-proxy", "adr-proxy"});
  CHECK(made.check("wsus-proxy").expected["proxy"].is_null());
  CHECK(made.check("adr-proxy").expected["use_proxy_for_adr"] == false);

  Json no_proxy{{"installed", true}, {"configuration", Json{{"proxy", nullptr}}}};
  CHECK(evaluate(made.check("wsus-proxy"), {ok(no_proxy), ok(Json{{"exists", false}, {"data", ""}})}).passed);
  CHECK(evaluate(made.check("adr-proxy"), {ok(Json{{"exists", true}, {"use_proxy_for_adr", false}})}).passed);
}

TEST_CASE("other kinds get no checks", "[configmgr][proxy]") {
  plugin::CheckRequest request{model::Address{"site_system", kSupHost}, kSiteServer, nullptr, nullptr, nullptr};
  CHECK(sup_checks(request).empty());
}

// winhttp-proxy.

TEST_CASE("winhttp-proxy passes when the registry blob holds the site system's proxy", "[configmgr][proxy]") {
  Checks made;
  auto result = evaluate(made.check("winhttp-proxy"), {registry_proxy(kCorp), netsh(kCorp)});
  INFO(result.summary << "\n" << joined(result.details));
  CHECK(result.passed);
  CHECK(result.summary.find("proxy.contoso.com:8080") != std::string::npos);
  CHECK(result.hint.empty());
  REQUIRE_FALSE(result.details.empty());
  CHECK(result.details[0] == "read from the WinHttpSettings registry value");
  CHECK(joined(result.details).find("<local>") != std::string::npos);

  SECTION("host names compare without case") {
    auto upper = evaluate(made.check("winhttp-proxy"), {registry_proxy(formats::make_winhttp_proxy("PROXY.CONTOSO.COM:8080")), netsh(kCorp)});
    CHECK(upper.passed);
  }
}

TEST_CASE("winhttp-proxy fails on direct access naming the declared proxy", "[configmgr][proxy]") {
  Checks made;
  auto result = evaluate(made.check("winhttp-proxy"), {registry_proxy(formats::WinHttpProxy{}), netsh(formats::WinHttpProxy{})});
  INFO(result.summary);
  CHECK_FALSE(result.passed);
  CHECK(result.summary.find("direct access") != std::string::npos);
  CHECK(result.summary.find("'proxy.contoso.com:8080'") != std::string::npos);
  CHECK(result.summary.find(kSupHost) != std::string::npos);
  CHECK(result.hint.find("netsh winhttp set proxy") != std::string::npos);
  CHECK(result.hint.find("proxy.contoso.com:8080") != std::string::npos);
}

TEST_CASE("winhttp-proxy fails when https goes through another proxy", "[configmgr][proxy]") {
  Checks made;
  auto schemes = formats::make_winhttp_proxy("http=proxy.contoso.com:8080;https=other.contoso.com:3128");
  auto result = evaluate(made.check("winhttp-proxy"), {registry_proxy(schemes), netsh(schemes)});
  INFO(result.summary);
  CHECK_FALSE(result.passed);
  CHECK(result.summary.find("https") != std::string::npos);
  CHECK(result.summary.find("other.contoso.com:3128") != std::string::npos);
  CHECK(result.summary.find("sends http ") == std::string::npos);  // http goes where it should
  CHECK(result.hint.find("netsh winhttp set proxy") != std::string::npos);

  SECTION("another port on the same proxy fails too") {
    auto port = evaluate(made.check("winhttp-proxy"), {registry_proxy(formats::make_winhttp_proxy("proxy.contoso.com:3128")), netsh(kCorp)});
    CHECK_FALSE(port.passed);
    CHECK(port.summary.find("proxy.contoso.com:3128") != std::string::npos);
  }
}

TEST_CASE("winhttp-proxy without a WinHttpSettings value is direct access", "[configmgr][proxy]") {
  SECTION("failed when the site system has a proxy") {
    Checks made;
    auto result = evaluate(made.check("winhttp-proxy"), {registry_absent(), netsh(formats::WinHttpProxy{})});
    INFO(result.summary);
    CHECK_FALSE(result.passed);
    CHECK(result.summary.find("direct access") != std::string::npos);
    REQUIRE_FALSE(result.details.empty());
    CHECK(result.details[0].find("no WinHttpSettings value") != std::string::npos);
  }
  SECTION("passed when the site system has none") {
    Checks made(ManifestOptions{.site_system_proxy = false, .use_proxy = std::nullopt, .use_proxy_for_adr = std::nullopt});
    CHECK(made.check("winhttp-proxy").expected["proxy"].is_null());
    auto result = evaluate(made.check("winhttp-proxy"), {registry_absent(), netsh(formats::WinHttpProxy{})});
    INFO(result.summary);
    CHECK(result.passed);
    CHECK(result.summary.find("direct access") != std::string::npos);
    CHECK(result.summary.find("declares no proxy") != std::string::npos);
  }
}

TEST_CASE("winhttp-proxy is judged from netsh when the registry cannot be read", "[configmgr][proxy]") {
  Checks made;
  const OperationResult denied = failure(FailureKind::kAccessDenied, "Requested registry access is not allowed.");
  SECTION("netsh shows the proxy") {
    auto result = evaluate(made.check("winhttp-proxy"), {denied, netsh(kCorp)});
    INFO(result.summary << "\n" << joined(result.details));
    CHECK(result.passed);
    REQUIRE_FALSE(result.details.empty());
    CHECK(result.details[0] == "read from netsh winhttp show proxy");
  }
  SECTION("netsh shows direct access") {
    auto result = evaluate(made.check("winhttp-proxy"), {denied, netsh(formats::WinHttpProxy{})});
    CHECK_FALSE(result.passed);
    CHECK(result.summary.find("direct access") != std::string::npos);
    REQUIRE_FALSE(result.details.empty());
    CHECK(result.details[0] == "read from netsh winhttp show proxy");
  }
  SECTION("an undecodable blob falls back to netsh too") {
    auto result = evaluate(made.check("winhttp-proxy"), {registry_blob(std::string("\x28\x00\x00", 3)), netsh(kCorp)});
    CHECK(result.passed);
    REQUIRE_FALSE(result.details.empty());
    CHECK(result.details[0] == "read from netsh winhttp show proxy");
  }
}

TEST_CASE("winhttp-proxy reports both problems when neither source can be read", "[configmgr][proxy]") {
  Checks made;
  const std::string german = "\r\nAktuelle WinHTTP-Proxyeinstellungen:\r\n\r\n    Direkter Zugriff (kein Proxyserver).\r\n\r\n";
  auto result = evaluate(made.check("winhttp-proxy"), {registry_blob(std::string("\x28\x00\x00", 3)), ok(Json{{"output", german}})});
  INFO(result.summary << "\n" << joined(result.details));
  CHECK_FALSE(result.passed);
  CHECK(result.summary.find("cannot be read") != std::string::npos);
  CHECK(result.summary.find(kSupHost) != std::string::npos);
  CHECK_FALSE(result.hint.empty());
  REQUIRE(result.details.size() == 2);
  CHECK(result.details[0].find("WinHttpSettings value cannot be decoded") != std::string::npos);
  CHECK(result.details[0].find("3 bytes") != std::string::npos);
  CHECK(result.details[1].find("not understood") != std::string::npos);
  CHECK(result.details[1].find("Aktuelle WinHTTP-Proxyeinstellungen:") != std::string::npos);

  SECTION("a failed netsh is quoted as well") {
    auto both = evaluate(made.check("winhttp-proxy"),
                         {failure(FailureKind::kFailed, "access denied"), failure(FailureKind::kFailed, "netsh winhttp show proxy failed (1)")});
    CHECK_FALSE(both.passed);
    REQUIRE(both.details.size() == 2);
    CHECK(both.details[0].find("the registry cannot be read: access denied") != std::string::npos);
    CHECK(both.details[1].find("netsh winhttp show proxy failed") != std::string::npos);
  }
}

// wsus-proxy.

/// A CMTrace line of WCM.log.
std::string wcm_line(std::string_view message, int second) {
  return fmt::format(
      "<![LOG[{}]LOG]!><time=\"08:00:{:02}.000+000\" date=\"11-21-2026\" component=\"SMS_WSUS_CONFIGURATION_MANAGER\" context=\"\" "
      "type=\"1\" thread=\"5080\" file=\"wsyncmgr.cpp:2207\">\r\n",
      message, second);
}

/// logs.read's result carrying `log`.
OperationResult wcm_read(const std::string& log) {
  return ok(Json{{"exists", true}, {"path", "D:\\Program Files\\Microsoft Configuration Manager\\Logs\\WCM.log"}, {"size", log.size()},
                 {"encoding", "utf-8"}, {"offset", 0}, {"next_offset", log.size()}, {"data", model::base64_encode(log)},
                 {"rotated", false}, {"previous", ""}});
}

Json wsus_with_proxy(const Json& proxy) { return Json{{"installed", true}, {"configuration", Json{{"proxy", proxy}}}}; }

const Json kWsusProxy{{"server", "proxy.contoso.com"}, {"port", 8080}, {"account", "CONTOSO\\svc-cm-proxy"}};

TEST_CASE("wsus-proxy passes when WSUS has the site system's proxy", "[configmgr][proxy]") {
  Checks made;
  auto result = evaluate(made.check("wsus-proxy"), {ok(wsus_with_proxy(kWsusProxy)), wcm_read("")});
  INFO(result.summary);
  CHECK(result.passed);
  CHECK(result.summary.find("'proxy.contoso.com:8080' as 'CONTOSO\\svc-cm-proxy'") != std::string::npos);
  CHECK(result.details.empty());

  SECTION("server and account compare without case") {
    Json shouted{{"server", "PROXY.CONTOSO.COM"}, {"port", 8080}, {"account", "contoso\\SVC-CM-PROXY"}};
    CHECK(evaluate(made.check("wsus-proxy"), {ok(wsus_with_proxy(shouted)), wcm_read("")}).passed);
  }
}

TEST_CASE("wsus-proxy fails on another port naming both proxies and WCM.log", "[configmgr][proxy]") {
  Checks made;
  Json other = kWsusProxy;
  other["port"] = 3128;
  auto result = evaluate(made.check("wsus-proxy"), {ok(wsus_with_proxy(other)), wcm_read("")});
  INFO(result.summary << "\n" << result.hint);
  CHECK_FALSE(result.passed);
  CHECK(result.summary.find("'proxy.contoso.com:3128'") != std::string::npos);
  CHECK(result.summary.find("'proxy.contoso.com:8080'") != std::string::npos);
  CHECK(result.hint.find("WCM.log on pr1site.contoso.com") != std::string::npos);

  SECTION("no proxy at all") {
    auto none = evaluate(made.check("wsus-proxy"), {ok(wsus_with_proxy(nullptr)), wcm_read("")});
    CHECK_FALSE(none.passed);
    CHECK(none.summary.find("uses proxy none") != std::string::npos);
  }
  SECTION("another account") {
    Json account = kWsusProxy;
    account["account"] = "CONTOSO\\someone-else";
    CHECK_FALSE(evaluate(made.check("wsus-proxy"), {ok(wsus_with_proxy(account)), wcm_read("")}).passed);
  }
}

TEST_CASE("wsus-proxy quotes the last WCM.log proxy lines of this server only", "[configmgr][proxy]") {
  Checks made;
  std::string log;
  int second = 0;
  log += wcm_line("Attempting connection to WSUS server: PR1WSUS.CONTOSO.COM, port: 8530, useSSL: False", second++);
  log += wcm_line("Successfully connected to server: PR1WSUS.CONTOSO.COM, port: 8530, useSSL: False", second++);
  for (int port : {3121, 3122, 3123, 3124, 3125, 3126, 3127}) {
    log += wcm_line(fmt::format("Proxy settings set on WSUS Server PR1WSUS.CONTOSO.COM: proxy server proxy.contoso.com, port {}.", port),
                    second++);
    log += wcm_line(fmt::format("Proxy settings set on WSUS Server PR2WSUS.CONTOSO.COM: proxy server elsewhere.contoso.com, port {}.", port),
                    second++);
  }
  log += wcm_line("Successfully checked database connection on WSUS server PR1WSUS.CONTOSO.COM", second++);
  log += wcm_line("Proxy settings set on WSUS Server PR2WSUS.CONTOSO.COM: proxy server elsewhere.contoso.com, port 9999.", second++);

  Json other = kWsusProxy;
  other["port"] = 3127;
  auto result = evaluate(made.check("wsus-proxy"), {ok(wsus_with_proxy(other)), wcm_read(log)});
  const std::string details = joined(result.details);
  INFO(details);
  CHECK_FALSE(result.passed);
  REQUIRE(result.details.size() == 5);
  for (std::size_t i = 0; i < result.details.size(); ++i) {
    const std::string& line = result.details[i];
    CHECK(line.starts_with("WCM.log:"));
    CHECK(line.find("PR1WSUS.CONTOSO.COM") != std::string::npos);
    CHECK(line.find(fmt::format("port {}.", 3123 + i)) != std::string::npos);
  }
  CHECK(details.find("PR2WSUS") == std::string::npos);
  CHECK(details.find("elsewhere.contoso.com") == std::string::npos);
  CHECK(details.find("3122") == std::string::npos);
  // The line number and the time of the entry are quoted.
  CHECK(result.details.back().starts_with("WCM.log:15 [2026-11-21 08:00:14"));

  SECTION("a line about the proxy that names no server is quoted") {
    const std::string empty = wcm_line("The address of the proxy server cannot be empty", 0);
    auto quoted = evaluate(made.check("wsus-proxy"), {ok(wsus_with_proxy(other)), wcm_read(empty)});
    REQUIRE(quoted.details.size() == 1);
    CHECK(quoted.details[0].find("The address of the proxy server cannot be empty") != std::string::npos);
  }
  SECTION("a WCM.log that cannot be read is said so") {
    auto unread = evaluate(made.check("wsus-proxy"), {ok(wsus_with_proxy(other)), failure(FailureKind::kAccessDenied, "denied")});
    REQUIRE(unread.details.size() == 1);
    CHECK(unread.details[0] == "WCM.log cannot be read: denied");
  }
}

TEST_CASE("wsus-proxy fails when WSUS is not installed or cannot be read", "[configmgr][proxy]") {
  Checks made;
  auto absent = evaluate(made.check("wsus-proxy"), {ok(Json{{"installed", false}}), wcm_read("")});
  INFO(absent.summary);
  CHECK_FALSE(absent.passed);
  CHECK(absent.summary.find("not installed") != std::string::npos);
  CHECK(absent.summary.find(kSupHost) != std::string::npos);
  CHECK_FALSE(absent.hint.empty());

  auto unreachable = evaluate(made.check("wsus-proxy"), {failure(FailureKind::kUnreachable, "WinRM cannot reach the host"), wcm_read("")});
  CHECK_FALSE(unreachable.passed);
  CHECK(unreachable.summary.find("WinRM cannot reach the host") != std::string::npos);

  CHECK_FALSE(evaluate(made.check("wsus-proxy"), {}).passed);
}

// adr-proxy.

TEST_CASE("adr-proxy compares use_proxy_for_adr with the manifests", "[configmgr][proxy]") {
  Checks made;
  const plugin::Check& adr = made.check("adr-proxy");

  auto yes = evaluate(adr, {ok(Json{{"exists", true}, {"fqdn", kSupHost}, {"use_proxy_for_adr", true}})});
  INFO(yes.summary);
  CHECK(yes.passed);
  CHECK(yes.hint.empty());

  auto no = evaluate(adr, {ok(Json{{"exists", true}, {"fqdn", kSupHost}, {"use_proxy_for_adr", false}})});
  CHECK_FALSE(no.passed);
  CHECK(no.summary.find("use_proxy_for_adr = false") != std::string::npos);
  CHECK_FALSE(no.hint.empty());

  auto missing = evaluate(adr, {ok(Json{{"exists", false}, {"fqdn", kSupHost}})});
  CHECK_FALSE(missing.passed);
  CHECK(missing.summary.find("no software update point role") != std::string::npos);

  auto unset = evaluate(adr, {ok(Json{{"exists", true}, {"fqdn", kSupHost}, {"use_proxy_for_adr", nullptr}})});
  CHECK_FALSE(unset.passed);

  auto down = evaluate(adr, {failure(FailureKind::kUnreachable, "the SMS Provider does not answer")});
  CHECK_FALSE(down.passed);
  CHECK(down.summary.find("the SMS Provider does not answer") != std::string::npos);
}

TEST_CASE("an unknown check name fails", "[configmgr][proxy]") {
  Checks made;
  plugin::Check unknown = made.check("adr-proxy");
  unknown.name = "no-such-check";
  auto result = evaluate(unknown, {ok(Json::object())});
  CHECK_FALSE(result.passed);
  CHECK(result.summary.find("no-such-check") != std::string::npos);
}

}  // namespace
}  // namespace supctl::plugins::configmgr
