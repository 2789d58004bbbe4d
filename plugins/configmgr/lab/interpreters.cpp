#include "plugins/configmgr/lab/interpreters.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "model/base64.h"
#include "model/text.h"
#include "plugins/common/catalog.h"
#include "formats/winhttp.h"
#include "plugins/common/products.h"
#include "plugins/configmgr/kinds.h"
#include "plugins/configmgr/placement.h"
#include "plugins/configmgr/schedule.h"
#include "plugins/wsus/lab/interpreters.h"

namespace supctl::plugins::configmgr {
namespace {

using plugin::FailureKind;
using model::Json;
using plugin::OperationResult;
using model::iequals;
using model::upper;

constexpr std::string_view kInstallDir = "E:\\ConfigMgr";
constexpr std::string_view kRoleKey = "HKLM\\SOFTWARE\\Microsoft\\SMS\\Operations Management\\SMS Server Role\\SMS Software Update Point";
/// Site versions: ConfigMgr 2007 SP2, and current branch 2403.
constexpr std::string_view kConfigMgr2007Version = "4.00.6487.2000";
constexpr std::string_view kCurrentBranchVersion = "5.00.9128.1000";
/// The SUP settings the role document keeps: the kind's own (kinds/software_update_point.cpp).
std::vector<std::string_view> sup_setting_names() {
  const Kind* sup = kind_of("software_update_point");
  return sup ? sup->settings() : std::vector<std::string_view>{};
}

/// The value Add-CMSoftwareUpdatePoint gives a setting it is not passed; null for the others.
Json sup_default(std::string_view name) {
  static const std::map<std::string_view, Json> kDefaults{
      {"anonymous_wsus_access", false}, {"client_connection_type", "intranet"}, {"enable_cloud_gateway", false},
      {"use_proxy", false},             {"use_proxy_for_adr", false},           {"wsus_iis_port", 8530},
      {"wsus_iis_ssl_port", 8531},      {"wsus_ssl", false},
  };
  auto it = kDefaults.find(name);
  return it == kDefaults.end() ? Json(nullptr) : it->second;
}
/// The site system settings its document keeps as they come: the kind's own, less the proxy (which
/// the document keeps as ConfigMgr does, without the account's site).
std::vector<std::string_view> site_system_setting_names() {
  const Kind* system = kind_of("site_system");
  std::vector<std::string_view> names = system ? system->settings() : std::vector<std::string_view>{};
  std::erase(names, "proxy");
  return names;
}

using plugin::failed;
using plugin::succeeded;


std::optional<std::string> text(const Json& params, std::string_view operation, const char* name, std::string* error) {
  if (params.is_object() && params.contains(name) && params[name].is_string() && !params[name].get<std::string>().empty()) {
    return params[name].get<std::string>();
  }
  *error = fmt::format("{}: the parameter '{}' is missing or not a string", operation, name);
  return std::nullopt;
}

// ---- Logs in the formats of the real ones, stamped with the simulated clock.

std::tm utc(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

struct LogSpec {
  std::string_view log;
  std::string_view component;
  std::string_view thread;
  std::string_view file;
};
constexpr LogSpec kSmsProv{"SMSProv.log", "SMS Provider", "4144", "sspobjectquery.cpp:1543"};
constexpr LogSpec kSiteComp{"SiteComp.log", "SMS_SITE_COMPONENT_MANAGER", "3972", "sitecomp.cpp:1780"};
constexpr LogSpec kWcm{"WCM.log", "SMS_WSUS_CONFIGURATION_MANAGER", "5080", "wsyncmgr.cpp:2207"};

/// Writes the log lines of one operation and keeps them for its result.
class Logger {
 public:
  explicit Logger(lab::Estate& estate) : estate_(estate) {}

  /// A CMTrace line; type 1 information, 2 warning, 3 error.
  void cmtrace(std::string_view host, const LogSpec& spec, std::string_view message, int type = 1) {
    std::tm tm = utc(estate_.now());
    std::string line = fmt::format(
        "<![LOG[{}]LOG]!><time=\"{:02}:{:02}:{:02}.{:03}+000\" date=\"{:02}-{:02}-{:04}\" component=\"{}\" context=\"\" type=\"{}\" "
        "thread=\"{}\" file=\"{}\">",
        message, tm.tm_hour, tm.tm_min, tm.tm_sec, (sequence_++ * 17) % 1000, tm.tm_mon + 1, tm.tm_mday, tm.tm_year + 1900,
        spec.component, type, spec.thread, spec.file);
    write(host, spec.log, line, message);
  }

  /// A SUPSetup.log line: "<MM/DD/YY HH:MM:SS> message".
  void setup(std::string_view host, std::string_view message) {
    std::tm tm = utc(estate_.now());
    write(host, "SUPSetup.log",
          fmt::format("<{:02}/{:02}/{:02} {:02}:{:02}:{:02}> {}", tm.tm_mon + 1, tm.tm_mday, tm.tm_year % 100, tm.tm_hour, tm.tm_min,
                      tm.tm_sec, message),
          message);
  }

  Json lines() const { return lines_; }

 private:
  void write(std::string_view host, std::string_view log, const std::string& line, std::string_view message) {
    estate_.append_log(host, log, line);
    lines_.push_back(fmt::format("{} {}: {}", host, log, message));
  }

  lab::Estate& estate_;
  int sequence_ = 0;
  Json lines_ = Json::array();
};

// ---- WSUS versions, as the role setup checks them.

struct WsusCheck {
  bool supported = false;
  std::string file_version;  ///< empty when WSUS is not installed
  std::string reason;        ///< why not, when not supported
};

std::string file_version_of(const std::string& version) {
  if (version == "6.2") return "6.2.9200.16384";
  if (version == "6.3") return "6.3.9600.16384";
  if (version.starts_with("3.0")) return "3.2.7600.256";
  std::size_t dots = 0;
  for (char c : version) dots += c == '.';
  return dots >= 3 ? version : version + ".1";
}

/// The WSUS on `host` as the role setup judges it for a site of `generation`.
WsusCheck check_wsus(const lab::Estate& estate, std::string_view host, std::string_view generation) {
  WsusCheck check;
  std::optional<std::string> installed = wsus::installed_version(estate, host);
  if (!installed) {
    check.reason = "WSUS is not installed";
    return check;
  }
  const std::string& version = *installed;
  check.file_version = file_version_of(version);
  auto has_prefix = [&](std::string_view prefix) {
    return version == prefix || (version.starts_with(prefix) && version.size() > prefix.size() && version[prefix.size()] == '.');
  };
  if (generation == "2007") {
    check.supported = version.starts_with("3.0");
    if (!check.supported) check.reason = fmt::format("WSUS {} is not supported by ConfigMgr 2007 (supported: WSUS 3.0 SP1 or SP2)", version);
    return check;
  }
  for (std::string_view v : {"6.2", "6.3", "10.0.14393", "10.0.17763", "10.0.20348"}) check.supported |= has_prefix(v);
  if (!check.supported) {
    check.reason = fmt::format(
        "WSUS {} is not supported by ConfigMgr current branch (supported: 6.2, 6.3, 10.0.14393, 10.0.17763, 10.0.20348)", version);
  }
  return check;
}

// ---- The operations.

OperationResult get_site(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto code = text(params, "configmgr.get_site", "code", &error);
  if (!code) return failed(error);
  Json result{{"exists", false}, {"code", upper(*code)}, {"type", nullptr}, {"parent", nullptr}, {"server", nullptr}, {"provider_site", nullptr}};
  // The site this SMS Provider is for: the one of its sites that is not a secondary below it.
  for (const auto& [key, site] : estate.documents(host, "configmgr.site")) {
    if (site.value("type", Json(nullptr)) != "secondary") result["provider_site"] = key;
  }
  if (auto site = estate.document(host, "configmgr.site", upper(*code))) {
    result["exists"] = true;
    for (const char* key : {"type", "parent", "server"}) result[key] = site->value(key, Json(nullptr));
  }
  return succeeded(std::move(result));
}

/// Whether an account document is at the site `params` names; any site when they name none.
bool at_site(const Json& account, const Json& params) {
  if (!params.contains("site") || !params["site"].is_string()) return true;
  return iequals(account.value("site", std::string()), params["site"].get<std::string>());
}

OperationResult get_account(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto user = text(params, "configmgr.get_account", "user", &error);
  if (!user) return failed(error);
  Json result{{"exists", false}, {"user", *user}, {"site", nullptr}};
  for (const auto& [key, account] : estate.documents(host, "configmgr.account")) {
    // As Get-CMAccount -UserName -SiteCode: the exact user (without case) at the site asked for.
    if (!iequals(key, *user) || !at_site(account, params)) continue;
    result["exists"] = true;
    result["user"] = account.value("user", *user);
    result["site"] = account.value("site", Json(nullptr));
  }
  return succeeded(std::move(result));
}

/// The code of the site whose SMS Provider this host is: the one given, or the site documented here.
std::optional<std::string> local_site(lab::Estate& estate, const std::string& host, const Json& params) {
  if (params.contains("site") && params["site"].is_string()) {
    std::string code = upper(params["site"].get<std::string>());
    if (estate.document(host, "configmgr.site", code)) return code;
    return std::nullopt;
  }
  auto sites = estate.documents(host, "configmgr.site");
  if (sites.empty()) return std::nullopt;
  // The SMS Provider's own site: of the sites documented here, the one highest in the hierarchy.
  for (const auto& [code, site] : sites) {
    if (site.value("parent", Json(nullptr)).is_null()) return code;
  }
  return sites.front().first;
}

OperationResult set_account(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto user = text(params, "configmgr.set_account", "user", &error);
  if (!user) return failed(error);
  if (!params.contains("password") || !params["password"].is_string()) {
    return failed("configmgr.set_account: the parameter 'password' is missing or not a string");
  }
  auto site = local_site(estate, host, params);
  if (!site) return failed(fmt::format("'{}' is not the SMS Provider of site '{}'", host, params.value("site", Json("")).dump()));
  // As Set-CMAccount does for an existing account, the password is set again; the estate never
  // keeps it, only how many times one was set.
  for (auto& [key, account] : estate.documents(host, "configmgr.account")) {
    if (!iequals(key, *user)) continue;
    if (!iequals(account.value("site", std::string()), *site)) {
      return failed(fmt::format("configmgr.set_account: the lab keeps one account per user, and '{}' is already at site {}",
                                *user, account.value("site", std::string())));
    }
    account["password_sets"] = account.value("password_sets", 1) + 1;
    estate.put_document(host, "configmgr.account", key, account);
    return succeeded();
  }
  estate.put_document(host, "configmgr.account", *user, Json{{"user", *user}, {"site", *site}, {"password_sets", 1}});
  return succeeded();
}

/// The site system or SUP document of `fqdn`, under whatever case it was written.
std::optional<std::pair<std::string, Json>> find_document(lab::Estate& estate, const std::string& host, std::string_view collection,
                                                          std::string_view fqdn) {
  for (auto& [key, document] : estate.documents(host, collection)) {
    if (iequals(key, fqdn)) return std::make_pair(key, document);
  }
  return std::nullopt;
}

OperationResult get_site_system(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto fqdn = text(params, "configmgr.get_site_system", "fqdn", &error);
  if (!fqdn) return failed(error);
  Json result{{"exists", false}, {"fqdn", *fqdn}, {"site", params.value("site", Json(nullptr))}, {"proxy", nullptr}};
  for (std::string_view key : site_system_setting_names()) result[std::string(key)] = nullptr;
  if (auto found = find_document(estate, host, "configmgr.site_system", *fqdn)) {
    result["exists"] = true;
    result["site"] = found->second.value("site", Json(nullptr));
    result["proxy"] = found->second.value("proxy", Json(nullptr));
    for (std::string_view key : site_system_setting_names()) result[std::string(key)] = found->second.value(std::string(key), Json(nullptr));
  }
  return succeeded(std::move(result));
}

OperationResult set_site_system(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto fqdn = text(params, "configmgr.set_site_system", "fqdn", &error);
  auto site = fqdn ? text(params, "configmgr.set_site_system", "site", &error) : std::nullopt;
  if (!fqdn || !site) return failed(error);
  if (!estate.document(host, "configmgr.site", upper(*site))) {
    return failed(fmt::format("site '{}' is not a site of the SMS Provider on '{}'", upper(*site), host));
  }
  auto found = find_document(estate, host, "configmgr.site_system", *fqdn);
  std::string key = found ? found->first : *fqdn;
  Json document = found ? found->second : Json{{"site", upper(*site)}, {"proxy", nullptr}};
  document["site"] = upper(*site);
  if (params.contains("proxy")) {
    const Json& proxy = params["proxy"];
    if (!proxy.is_null() && !(proxy.is_object() && proxy.value("server", Json(nullptr)).is_string() && proxy.contains("port") &&
                              proxy["port"].is_number_integer())) {
      return failed(fmt::format("configmgr.set_site_system: the proxy must be null or {{server, port, account}}; found {}", proxy.dump()));
    }
    document["proxy"] = proxy.is_null() ? Json(nullptr)
                                        : Json{{"server", proxy["server"]}, {"port", proxy["port"]}, {"account", proxy.value("account", Json(nullptr))}};
  }
  for (std::string_view setting : site_system_setting_names()) {
    if (params.contains(setting)) document[std::string(setting)] = params[std::string(setting)];
  }
  estate.put_document(host, "configmgr.site_system", key, document);
  return succeeded();
}

OperationResult get_sup(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto fqdn = text(params, "configmgr.get_sup", "fqdn", &error);
  if (!fqdn) return failed(error);
  Json result{{"exists", false}, {"fqdn", *fqdn}, {"site", params.value("site", Json(nullptr))}};
  if (auto found = find_document(estate, host, "configmgr.sup", *fqdn)) {
    result = found->second;
    result.erase("installed");  // the server's own state: supctl reads it on the SUP's server (registry.get_key)
    result["exists"] = true;
    result["fqdn"] = *fqdn;
  }
  auto site = estate.document(host, "configmgr.site", upper(params.value("site", std::string())));
  result["site_version"] = site ? site->value("version", Json(nullptr)) : Json(nullptr);
  return succeeded(std::move(result));
}

/// The SUP settings among `params`, checked: the manifest's names with their types.
std::optional<std::string> sup_settings(const Json& params, Json& document) {
  for (std::string_view name : sup_setting_names()) {
    std::string key(name);
    if (!params.contains(key)) continue;
    const Json fallback = sup_default(name);
    const Json& value = params[key];
    bool ok = value.is_null() || (fallback.is_boolean() && value.is_boolean()) ||
              (fallback.is_number_integer() && value.is_number_integer()) || value.is_string() || value.is_boolean();
    if (!ok) return fmt::format("the SUP setting '{}' cannot be {}", key, value.dump());
    document[key] = value;
  }
  return std::nullopt;
}

/// Adds the member to the local groups named, on this server (the SUP's): supctl's own change for
/// an account with manage_group_membership = true, before ConfigMgr connects with it.
OperationResult set_members(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto member = text(params, "configmgr.set_members", "member", &error);
  if (!member) return failed(error);
  if (!params.value("groups", Json(nullptr)).is_array()) {
    return failed(fmt::format("configmgr.set_members: 'groups' must be an array of group names; found {}", params.value("groups", Json(nullptr)).dump()));
  }
  for (const Json& group : params["groups"]) {
    if (!group.is_string()) return failed(fmt::format("configmgr.set_members: 'groups' must hold group names; found {}", group.dump()));
    bool present = false;
    for (const std::string& m : estate.members(host, group.get<std::string>())) present |= iequals(m, *member);
    if (!present) estate.add_member(host, group.get<std::string>(), *member);
  }
  return succeeded();
}

/// The local groups of this server (the SUP's), among Administrators and WSUS Administrators, that
/// the member is in; with `wsus`, the WSUS installed here and its version.
OperationResult get_members(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto member = text(params, "configmgr.get_members", "member", &error);
  if (!member) return failed(error);
  Json groups = Json::array();
  for (std::string_view group : kSupGroups) {
    for (const std::string& m : estate.members(host, group)) {
      if (iequals(m, *member)) {
        groups.push_back(std::string(group));
        break;
      }
    }
  }
  Json result{{"groups", std::move(groups)}, {"member", *member}};
  if (params.value("wsus", false) == true) {
    WsusCheck check = check_wsus(estate, host, "current-branch");
    result["wsus"] = Json{{"installed", !check.file_version.empty()},
                          {"version", check.file_version.empty() ? Json(nullptr) : Json(check.file_version)}};
  }
  return succeeded(std::move(result));
}

/// "2007" for a ConfigMgr 2007 site (version 4.00.x), else "current-branch".
std::string generation_of(const Json& site) {
  return site.value("version", std::string(kCurrentBranchVersion)).starts_with("4.") ? "2007" : "current-branch";
}

/// Site Component Manager's part of a role installation: the component, the bootstrap service,
/// the role setup on the SUP's server (SUPSetup.log), then WSUS Configuration Manager's connection,
/// proxy and health checks (WCM.log). Run by add_sup, and again by set_sup while the role has not
/// installed (as SiteComp retries it). Marks the document installed when every stage passes.
/// As on a real site the operation succeeds once the SMS Provider has stored the role: whether
/// the install worked is in the logs (the install tracker reads them), and in `installed`.
/// Stage faults, injected for exactly these operation names: `configmgr.role_setup` on the SUP's
/// server (kind timeout: the setup hangs after it starts; any other kind: a prerequisite fails to
/// install) and `configmgr.wsus_configuration` on the site server (access_denied: WSUS answers
/// 401; timeout: WCM never gets to its checks; any other kind: WSUS refuses the connection).
OperationResult install_role(lab::Estate& estate, const std::string& provider, const std::string& fqdn, const Json& site,
                             Json& document, Logger& log) {
  // The SMS Provider keeps the role's document; Site Component Manager and WSUS Configuration
  // Manager run on the site server (the provider's machine unless the site says otherwise).
  const std::string host = site.value("server", provider);
  const std::string code = site.value("code", std::string());
  const std::string generation = generation_of(site);
  const std::string server = upper(fqdn);
  const std::string netbios = netbios_of(fqdn);
  const std::string site_server = upper(host);
  const std::string site_netbios = netbios_of(host);
  const std::string bootstrap = "SMS_SERVER_BOOTSTRAP_" + netbios;
  const std::string rolesetup = fmt::format("{}\\bin\\x64\\rolesetup.exe", kInstallDir);
  // Site Component Manager installs the component and bootstraps the role setup.
  log.cmtrace(host, kSiteComp, fmt::format("Parsed the master site control file, serial number {}.", 3559422000 + estate.now() % 1000));
  log.cmtrace(host, kSiteComp, "Synchronizing server table and polling servers as needed...");
  log.cmtrace(host, kSiteComp, fmt::format("Synchronizing component server {}...", server));
  log.cmtrace(host, kSiteComp, "Installing component SMS_WSUS_CONTROL_MANAGER...");
  log.cmtrace(host, kSiteComp, fmt::format("INFO: '{}' is a valid FQDN.", server));
  log.cmtrace(host, kSiteComp,
              fmt::format("Creating registry keys Operations Management\\SMS Server Role\\SMS Software Update Point on server {}.", server));
  estate.create_key(fqdn, kRoleKey);
  log.cmtrace(host, kSiteComp, fmt::format("Updated WSUS Configuration for {}.", server));
  if (iequals(fqdn, host)) {
    log.cmtrace(host, kSiteComp,
                fmt::format("The component is being installed on the site server, no files need to be installed in the \"{}\" directory "
                            "because the files are already there.",
                            kInstallDir));
  }
  log.cmtrace(host, kSiteComp, "All files installed.");
  log.cmtrace(host, kSiteComp, "Starting bootstrap operations...");
  estate.put_service(fqdn, lab::Service{.name = bootstrap, .display_name = bootstrap, .startup = "manual", .state = "stopped"});
  log.cmtrace(host, kSiteComp, fmt::format("Installed service {}.", bootstrap));
  log.cmtrace(host, kSiteComp,
              fmt::format("Starting service {} with command-line arguments \"{} {} /install {} SMSWSUS \"...", bootstrap, code,
                          kInstallDir, rolesetup));
  estate.put_service(fqdn, lab::Service{.name = bootstrap, .display_name = bootstrap, .startup = "manual", .state = "running"});
  estate.advance(2);

  auto not_installed = [&](const std::string& reason) {
    estate.put_document(provider, "configmgr.sup", fqdn, document);
    return succeeded(Json{{"installed", false}, {"reason", reason}, {"log_lines", log.lines()}});
  };
  auto fail_setup = [&](const std::string& reason, std::string_view line) {
    log.setup(fqdn, line);
    log.setup(fqdn, "Installation failed.");
    log.setup(fqdn, "~RoleSetup().");
    estate.advance(2);
    log.cmtrace(host, kSiteComp,
                fmt::format("\"{} /install /siteserver:{}\" failed on server {}; see SUPSetup.log on that server.", rolesetup, site_server,
                            server),
                3);
    log.cmtrace(host, kSiteComp, "Bootstrap operation failed.", 3);
    // The failed bootstrap is rolled back: its service and the role's registry key go, so the
    // server reads as without the role (what supctl's read takes as "not installed").
    estate.remove_service(fqdn, bootstrap);
    estate.delete_key(fqdn, kRoleKey);
    log.cmtrace(host, kSiteComp, fmt::format("Deinstalled service {}.", bootstrap));
    return not_installed(fmt::format("the software update point role did not install on {}: {}; see SUPSetup.log on {}", fqdn, reason, fqdn));
  };

  // Role setup on the SUP's server: prerequisites, then the WSUS version.
  std::optional<lab::Fault> setup_fault = estate.take_fault(fqdn, "configmgr.role_setup", true);
  log.setup(fqdn, "====================================================================");
  log.setup(fqdn, "SMSWSUS Setup Started....");
  log.setup(fqdn, fmt::format("Parameters: {} /install /siteserver:{} SMSWSUS 0", rolesetup, site_netbios));
  log.setup(fqdn, "Installing Pre Reqs for SMSWSUS");
  log.setup(fqdn, "   ======== Installing Pre Reqs for Role SMSWSUS ========");
  log.setup(fqdn, "Found 1 Pre Reqs for Role SMSWSUS");
  if (setup_fault && setup_fault->kind == "timeout") {
    // The setup hangs installing its prerequisite: nothing more is written, the bootstrap stays.
    return not_installed(fmt::format("the role setup on {} stopped responding", fqdn));
  }
  if (setup_fault) {
    log.setup(fqdn, "Pre Req SqlNativeClient not found. Installing it.");
    log.setup(fqdn, fmt::format("ERROR: Failed to install Pre Req SqlNativeClient: {}",
                                 setup_fault->message.empty() ? "msiexec returned 1603 (a fatal error during installation)" : setup_fault->message));
    return fail_setup("a prerequisite did not install", "   ======== Installation of Pre Reqs for Role SMSWSUS failed ========");
  }
  log.setup(fqdn, "Pre Req SqlNativeClient found.");
  log.setup(fqdn,
            "SqlNativeClient already installed (Product Code: {D411E9C9-CE62-4DBF-9D92-4CB22B750ED5}). Would not install again.");
  log.setup(fqdn, "Pre Req SqlNativeClient is already installed. Skipping it.");
  log.setup(fqdn, "   ======== Completed Installation of Pre Reqs for Role SMSWSUS ========");
  log.setup(fqdn, "Installing the SMSWSUS");
  log.setup(fqdn, "Checking for supported version of WSUS (min WSUS 3.0 SP2 + KB2720211 + KB2734608)");
  WsusCheck wsus = check_wsus(estate, fqdn, generation);
  log.setup(fqdn, "Checking runtime v2.0.50727...");
  log.setup(fqdn, "Did not find supported version of assembly Microsoft.UpdateServices.Administration.");
  log.setup(fqdn, "Checking runtime v4.0.30319...");
  if (wsus.file_version.empty()) {
    log.setup(fqdn, "Did not find supported version of assembly Microsoft.UpdateServices.Administration.");
    return fail_setup(wsus.reason, "ERROR: WSUS is not installed on this server. Install WSUS before the software update point.");
  }
  if (!wsus.supported) {
    log.setup(fqdn, fmt::format("Found assembly Microsoft.UpdateServices.Administration, file version {}", wsus.file_version));
    return fail_setup(wsus.reason, fmt::format("ERROR: Unsupported WSUS Server version ({}) is installed. {}.", wsus.file_version, wsus.reason));
  }
  log.setup(fqdn, fmt::format("Found supported assembly Microsoft.UpdateServices.Administration version 4.0.0.0, file version {}",
                               wsus.file_version));
  log.setup(fqdn, fmt::format("Found supported assembly Microsoft.UpdateServices.BaseApi version 4.0.0.0, file version {}",
                               wsus.file_version));
  log.setup(fqdn, "Supported WSUS version found");
  log.setup(fqdn, fmt::format("Supported WSUS Server version ({}) is installed.", wsus.file_version));
  std::string dll = fmt::format("{}\\bin\\x64\\wsusmsp.dll", kInstallDir);
  log.setup(fqdn, fmt::format("CTool::RegisterManagedBinary: run command line: "
                               "\"C:\\Windows\\Microsoft.NET\\Framework64\\v2.0.50727\\RegAsm.exe\" \"{}\"",
                               dll));
  estate.advance(16);
  log.setup(fqdn, fmt::format("CTool::RegisterManagedBinary: Registered {} successfully", dll));
  log.setup(fqdn, fmt::format("Registered DLL {}", dll));
  log.setup(fqdn, "Installation was successful.");
  log.setup(fqdn, "~RoleSetup().");
  estate.advance(2);

  log.cmtrace(host, kSiteComp,
              fmt::format("\"{} /install /siteserver:{}\" executed successfully on server {}.", rolesetup, site_server, server));
  log.cmtrace(host, kSiteComp, "Bootstrap operation successful.");
  estate.remove_service(fqdn, bootstrap);
  log.cmtrace(host, kSiteComp, fmt::format("Deinstalled service {}.", bootstrap));
  log.cmtrace(host, kSiteComp, "Bootstrap operations completed.");
  estate.advance(5);

  // WSUS Configuration Manager connects to WSUS, pushes the proxy and checks its health.
  log.cmtrace(host, kWcm,
              fmt::format("Attempting connection to WSUS server: {}, port: {}, useSSL: {}", server,
                          document["wsus_ssl"] == true ? document["wsus_iis_ssl_port"].dump() : document["wsus_iis_port"].dump(),
                          document["wsus_ssl"] == true ? "True" : "False"));
  if (!iequals(fqdn, host)) {
    std::string account = document["connection_account"].is_string() ? document["connection_account"].get<std::string>()
                                                                       : computer_account_of(host);
    std::vector<std::string> missing;
    for (std::string_view group : kSupGroups) {
      bool member = false;
      for (const std::string& m : estate.members(fqdn, group)) member |= iequals(m, account);
      if (!member) missing.emplace_back(group);
    }
    if (!missing.empty()) {
      std::string groups = missing.size() == 1 ? missing[0] : fmt::format("{} and {}", missing[0], missing[1]);
      log.cmtrace(host, kWcm,
                  fmt::format("Failed to connect to WSUS server {}: access denied for {} (not a member of the local {} group{} on {}).",
                              server, account, groups, missing.size() == 1 ? "" : "s", server),
                  3);
      log.cmtrace(host, kWcm, "Setting new configuration state to 3 (WSUS_CONFIG_FAILED)", 3);
      return not_installed(fmt::format(
          "the software update point role installed on {}, but ConfigMgr cannot connect to its WSUS: {} is not in the local {} "
          "group{} there; see WCM.log on {}",
          fqdn, account, groups, missing.size() == 1 ? "" : "s", host));
    }
  }
  if (auto fault = estate.take_fault(host, "configmgr.wsus_configuration", true)) {
    if (fault->kind == "timeout") return not_installed(fmt::format("WSUS Configuration Manager on {} has not checked {} yet", host, fqdn));
    std::string why = fault->kind == "access_denied" ? "The request failed with HTTP status 401: Unauthorized."
                                                     : "No connection could be made because the target machine actively refused it";
    log.cmtrace(host, kWcm, fmt::format("Failed to connect to WSUS server {}: System.Net.WebException: {}", server,
                                        fault->message.empty() ? why : fault->message),
                3);
    log.cmtrace(host, kWcm, "Setting new configuration state to 3 (WSUS_CONFIG_FAILED)", 3);
    return not_installed(fmt::format("ConfigMgr cannot connect to WSUS on {}; see WCM.log on {}", fqdn, host));
  }
  log.cmtrace(host, kWcm,
              fmt::format("Successfully connected to server: {}, port: {}, useSSL: {}", server,
                          document["wsus_ssl"] == true ? document["wsus_iis_ssl_port"].dump() : document["wsus_iis_port"].dump(),
                          document["wsus_ssl"] == true ? "True" : "False"));
  if (document["use_proxy"] == true) {
    auto system = find_document(estate, provider, "configmgr.site_system", fqdn);
    Json proxy = system ? system->second.value("proxy", Json(nullptr)) : Json(nullptr);
    if (!proxy.is_object()) {
      log.cmtrace(host, kWcm, "The address of the proxy server cannot be empty", 3);
      return not_installed(fmt::format("{} uses a proxy, but its site system has none; see WCM.log on {}", fqdn, host));
    }
    wsus::configure_proxy(estate, fqdn, proxy);
    log.cmtrace(host, kWcm,
                fmt::format("Proxy settings set on WSUS Server {}: proxy server {}, port {}.", server, proxy["server"].get<std::string>(),
                            proxy["port"].dump()));
  }
  log.cmtrace(host, kWcm, fmt::format("There are no unhealthy WSUS Server components on WSUS Server {}", server));
  log.cmtrace(host, kWcm, fmt::format("Successfully checked database connection on WSUS server {}", server));
  document["installed"] = true;
  estate.put_document(provider, "configmgr.sup", fqdn, document);
  return succeeded(Json{{"installed", true}, {"log_lines", log.lines()}});
}

/// The role installation the seeds describe: SMS Provider, Site Component Manager, role setup on
/// the SUP's server, then WSUS Configuration Manager; the clock moves a few seconds per stage.
OperationResult add_sup(lab::Estate& estate, const std::string& host, const Json& params) {
  constexpr std::string_view kOperation = "configmgr.add_sup";
  std::string error;
  auto fqdn = text(params, kOperation, "fqdn", &error);
  auto site = fqdn ? text(params, kOperation, "site", &error) : std::nullopt;
  if (!fqdn || !site) return failed(error);
  std::string code = upper(*site);
  auto site_document = estate.document(host, "configmgr.site", code);
  if (!site_document) return failed(fmt::format("site '{}' is not a site of the SMS Provider on '{}'", code, host));
  if (find_document(estate, host, "configmgr.sup", *fqdn)) {
    return failed(fmt::format("{} already has the software update point role", *fqdn));
  }
  if (!estate.host(*fqdn)) {
    return {FailureKind::kUnreachable, nullptr,
            fmt::format("the site server '{}' cannot reach '{}' to install the software update point",
                        site_document->value("server", host), *fqdn)};
  }
  Json document{{"site", code}};
  for (std::string_view name : sup_setting_names()) document[std::string(name)] = sup_default(name);
  if (auto bad = sup_settings(params, document)) return failed(fmt::format("{}: {}", kOperation, *bad));
  document["installed"] = false;

  Logger log(estate);

  // The SMS Provider stores the role in the site control data.
  log.cmtrace(host, kSmsProv, "PutInstanceAsync SMS_SCI_SysResUse");
  log.cmtrace(host, kSmsProv, "CExtProviderClassObject::DoPutInstanceInstance");
  log.cmtrace(host, kSmsProv, fmt::format("INFO: '{}' is a valid FQDN.", upper(*fqdn)));
  estate.put_document(host, "configmgr.sup", *fqdn, document);
  estate.advance(3);

  return install_role(estate, host, *fqdn, *site_document, document, log);
}

OperationResult set_sup(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto fqdn = text(params, "configmgr.set_sup", "fqdn", &error);
  if (!fqdn) return failed(error);
  auto found = find_document(estate, host, "configmgr.sup", *fqdn);
  if (!found) return failed(fmt::format("{} has no software update point role to change", *fqdn));
  Json document = found->second;
  if (auto bad = sup_settings(params, document)) return failed(fmt::format("configmgr.set_sup: {}", *bad));
  Logger log(estate);
  log.cmtrace(host, kSmsProv, "PutInstanceAsync SMS_SCI_SysResUse");
  log.cmtrace(host, kSmsProv, "CExtProviderClassObject::DoPutInstanceInstance");
  estate.put_document(host, "configmgr.sup", found->first, document);
  if (document.value("installed", false) != true) {
    // The role never installed (no WSUS, a missing group membership): Site Component Manager
    // tries again, now with what this change fixed.
    std::string code = document.value("site", std::string());
    auto site_document = estate.document(host, "configmgr.site", code);
    if (!site_document) return failed(fmt::format("site '{}' is not a site of the SMS Provider on '{}'", code, host));
    return install_role(estate, host, found->first, *site_document, document, log);
  }
  return succeeded();
}

/// Remove-CMSiteSystemServer: refused while the server still holds a role (a SUP).
OperationResult remove_site_system(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto fqdn = text(params, "configmgr.remove_site_system", "fqdn", &error);
  if (!fqdn) return failed(error);
  auto found = find_document(estate, host, "configmgr.site_system", *fqdn);
  if (!found) return succeeded();
  if (find_document(estate, host, "configmgr.sup", *fqdn)) {
    return failed(fmt::format("{} still holds the software update point role: remove the role before the site system", *fqdn));
  }
  Logger log(estate);
  log.cmtrace(host, kSmsProv, "DeleteInstanceAsync SMS_SCI_SysResUse");
  estate.remove_document(host, "configmgr.site_system", found->first);
  return succeeded();
}

/// Remove-CMAccount: the account leaves the site; nothing that still uses it is checked here.
OperationResult remove_account(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto user = text(params, "configmgr.remove_account", "user", &error);
  if (!user) return failed(error);
  for (const auto& [key, account] : estate.documents(host, "configmgr.account")) {
    if (iequals(key, *user) && at_site(account, params)) estate.remove_document(host, "configmgr.account", key);
  }
  return succeeded();
}

OperationResult remove_sup(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto fqdn = text(params, "configmgr.remove_sup", "fqdn", &error);
  if (!fqdn) return failed(error);
  auto found = find_document(estate, host, "configmgr.sup", *fqdn);
  if (!found) return succeeded();
  Logger log(estate);
  log.cmtrace(host, kSmsProv, "DeleteInstanceAsync SMS_SCI_SysResUse");
  estate.remove_document(host, "configmgr.sup", found->first);
  log.cmtrace(host, kSiteComp, fmt::format("Deinstalling component SMS_WSUS_CONTROL_MANAGER on server {}...", upper(*fqdn)));
  estate.delete_key(*fqdn, kRoleKey);
  log.cmtrace(host, kSiteComp, "Bootstrap operations completed.");
  return succeeded();
}

// ---- The software update point component of a site: what it synchronizes, and how.

/// The sync settings the component document keeps, by the manifest's names: every sync
/// attribute but depends_on. Products and classifications are kept as GUIDs.
std::vector<std::string> sync_settings() {
  std::vector<std::string> out;
  for (const model::KindSchema& kind : kinds()) {
    if (kind.kind != "sync") continue;
    for (const model::AttributeSchema& a : kind.attributes) {
      if (a.name != "depends_on") out.emplace_back(a.name);
    }
  }
  return out;
}

/// A set setting after a change: an array is the new set; {include, exclude} adds and removes.
/// Items compare without case. nullopt when `value` is neither.
std::optional<Json> changed_set(const Json& current, const Json& value) {
  std::vector<std::string> items;
  auto has = [&](const std::string& item) {
    return std::any_of(items.begin(), items.end(), [&](const std::string& i) { return iequals(i, item); });
  };
  auto add = [&](const Json& array) {
    if (!array.is_array()) return false;
    for (const Json& item : array) {
      if (!item.is_string()) return false;
      if (!has(item.get<std::string>())) items.push_back(item.get<std::string>());
    }
    return true;
  };
  if (value.is_array()) {
    if (!add(value)) return std::nullopt;
  } else if (value.is_object()) {
    if (current.is_array()) add(current);
    if (value.contains("include") && !add(value["include"])) return std::nullopt;
    if (value.contains("exclude")) {
      if (!value["exclude"].is_array()) return std::nullopt;
      for (const Json& item : value["exclude"]) {
        if (item.is_string()) std::erase_if(items, [&](const std::string& i) { return iequals(i, item.get<std::string>()); });
      }
    }
  } else {
    return std::nullopt;
  }
  return Json(items);
}

/// Classification titles as their GUIDs (Set-CMSoftwareUpdatePointComponent takes either).
std::optional<Json> classification_guids(const Json& items, std::string* bad) {
  Json out = Json::array();
  for (const Json& item : items) {
    std::string text = item.is_string() ? item.get<std::string>() : item.dump();
    std::string guid;
    if (!item.is_string() || common::kClassificationFormat.check(text, &guid)) {
      *bad = text;
      return std::nullopt;
    }
    out.push_back(guid);
  }
  return out;
}

/// Product GUIDs that the catalog has (the site's SMS_UpdateCategoryInstance rows).
bool known_products(const Json& items, std::string* bad) {
  for (const Json& item : items) {
    const common::Product* product = item.is_string() ? common::product_by_guid(item.get<std::string>()) : nullptr;
    if (!product) {
      *bad = item.is_string() ? item.get<std::string>() : item.dump();
      return false;
    }
  }
  return true;
}

/// The first culture code a language change adds or removes that `params` give no name for
/// (language_names); nullopt when every one has its name.
std::optional<std::string> unnamed_language(const Json& current, const Json& changed, const Json& params) {
  const Json names = params.value("language_names", Json::object());
  auto named = [&](const std::string& code) {
    for (const auto& [key, name] : names.items()) {
      if (iequals(key, code) && name.is_string() && !name.get<std::string>().empty()) return true;
    }
    return false;
  };
  auto in = [](const Json& items, const std::string& code) {
    return items.is_array() &&
           std::any_of(items.begin(), items.end(), [&](const Json& i) { return i.is_string() && iequals(i.get<std::string>(), code); });
  };
  // What is added, then what is removed: each needs its name.
  for (const auto& [from, other] : {std::pair<const Json*, const Json*>{&changed, &current}, std::pair<const Json*, const Json*>{&current, &changed}}) {
    if (!from->is_array()) continue;
    for (const Json& item : *from) {
      if (item.is_string() && !in(*other, item.get<std::string>()) && !named(item.get<std::string>())) return item.get<std::string>();
    }
  }
  return std::nullopt;
}

OperationResult get_sync(lab::Estate& estate, const std::string& host, const Json& params) {
  std::string error;
  auto code = text(params, "configmgr.get_sync", "site", &error);
  if (!code) return failed(error);
  auto site = estate.document(host, "configmgr.site", upper(*code));
  if (!site) return succeeded(Json{{"exists", false}, {"site", upper(*code)}});
  Json component = estate.document(host, "configmgr.component", upper(*code)).value_or(Json::object());
  Json result{{"exists", true}, {"site", upper(*code)}, {"child", !site->value("parent", Json(nullptr)).is_null()}};
  for (const std::string& name : sync_settings()) result[name] = component.value(name, Json(nullptr));
  // As get_sync reads ConfigMgr: synchronizing on a schedule is having one (the Sync Schedule token).
  result["enable_synchronization"] = !result["schedule"].is_null();
  return succeeded(std::move(result));
}

/// Set-CMSoftwareUpdatePointComponent: the site control file changes, and WSUS Configuration
/// Manager pushes the subscription to the WSUS of each of the site's software update points.
OperationResult set_sync(lab::Estate& estate, const std::string& host, const Json& params) {
  constexpr std::string_view kOperation = "configmgr.set_sync";
  std::string error;
  auto code = text(params, kOperation, "site", &error);
  if (!code) return failed(error);
  auto site = estate.document(host, "configmgr.site", upper(*code));
  if (!site) return failed(fmt::format("site '{}' is not a site of the SMS Provider on '{}'", upper(*code), host));
  bool child = !site->value("parent", Json(nullptr)).is_null();
  Json component = estate.document(host, "configmgr.component", upper(*code)).value_or(Json::object());
  for (const std::string& name : sync_settings()) {
    if (!params.contains(name)) continue;
    if (child && top_level_only(name)) {
      return failed(fmt::format("The specified site is a child site. The {} parameter cannot be changed (site {})", name, upper(*code)));
    }
    Json value = params[name];
    std::string bad;
    if (name == "enable_synchronization") {
      // ConfigMgr keeps no such flag: -EnableSynchronization by itself changes nothing that is read
      // back; -Schedule sets or (null) clears the schedule, and that is what synchronizing means.
      if (!value.is_boolean()) return failed(fmt::format("{}: 'enable_synchronization' must be true or false; found {}", kOperation, value.dump()));
      continue;
    }
    if (name == "schedule" && value.is_null()) {
      component.erase("schedule");  // -Schedule $null: no synchronization on a schedule
      continue;
    }
    if (name == "products" || name == "classifications" || name == "languages" || name == "update_file_languages") {
      auto items = changed_set(component.value(name, Json::array()), value);
      if (!items) return failed(fmt::format("{}: '{}' must be an array of strings or {{include, exclude}}; found {}", kOperation, name, value.dump()));
      if (name == "classifications") {
        items = classification_guids(*items, &bad);
        if (!items) return failed(fmt::format("{}: '{}' is not an update classification", kOperation, bad));
      }
      if (name == "products" && !known_products(*items, &bad)) {
        return failed(fmt::format("{}: no software update category has the ID '{}' at site {}", kOperation, bad, upper(*code)));
      }
      if ((name == "languages" || name == "update_file_languages") && items->empty()) {
        return failed(fmt::format("{}: removing every language from '{}' is not allowed", kOperation, name));
      }
      if (name == "languages" || name == "update_file_languages") {
        // The cmdlet takes the languages it adds and removes by the names ConfigMgr gives them.
        if (auto culture = unnamed_language(component.value(name, Json::array()), *items, params)) {
          return failed(fmt::format("{}: no ConfigMgr language name for the culture code '{}' (language_names)", kOperation, *culture));
        }
      }
      value = std::move(*items);
    } else if (name == "schedule" && (value.is_string() || value.is_object())) {
      if (value.is_object()) value = value.value("text", Json(nullptr));  // {text, recurrence, ...}: the lab keeps the text
      if (!value.is_string()) return failed(fmt::format("{}: 'schedule' must be a schedule's text or {{text, ...}}", kOperation));
      auto parsed = parse_schedule(value.get<std::string>());
      if (auto* wrong = std::get_if<model::FormatError>(&parsed)) return failed(fmt::format("{}: schedule: {}", kOperation, wrong->message));
      value = std::get<Schedule>(parsed).str();
    }
    component[name] = std::move(value);
  }
  if (params.value("enable_synchronization", false) == true && component.value("schedule", Json(nullptr)).is_null()) {
    return failed(fmt::format("{}: synchronization on a schedule needs a schedule (site {})", kOperation, upper(*code)));
  }
  component.erase("enable_synchronization");  // what an estate of an older supctl kept: derived now
  Logger log(estate);
  log.cmtrace(host, kSmsProv, "PutInstanceAsync SMS_SCI_Component");
  log.cmtrace(host, kSmsProv, "CExtProviderClassObject::DoPutInstanceInstance");
  estate.put_document(host, "configmgr.component", upper(*code), component);
  estate.advance(2);
  log.cmtrace(host, kWcm, "SCF change notification triggered.");
  for (const auto& [fqdn, sup] : estate.documents(host, "configmgr.sup")) {
    if (!iequals(sup.value("site", ""), *code) || sup.value("installed", false) != true) continue;
    if (!wsus::installed_version(estate, fqdn)) continue;
    bool ssl = sup.value("wsus_ssl", false);
    std::string port = (ssl ? sup.value("wsus_iis_ssl_port", Json(8531)) : sup.value("wsus_iis_port", Json(8530))).dump();
    log.cmtrace(host, kWcm, fmt::format("Attempting connection to WSUS server: {}, port: {}, useSSL: {}", upper(fqdn), port, ssl ? "True" : "False"));
    log.cmtrace(host, kWcm, fmt::format("Successfully connected to server: {}, port: {}, useSSL: {}", upper(fqdn), port, ssl ? "True" : "False"));
    auto list = [&](const char* name) { return component.contains(name) && component[name].is_array() ? component[name] : Json(nullptr); };
    const Json products = list("products");
    const Json classifications = list("classifications");
    wsus::configure_subscription(estate, fqdn, products, classifications, list("languages"));
    Json categories = Json::array();
    for (const Json& guid : products.is_array() ? products : Json::array()) categories.push_back("Product:" + guid.get<std::string>());
    for (const Json& guid : classifications.is_array() ? classifications : Json::array()) {
      categories.push_back("UpdateClassification:" + guid.get<std::string>());
    }
    if (!categories.empty()) log.cmtrace(host, kWcm, fmt::format("Subscribed Update Categories {}", categories.dump()));
    log.cmtrace(host, kWcm, "Configuration successful. Will wait for 1 minute for any subscription or proxy changes before setting configuration "
                            "status to 'Success'.");
  }
  estate.advance(60);
  log.cmtrace(host, kWcm, "Setting new configuration state to 2 (WSUS_CONFIG_SUCCESS)");
  return succeeded(Json{{"log_lines", log.lines()}});
}

}  // namespace

void add_lab_operations(lab::OperationTable& table) {
  table.add("configmgr.get_site", get_site);
  table.add("configmgr.get_account", get_account);
  table.add("configmgr.set_account", set_account);
  table.add("configmgr.get_site_system", get_site_system);
  table.add("configmgr.set_site_system", set_site_system);
  table.add("configmgr.get_sup", get_sup);
  table.add("configmgr.add_sup", add_sup);
  table.add("configmgr.set_sup", set_sup);
  table.add("configmgr.remove_sup", remove_sup);
  table.add("configmgr.get_sync", get_sync);
  table.add("configmgr.get_members", get_members);
  table.add("configmgr.set_members", set_members);
  table.add("configmgr.remove_site_system", remove_site_system);
  table.add("configmgr.remove_account", remove_account);
  table.add("configmgr.set_sync", set_sync);
}

void seed_lab(const model::Manifest& manifest, lab::Estate& estate) {
  const model::Resource* hierarchy = manifest.find("hierarchy", "");
  bool legacy = hierarchy && hierarchy->string("configmgr") == "2007";
  for (const model::Resource& site : manifest.of_kind("site")) {
    auto server = site.string("server");
    std::string provider = provider_of(site, manifest);
    if (!server || provider.empty()) continue;
    auto parent = site.string("parent");
    estate.put_document(provider, "configmgr.site", upper(site.name()),
                        Json{{"code", upper(site.name())},
                             {"version", std::string(legacy ? kConfigMgr2007Version : kCurrentBranchVersion)},
                             {"type", site.string("type") ? Json(std::string(*site.string("type"))) : Json(nullptr)},
                             {"parent", parent ? Json(upper(*parent)) : Json(nullptr)},
                             {"server", std::string(*server)}});
  }
  for (const model::Resource& sup : manifest.of_kind("software_update_point")) {
    std::set<std::string> members;
    std::string site_server = server_of(sup, manifest);
    if (!site_server.empty()) members.insert(computer_account_of(site_server));
    if (auto name = sup.string("connection_account")) {
      const model::Resource* account = manifest.find("account", *name);
      auto user = account ? account->string("user") : std::nullopt;
      if (user && !account->boolean("manage_group_membership").value_or(false)) members.insert(std::string(*user));
    }
    for (const std::string& member : members) {
      for (std::string_view group : kSupGroups) estate.add_member(sup.name(), group, member);
    }
  }
  // The seeds have the administrator point the SYSTEM account's WinHTTP at the site system's proxy
  // on a server that reaches Microsoft Update through it (netsh winhttp set proxy).
  for (const model::Resource& system : manifest.of_kind("site_system")) {
    auto proxy_name = system.string("proxy");
    const model::Resource* proxy = proxy_name ? manifest.find("proxy", *proxy_name) : nullptr;
    auto server = proxy ? proxy->string("server") : std::nullopt;
    if (!server || estate.value(system.name(), formats::kWinHttpSettingsKey, formats::kWinHttpSettingsValue)) continue;
    const std::string blob =
        formats::encode_winhttp_settings(formats::make_winhttp_proxy(fmt::format("{}:{}", *server, proxy->integer("port").value_or(80)), "<local>"));
    estate.set_value(system.name(), formats::kWinHttpSettingsKey, formats::kWinHttpSettingsValue, lab::RegistryValue{"binary", model::spaced_hex(blob)});
  }
}

}  // namespace supctl::plugins::configmgr
