#include "plugins/wsus/lab.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace supctl::plugins::wsus {
namespace {

using model::FailureKind;
using model::Json;
using model::OperationResult;

constexpr std::string_view kCollection = "wsus";
constexpr std::string_view kKey = "server";
constexpr std::string_view kSetupKey = "HKLM\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup";
constexpr std::string_view kFeaturePrefix = "UpdateServices-";

OperationResult succeeded(Json value = Json::object()) { return {FailureKind::kNone, std::move(value), {}}; }
OperationResult failed(std::string error) { return {FailureKind::kFailed, nullptr, std::move(error)}; }

bool starts_with_text(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  }
  return true;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

/// The installed server's document, or nullopt when WSUS is not installed on `host`.
std::optional<Json> installed_document(const lab::Estate& estate, const std::string& host) {
  auto document = estate.document(host, kCollection, kKey);
  if (!document || !document->is_object() || !document->value("installed", false)) return std::nullopt;
  return document;
}

/// A string set as WSUS would hold it after `value` is set over `current`: an array replaces it,
/// {include, exclude} adds and removes items. Items compare without case; `normalize` spells them.
std::optional<Json> merged_set(const Json& current, const Json& value, bool guids, std::string* error,
                               std::string_view name) {
  auto spell = [&](const Json& item) -> std::optional<std::string> {
    if (!item.is_string()) return std::nullopt;
    return guids ? upper(item.get<std::string>()) : item.get<std::string>();
  };
  std::vector<std::string> out;
  auto contains = [&](std::string_view item) {
    return std::any_of(out.begin(), out.end(),
                       [&](const std::string& o) { return o.size() == item.size() && starts_with_text(o, item); });
  };
  auto add_all = [&](const Json& items) {
    if (!items.is_array()) return false;
    for (const Json& item : items) {
      auto text = spell(item);
      if (!text) return false;
      if (!contains(*text)) out.push_back(*text);
    }
    return true;
  };
  if (value.is_array()) {
    if (!add_all(value)) {
      *error = fmt::format("wsus.configure: '{}' must be an array of strings; found {}", name, value.dump());
      return std::nullopt;
    }
  } else if (value.is_object()) {
    if (current.is_array()) add_all(current);
    if ((value.contains("include") && !add_all(value["include"])) ||
        (value.contains("exclude") && !value["exclude"].is_array())) {
      *error = fmt::format("wsus.configure: '{}' must hold arrays of strings in include and exclude; found {}", name,
                           value.dump());
      return std::nullopt;
    }
    if (value.contains("exclude")) {
      for (const Json& item : value["exclude"]) {
        auto text = spell(item);
        if (!text) continue;
        std::erase_if(out, [&](const std::string& o) { return glob_match(*text, o); });
      }
    }
  } else {
    *error = fmt::format("wsus.configure: '{}' must be an array or {{include, exclude}}; found {}", name, value.dump());
    return std::nullopt;
  }
  std::sort(out.begin(), out.end());
  return Json(out);
}

OperationResult get(lab::Estate& estate, const std::string& host, const Json&) {
  auto document = installed_document(estate, host);
  if (!document) return succeeded(Json{{"installed", false}});
  Json result = *document;
  Json features = Json::array();
  for (const std::string& feature : estate.features(host)) {
    if (starts_with_text(feature, kFeaturePrefix)) features.push_back(feature);
  }
  result["features"] = std::move(features);
  return succeeded(std::move(result));
}

OperationResult install(lab::Estate& estate, const std::string& host, const Json& params) {
  for (const char* name : {"content_dir", "database"}) {
    if (!params.is_object() || !params.contains(name) || !params[name].is_string() ||
        params[name].get<std::string>().empty()) {
      return failed(fmt::format("wsus.install: the parameter '{}' is missing or not a non-empty string", name));
    }
  }
  install_in_lab(estate, host, params["content_dir"].get<std::string>(), params["database"].get<std::string>());
  return succeeded();
}

OperationResult configure(lab::Estate& estate, const std::string& host, const Json& params) {
  auto document = installed_document(estate, host);
  if (!document) {
    return failed(fmt::format(
        "WSUS is not installed on '{}': Get-WsusServer finds no update server (run wsus.install first)", host));
  }
  if (!params.is_object()) return failed("wsus.configure: the parameters must be an object");
  for (const char* part : {"configuration", "subscription"}) {
    if (params.contains(part) && !params[part].is_object()) {
      return failed(fmt::format("wsus.configure: '{}' must be an object; found {}", part, params[part].dump()));
    }
  }
  Json& configuration = (*document)["configuration"];
  if (!configuration.is_object()) configuration = Json::object();
  Json& subscription = (*document)["subscription"];
  if (!subscription.is_object()) subscription = Json::object();
  std::string error;
  if (params.contains("configuration")) {
    for (const auto& [name, value] : params["configuration"].items()) {
      if (name == "proxy") {
        if (!value.is_object() || !value.contains("server") || !value["server"].is_string()) {
          return failed(
              "wsus.configure: 'proxy' must be an object {server, port, user?, password?} with 'server' a string");
        }
        // The password goes to WSUS only: the estate remembers that one was set.
        configuration["proxy"] = Json{{"server", value["server"]},
                                      {"port", value.value("port", Json(80))},
                                      {"account", value.value("user", Json(nullptr))},
                                      {"has_password", value.contains("password") && !value["password"].is_null()}};
      } else if (name == "email_server_account") {
        if (!value.is_object() || !value.contains("user") || !value["user"].is_string()) {
          return failed("wsus.configure: 'email_server_account' must be an object {user, password?} with 'user' a string");
        }
        configuration[name] = value["user"];  // SmtpUserName; the password goes to WSUS only
      } else if (name == "languages") {
        auto merged = merged_set(configuration.value("languages", Json::array()), value, false, &error, name);
        if (!merged) return failed(error);
        configuration["languages"] = std::move(*merged);
      } else {
        configuration[name] = value;
      }
    }
  }
  if (params.contains("subscription")) {
    for (const auto& [name, value] : params["subscription"].items()) {
      if (name == "classifications" || name == "products") {
        auto merged =
            merged_set(subscription.value(name, Json::array()), value, name == "classifications", &error, name);
        if (!merged) return failed(error);
        subscription[name] = std::move(*merged);
      } else {
        subscription[name] = value;
      }
    }
  }
  estate.put_document(host, kCollection, kKey, *document);
  return succeeded();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  if (pattern[0] == '*')
    return glob_match(pattern.substr(1), text) || (!text.empty() && glob_match(pattern, text.substr(1)));
  if (text.empty()) return false;
  bool same = pattern[0] == '?' ||
              std::tolower(static_cast<unsigned char>(pattern[0])) == std::tolower(static_cast<unsigned char>(text[0]));
  return same && glob_match(pattern.substr(1), text.substr(1));
}

std::string wsus_version_of(std::string_view os_version) {
  for (std::string_view known : {"10.0.20348", "10.0.17763", "10.0.14393"}) {
    if (os_version.starts_with(known)) return std::string(known);
  }
  for (std::string_view known : {"6.3", "6.2"}) {
    if (os_version == known || os_version.starts_with(std::string(known) + ".")) return std::string(known);
  }
  if (os_version.starts_with("6.1.")) return "3.0-sp2";  // Windows Server 2008 R2: WSUS 3.0 SP2
  if (os_version.starts_with("6.0.")) return "3.0-sp1";  // Windows Server 2008
  return std::string(os_version);
}

namespace {

/// The Windows Server release that runs a WSUS version: what a derived lab host is given.
std::optional<lab::HostInfo> host_for(std::string_view name, std::string_view wsus_version) {
  struct Release {
    std::string_view wsus, os, os_version;
  };
  static constexpr Release kReleases[] = {{"3.0-sp1", "Windows Server 2008", "6.0.6002"},
                                          {"3.0-sp2", "Windows Server 2008 R2", "6.1.7601"},
                                          {"6.2", "Windows Server 2012", "6.2.9200"},
                                          {"6.3", "Windows Server 2012 R2", "6.3.9600"},
                                          {"10.0.14393", "Windows Server 2016", "10.0.14393"},
                                          {"10.0.17763", "Windows Server 2019", "10.0.17763"},
                                          {"10.0.20348", "Windows Server 2022", "10.0.20348"}};
  for (const Release& r : kReleases) {
    if (r.wsus == wsus_version) return lab::HostInfo{std::string(name), std::string(r.os), std::string(r.os_version)};
  }
  return std::nullopt;
}

}  // namespace

void install_in_lab(lab::Estate& estate, std::string_view host, std::string_view content_dir,
                    std::string_view database) {
  bool wid = database == "wid";
  for (std::string_view feature : {"UpdateServices-Services", wid ? "UpdateServices-WidDB" : "UpdateServices-DB",
                                   "UpdateServices-API", "UpdateServices-UI"}) {
    estate.install_feature(host, feature);
  }
  auto info = estate.host(host);
  auto document = estate.document(host, kCollection, kKey).value_or(Json::object());
  if (!document.is_object()) document = Json::object();
  document["installed"] = true;
  document["version"] = wsus_version_of(info ? info->os_version : "10.0.20348");
  document["content_dir"] = std::string(content_dir);
  document["database"] = std::string(database);
  if (!document.contains("configuration")) document["configuration"] = Json::object();
  if (!document.contains("subscription")) document["subscription"] = Json::object();
  estate.put_document(host, kCollection, kKey, document);
  estate.set_value(host, kSetupKey, "ContentDir", lab::RegistryValue{"string", std::string(content_dir)});
  estate.set_value(host, kSetupKey, "SqlServerName",
                   lab::RegistryValue{"string", wid ? "MICROSOFT##WID" : std::string(database)});
  estate.set_value(host, kSetupKey, "SqlDatabaseName", lab::RegistryValue{"string", "SUSDB"});
  estate.put_service(
      host,
      lab::Service{.name = "WsusService", .display_name = "WSUS Service", .startup = "automatic", .state = "running"});
}

void seed_lab(const model::Manifest& manifest, lab::Estate& estate) {
  // A host whose wsus_server declares a version runs the Windows Server that has that version,
  // so that a valid manifest converges on its derived lab.
  for (const model::Resource& wsus : manifest.of_kind("wsus_server")) {
    auto version = wsus.string("version");
    auto info = version ? host_for(wsus.name(), *version) : std::nullopt;
    if (info && estate.host(wsus.name()) && !installed_document(estate, wsus.name())) estate.add_host(*info);
  }
  // ConfigMgr takes WSUS for granted on a SUP host with no wsus_server resource; in a 2007
  // hierarchy that is WSUS 3.0 SP2 on Windows Server 2008 R2.
  const model::Resource* hierarchy = manifest.find("hierarchy", "");
  bool legacy = hierarchy && hierarchy->string("configmgr") == "2007";
  for (const model::Resource& sup : manifest.of_kind("software_update_point")) {
    const std::string& host = sup.name();
    if (manifest.find("wsus_server", host) || !estate.host(host)) continue;
    if (installed_document(estate, host)) continue;
    if (legacy) estate.add_host(*host_for(host, "3.0-sp2"));
    install_in_lab(estate, host, "C:\\WSUS", "wid");
  }
}

void add_lab_operations(lab::OperationTable& table) {
  table.add("wsus.get", get);
  table.add("wsus.install", install);
  table.add("wsus.configure", configure);
}

}  // namespace supctl::plugins::wsus
