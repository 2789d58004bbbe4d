#include "plugins/configmgr/evidence.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "model/base64.h"
#include "model/text.h"
#include "plugins/common/proxy.h"
#include "plugins/configmgr/placement.h"
#include "formats/log.h"
#include "formats/winhttp.h"

namespace supctl::plugins::configmgr {
namespace {

using model::Json;
using plugin::LogSource;

constexpr std::size_t kProxyLinesQuoted = 5;

std::string proxy_text(const Json& proxy) {
  if (!proxy.is_object()) return "none";
  std::string text = fmt::format("'{}:{}'", proxy.value("server", std::string()), proxy.value("port", Json(80)).dump());
  if (proxy.contains("account") && proxy["account"].is_string()) text += fmt::format(" as '{}'", proxy["account"].get<std::string>());
  return text;
}

plugin::CheckResult fail(std::string summary, std::string hint, std::vector<std::string> details = {}) {
  return plugin::CheckResult{false, std::move(summary), std::move(details), std::move(hint)};
}
plugin::CheckResult pass(std::string summary, std::vector<std::string> details = {}) {
  return plugin::CheckResult{true, std::move(summary), std::move(details), {}};
}

plugin::CheckResult evaluate_winhttp(const plugin::Check& check, std::span<const plugin::OperationResult> results) {
  // The registry value first (the same on every language of Windows), netsh's text otherwise.
  std::optional<formats::WinHttpProxy> seen;
  std::string source;
  std::vector<std::string> problems;
  if (!results.empty() && results[0].ok()) {
    const Json& value = results[0].value;
    if (value.value("exists", false)) {
      std::string error;
      const Json data = value.value("data", Json(nullptr));
      auto blob = data.is_string() ? model::bytes_of_spaced_hex(data.get<std::string>()) : std::nullopt;
      seen = blob ? formats::decode_winhttp_settings(*blob, &error) : std::nullopt;
      if (seen) {
        source = "the WinHttpSettings registry value";
      } else {
        problems.push_back(fmt::format("the WinHttpSettings value cannot be decoded: {}", blob ? error : "it is not binary"));
      }
    } else {
      seen = formats::WinHttpProxy{};  // no value: WinHTTP was never set, direct access
      source = "no WinHttpSettings value (never set)";
    }
  } else if (!results.empty()) {
    problems.push_back("the registry cannot be read: " + results[0].error);
  }
  if (!seen && results.size() > 1) {
    if (results[1].ok()) {
      std::string error;
      seen = formats::parse_netsh_winhttp(results[1].value.value("output", std::string()), &error);
      if (seen) {
        source = "netsh winhttp show proxy";
      } else {
        problems.push_back(error);
      }
    } else {
      problems.push_back("netsh winhttp show proxy failed: " + results[1].error);
    }
  }
  const std::string& fqdn = check.address.name;
  if (!seen) return fail(fmt::format("the WinHTTP proxy of SYSTEM on {} cannot be read", fqdn), "run 'netsh winhttp show proxy' there as SYSTEM (psexec -s)", problems);
  const std::string now = seen->direct ? "direct access (no proxy server)" : fmt::format("proxy '{}'", seen->server_list);
  std::vector<std::string> details{fmt::format("read from {}", source)};
  if (!seen->bypass_list.empty()) details.push_back(fmt::format("bypass list '{}'", seen->bypass_list));
  const Json& proxy = check.expected["proxy"];
  if (!proxy.is_object()) {
    return pass(fmt::format("WinHTTP on {} uses {}; the site system declares no proxy", fqdn, now), std::move(details));
  }
  const std::string server = proxy.value("server", std::string());
  const int port = proxy.value("port", 80);
  if (auto differs = formats::winhttp_differs(*seen, server, port)) {
    return fail(fmt::format("{} on {}: the site system's proxy is '{}:{}'", *differs, fqdn, server, port),
                fmt::format("as an administrator on {} run: netsh winhttp set proxy proxy-server=\"{}:{}\" bypass-list=\"<local>\" "
                            "(or 'netsh winhttp import proxy source=ie' when Internet Explorer's proxy is right); the seeds' check is "
                            "'netsh winhttp show proxy' from a SYSTEM prompt (psexec -s -i cmd)",
                            fqdn, server, port),
                std::move(details));
  }
  return pass(fmt::format("WinHTTP on {} uses the site system's proxy '{}:{}'", fqdn, server, port), std::move(details));
}

/// WCM.log's lines about the proxy for `server`, the last few.
std::vector<std::string> proxy_lines(const plugin::OperationResult& read, std::string_view server) {
  std::vector<std::string> lines;
  if (!read.ok()) return {fmt::format("WCM.log cannot be read: {}", read.error)};
  auto bytes = model::base64_decode(read.value.value("data", std::string()));
  if (!bytes) return lines;
  const std::string server_upper = model::upper(server);
  for (const formats::LogEntry& entry : formats::read_log(*bytes)) {
    std::string message = model::upper(entry.message);
    if (message.find("PROXY") == std::string::npos) continue;
    if (message.find(server_upper) == std::string::npos && message.find("SERVER") != std::string::npos &&
        (message.find("PROXY SERVER") == std::string::npos || message.find("WSUS SERVER") != std::string::npos)) {
      continue;  // about another WSUS server
    }
    lines.push_back(fmt::format("WCM.log:{} {}{}", entry.line, entry.time ? "[" + entry.time->str() + "] " : std::string(), entry.message));
  }
  if (lines.size() > kProxyLinesQuoted) lines.erase(lines.begin(), lines.end() - kProxyLinesQuoted);
  return lines;
}

plugin::CheckResult evaluate_wsus_proxy(const plugin::Check& check, std::span<const plugin::OperationResult> results) {
  const std::string& fqdn = check.address.name;
  const std::string site_server = check.expected.value("site_server", std::string());
  if (results.empty() || !results[0].ok()) {
    return fail(fmt::format("the WSUS proxy on {} cannot be read: {}", fqdn, results.empty() ? "no result" : results[0].error),
                "check that WSUS answers there (Get-WsusServer)");
  }
  std::vector<std::string> wcm = results.size() > 1 ? proxy_lines(results[1], fqdn) : std::vector<std::string>{};
  const Json& value = results[0].value;
  if (!value.value("installed", false)) {
    return fail(fmt::format("WSUS is not installed on {}", fqdn), "install WSUS there before the software update point", wcm);
  }
  Json configuration = value.value("configuration", Json::object());
  Json seen = configuration.is_object() ? configuration.value("proxy", Json(nullptr)) : Json(nullptr);
  const Json& wanted = check.expected["proxy"];
  if ((!wanted.is_object() && !seen.is_object()) || common::same_proxy(wanted, seen)) {
    return pass(fmt::format("WSUS on {} uses the site system's proxy {}", fqdn, proxy_text(wanted)), wcm);
  }
  return fail(fmt::format("WSUS on {} uses proxy {}, but the software update point uses the site system's proxy {}", fqdn, proxy_text(seen),
                          proxy_text(wanted)),
              fmt::format("ConfigMgr's WSUS Configuration Manager sets WSUS's proxy from the site system: look at WCM.log on {} for why "
                          "it did not (the lines below, if any); change the proxy in ConfigMgr, not in the WSUS console",
                          site_server),
              wcm);
}

plugin::CheckResult evaluate_adr_proxy(const plugin::Check& check, std::span<const plugin::OperationResult> results) {
  const std::string& fqdn = check.address.name;
  if (results.empty() || !results[0].ok()) {
    return fail(fmt::format("the software update point on {} cannot be read: {}", fqdn, results.empty() ? "no result" : results[0].error),
                "check the SMS Provider");
  }
  const Json& value = results[0].value;
  if (!value.value("exists", false)) return fail(fmt::format("{} has no software update point role", fqdn), "run supctl apply");
  const bool wanted = check.expected.value("use_proxy_for_adr", false);
  const Json seen = value.value("use_proxy_for_adr", Json(nullptr));
  if (seen.is_boolean() && seen.get<bool>() == wanted) {
    return pass(fmt::format("automatic deployment rules on {} {} the site system's proxy, as declared", fqdn, wanted ? "use" : "do not use"));
  }
  return fail(fmt::format("the software update point on {} has use_proxy_for_adr = {}; the manifests say {}", fqdn, seen.dump(), wanted),
              "run supctl plan and apply to set it");
}

}  // namespace

std::optional<plugin::InstallChain> sup_evidence(const plugin::EvidenceRequest& request) {
  if (request.address.kind != "software_update_point" || request.host.empty()) return std::nullopt;
  const bool reinstall = request.action == plugin::Action::kUpdate && request.observed && request.observed->contains("installed") &&
                         request.observed->at("installed") == false;
  if (request.action != plugin::Action::kCreate && request.action != plugin::Action::kNoOp && !reinstall) return std::nullopt;

  const std::string& fqdn = request.address.name;
  const std::string server = model::upper(fqdn);
  const std::string bootstrap = "SMS_SERVER_BOOTSTRAP_" + netbios_of(fqdn);
  // The SMS Provider stores the role; Site Component Manager and WSUS Configuration Manager run on
  // the site server, which is the provider's machine unless the site names another provider.
  const std::string site_server = model::referenced_string(request.references, "site", "server").value_or(request.host);
  const LogSource smsprov{request.host, "SMSProv.log", "SMS_PROVIDER"};
  const LogSource sitecomp{site_server, "SiteComp.log", "SMS_SITE_COMPONENT_MANAGER"};
  const LogSource setup{fqdn, "SUPSetup.log", ""};
  const LogSource wcm{site_server, "WCM.log", "SMS_WSUS_CONFIGURATION_MANAGER"};

  plugin::InstallChain chain;
  chain.subject = fmt::format("the software update point role on {}", fqdn);
  auto milestone = [&](std::string name, const LogSource& source, std::vector<std::string> signs, bool starts = false) {
    chain.milestones.push_back(plugin::Milestone{std::move(name), source, std::move(signs), starts});
    return chain.milestones.size() - 1;
  };
  milestone("the SMS Provider stored the role (SMS_SCI_SysResUse)", smsprov, {"SMS_SCI_SysResUse"});
  milestone("component SMS_WSUS_CONTROL_MANAGER installing", sitecomp, {"Installing component SMS_WSUS_CONTROL_MANAGER..."});
  // A new attempt in SiteComp.log (it retries hourly) starts at the first line that names the server.
  milestone("registry keys created", sitecomp,
            {fmt::format("Creating registry keys Operations Management\\SMS Server Role\\SMS Software Update Point on server {}", server)}, true);
  milestone("bootstrap service installed", sitecomp, {fmt::format("Installed service {}", bootstrap)});
  milestone("bootstrap service started", sitecomp, {fmt::format("Starting service {}", bootstrap)});
  milestone("role setup started", setup, {"SMSWSUS Setup Started"}, true);
  const std::size_t prereqs = milestone("prerequisites installed", setup, {"Completed Installation of Pre Reqs for Role SMSWSUS"});
  const std::size_t version = milestone("supported WSUS version found", setup, {"Supported WSUS version found"});
  const std::size_t installed = milestone("installation was successful", setup, {"Installation was successful"});
  const std::size_t ran = milestone("role setup reported successful", sitecomp, {fmt::format("executed successfully on server {}", server)});
  milestone("bootstrap service removed", sitecomp, {fmt::format("Deinstalled service {}", bootstrap)});
  // The seeds put the two health lines in WCM.log; some builds write them to WSUSCtrl.log on the
  // SUP's server (WSUS Control Manager's own health check), so they count there too.
  const LogSource wsusctrl{fqdn, "WSUSCtrl.log", "SMS_WSUS_CONTROL_MANAGER"};
  const std::size_t healthy =
      milestone("no unhealthy WSUS components", wcm, {fmt::format("There are no unhealthy WSUS Server components on WSUS Server {}", server)});
  chain.milestones.back().also_in.push_back(wsusctrl);
  milestone("WSUS database connection checked", wcm, {fmt::format("Successfully checked database connection on WSUS server {}", server)});
  chain.milestones.back().also_in.push_back(wsusctrl);

  const std::string account = model::string_attribute(request.desired, "connection_account").has_value()
                                  ? model::referenced_string(request.references, "connection_account", "user").value_or("the connection account")
                                  : computer_account_of(site_server);
  auto failure = [&](std::size_t step, const LogSource& source, std::vector<std::string> signs, std::string hint,
                     std::vector<std::string> about = {}) {
    chain.failures.push_back(plugin::FailureSign{step, source, std::move(signs), std::move(hint), std::move(about)});
  };
  failure(prereqs, setup, {"Failed to install Pre Req", "Pre Req failed", "Prerequisite failed"},
          fmt::format("install the missing prerequisite on {} (SUPSetup.log names it: SQL Server Native Client or the Microsoft ODBC "
                      "Driver 18 for SQL Server), then run supctl apply again; Site Component Manager also retries every 60 minutes",
                      fqdn));
  failure(version, setup, {"Unsupported WSUS Server version", "WSUS is not installed"},
          fmt::format("install a WSUS this site's ConfigMgr supports on {} (WSUS 4.0 or later, from Windows Server 2012 on, for "
                      "current branch; WSUS 3.0 SP2 for ConfigMgr 2007), then run supctl apply again",
                      fqdn));
  failure(installed, setup, {"Installation failed"}, fmt::format("read SUPSetup.log on {} from 'SMSWSUS Setup Started' on", fqdn));
  failure(ran, sitecomp, {fmt::format("failed on server {}", server)},
          fmt::format("the role setup failed on {}: SUPSetup.log there says why", fqdn));
  // WCM.log speaks of every SUP of the site: only lines that name this one count, the specific
  // causes before the general one.
  failure(healthy, wcm, {"HTTP status 407", "The address of the proxy server cannot be empty"},
          fmt::format("the proxy of {}'s site system is missing or refuses WSUS: check the site system's proxy and its account", fqdn),
          {server});
  failure(healthy, wcm, {"actively refused", "HTTP status 500", "HTTP status 502", "HTTP status 503"},
          fmt::format("WSUS on {} does not answer: check the WsusService and IIS's WsusPool there", fqdn), {server});
  failure(healthy, wcm, {"access denied", "HTTP status 401", "HTTP status 403"},
          fmt::format("ConfigMgr connects to WSUS on {} as {}: put it in the local Administrators and WSUS Administrators groups there "
                      "(or set manage_group_membership = true on the account), then run supctl apply again",
                      fqdn, account),
          {server});
  failure(healthy, wcm, {fmt::format("Failed to connect to WSUS server {}", server)},
          fmt::format("ConfigMgr cannot connect to WSUS on {}: WCM.log on {} says why", fqdn, site_server));
  chain.timeout_hint = fmt::format(
      "ConfigMgr installs the role in the background: SiteComp.log on {} shows Site Component Manager's progress (it retries every 60 "
      "minutes), SUPSetup.log on {} the role setup, and a {} service still on {} a setup still running",
      site_server, fqdn, bootstrap, fqdn);
  return chain;
}

std::vector<plugin::Check> sup_checks(const plugin::CheckRequest& request) {
  std::vector<plugin::Check> checks;
  if (request.address.kind != "software_update_point" || request.host.empty()) return checks;
  const std::string& fqdn = request.address.name;
  const Json proxy = request.manifest ? common::site_system_proxy(*request.manifest, fqdn) : Json(nullptr);
  checks.push_back(plugin::Check{
      "winhttp-proxy", fmt::format("WinHTTP proxy of SYSTEM on {}", fqdn), request.address,
      {{fqdn, plugin::Operation{"registry.get_value", Json{{"key", formats::kWinHttpSettingsKey}, {"name", formats::kWinHttpSettingsValue}}}},
       {fqdn, plugin::Operation{"winhttp.show_proxy", Json::object()}}},
      Json{{"proxy", proxy}}});
  const std::string site = model::string_attribute(request.desired, "site").value_or("");
  // WCM.log is on the site server; the SUP's settings are read through the SMS Provider.
  const model::Resource* sup = request.manifest ? request.manifest->find(request.address) : nullptr;
  const std::string site_server = sup ? server_of(*sup, *request.manifest) : request.host;
  if (request.desired && request.desired->contains("use_proxy") && request.desired->at("use_proxy").is_boolean()) {
    const bool uses = request.desired->at("use_proxy") == true;
    checks.push_back(plugin::Check{
        "wsus-proxy", fmt::format("the proxy WSUS on {} got from ConfigMgr", fqdn), request.address,
        {{fqdn, plugin::Operation{"wsus.get", Json::object()}},
         {site_server, plugin::Operation{"logs.read", Json{{"log", "WCM.log"}, {"component", "SMS_WSUS_CONFIGURATION_MANAGER"}, {"offset", 0}}}}},
        Json{{"proxy", uses ? proxy : Json(nullptr)}, {"site_server", site_server}}});
  }
  if (request.desired && request.desired->contains("use_proxy_for_adr") && request.desired->at("use_proxy_for_adr").is_boolean()) {
    checks.push_back(plugin::Check{"adr-proxy", fmt::format("the ADR proxy setting of the software update point on {}", fqdn), request.address,
                                  {{request.host, plugin::Operation{"configmgr.get_sup", Json{{"fqdn", fqdn}, {"site", site}}}}},
                                  Json{{"use_proxy_for_adr", request.desired->at("use_proxy_for_adr")}}});
  }
  return checks;
}

plugin::CheckResult evaluate_sup_check(const plugin::Check& check, std::span<const plugin::OperationResult> results) {
  if (check.name == "winhttp-proxy") return evaluate_winhttp(check, results);
  if (check.name == "wsus-proxy") return evaluate_wsus_proxy(check, results);
  if (check.name == "adr-proxy") return evaluate_adr_proxy(check, results);
  return fail(fmt::format("the configmgr plugin has no check '{}'", check.name), "");
}

}  // namespace supctl::plugins::configmgr
