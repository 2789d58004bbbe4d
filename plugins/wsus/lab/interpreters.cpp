#include "plugins/wsus/lab/interpreters.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "model/text.h"
#include "plugins/common/products.h"

namespace supctl::plugins::wsus {
namespace {

using plugin::FailureKind;
using model::Json;
using plugin::OperationResult;

constexpr std::string_view kCollection = "wsus";
constexpr std::string_view kKey = "server";
constexpr std::string_view kSetupKey = "HKLM\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup";
constexpr std::string_view kFeaturePrefix = "UpdateServices-";

using plugin::failed;
using plugin::succeeded;

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
    return guids ? model::upper(item.get<std::string>()) : item.get<std::string>();
  };
  std::vector<std::string> out;
  auto contains = [&](std::string_view item) {
    return std::any_of(out.begin(), out.end(), [&](const std::string& o) { return model::iequals(o, item); });
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
        std::erase_if(out, [&](const std::string& o) { return common::glob_match(*text, o); });
      }
    }
  } else {
    *error = fmt::format("wsus.configure: '{}' must be an array or {{include, exclude}}; found {}", name, value.dump());
    return std::nullopt;
  }
  std::sort(out.begin(), out.end());
  return Json(out);
}

/// The product GUIDs the lab server's catalog (supctl's, plugins/common/products.h) selects for a
/// pattern, as wsus.configure.ps1 selects them from GetUpdateCategories().
std::vector<std::string> catalog_ids(std::string_view pattern) {
  std::vector<std::string> out;
  for (const common::Product* product : common::match_products(pattern)) out.emplace_back(product->guid);
  return out;
}

/// The product GUIDs subscribed after `value` is set over `current` (GUIDs): an array of patterns
/// is the exact set, {include, exclude} adds what include selects and then removes what exclude
/// selects. Every pattern must select something in the catalog.
std::optional<Json> merged_products(const Json& current, const Json& value, const std::string& host, std::string* error) {
  std::set<std::string> ids;
  auto resolve = [&](const Json& patterns, bool add) {
    if (!patterns.is_array()) return false;
    for (const Json& pattern : patterns) {
      if (!pattern.is_string()) return false;
      std::vector<std::string> selected = catalog_ids(pattern.get<std::string>());
      if (selected.empty()) {
        *error = fmt::format("no product or product family in the WSUS catalog of '{}' matches '{}'", host,
                             pattern.get<std::string>());
        return false;
      }
      for (std::string& id : selected) {
        if (add) {
          ids.insert(std::move(id));
        } else {
          ids.erase(id);
        }
      }
    }
    return true;
  };
  auto shape_error = [&] {
    if (error->empty()) {
      *error = fmt::format("wsus.configure: 'products' must be an array of strings or {{include, exclude}}; found {}",
                           value.dump());
    }
    return std::nullopt;
  };
  if (value.is_array()) {
    if (!resolve(value, true)) return shape_error();
  } else if (value.is_object()) {
    if (current.is_array()) {
      for (const Json& id : current) {
        if (id.is_string()) ids.insert(model::upper(id.get<std::string>()));
      }
    }
    if ((value.contains("include") && !resolve(value["include"], true)) ||
        (value.contains("exclude") && !resolve(value["exclude"], false))) {
      return shape_error();
    }
  } else {
    return shape_error();
  }
  return Json(std::vector<std::string>(ids.begin(), ids.end()));
}

/// wsus.get's subscription: the stored product GUIDs become `products` (titles) and
/// `product_ids`, sorted by title as the catalog is. A GUID the catalog does not know is its own title.
void report_products(Json& subscription) {
  if (!subscription.is_object()) return;
  std::vector<std::pair<std::string, std::string>> products;  // title, GUID
  for (const Json& item : subscription.value("products", Json::array())) {
    if (!item.is_string()) continue;
    const common::Product* product = common::product_by_guid(item.get<std::string>());
    products.emplace_back(product ? std::string(product->title) : item.get<std::string>(),
                          product ? std::string(product->guid) : item.get<std::string>());
  }
  std::sort(products.begin(), products.end());
  Json titles = Json::array();
  Json ids = Json::array();
  for (const auto& [title, id] : products) {
    titles.push_back(title);
    ids.push_back(id);
  }
  subscription["products"] = std::move(titles);
  subscription["product_ids"] = std::move(ids);
}

OperationResult get(lab::Estate& estate, const std::string& host, const Json& params) {
  const bool has_catalog = params.is_object() && params.contains("catalog");
  if (has_catalog && !params["catalog"].is_boolean()) {
    return failed(fmt::format("wsus.get: 'catalog' must be true or false; found {}", params["catalog"].dump()));
  }
  auto document = installed_document(estate, host);
  if (!document) return succeeded(Json{{"installed", false}});
  Json result = *document;
  if (result.contains("subscription")) report_products(result["subscription"]);
  if (has_catalog && params["catalog"].get<bool>()) {
    // The lab server has synchronized its categories once: it offers supctl's whole catalog.
    Json catalog = Json::array();
    for (const common::Product& product : common::products()) {
      catalog.push_back(Json{{"title", product.title}, {"id", product.guid}, {"family", product.family}});
    }
    result["catalog"] = std::move(catalog);
  }
  Json features = Json::array();
  for (const std::string& feature : estate.features(host)) {
    if (model::istarts_with(feature, kFeaturePrefix)) features.push_back(feature);
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
      if (name == "classifications") {
        auto merged = merged_set(subscription.value(name, Json::array()), value, true, &error, name);
        if (!merged) return failed(error);
        subscription[name] = std::move(*merged);
      } else if (name == "products") {
        auto merged = merged_products(subscription.value(name, Json::array()), value, host, &error);
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
  for (const WindowsRelease& r : windows_releases()) {
    if (r.wsus == wsus_version) return lab::HostInfo{std::string(name), std::string(r.os), std::string(r.os_version)};
  }
  return std::nullopt;
}

}  // namespace

std::span<const WindowsRelease> windows_releases() {
  static constexpr WindowsRelease kReleases[] = {{"Windows Server 2008", "6.0.6002", "3.0-sp1"},
                                                 {"Windows Server 2008 R2", "6.1.7601", "3.0-sp2"},
                                                 {"Windows Server 2012", "6.2.9200", "6.2"},
                                                 {"Windows Server 2012 R2", "6.3.9600", "6.3"},
                                                 {"Windows Server 2016", "10.0.14393", "10.0.14393"},
                                                 {"Windows Server 2019", "10.0.17763", "10.0.17763"},
                                                 {"Windows Server 2022", "10.0.20348", "10.0.20348"}};
  return kReleases;
}

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

std::optional<std::string> installed_version(const lab::Estate& estate, std::string_view host) {
  auto document = installed_document(estate, std::string(host));
  if (!document || !(*document)["version"].is_string()) return std::nullopt;
  return (*document)["version"].get<std::string>();
}

void configure_proxy(lab::Estate& estate, std::string_view host, const Json& proxy) {
  const std::string name(host);
  Json document = estate.document(name, kCollection, kKey).value_or(Json::object());
  if (!document["configuration"].is_object()) document["configuration"] = Json::object();
  document["configuration"]["proxy"] = proxy;
  estate.put_document(name, kCollection, kKey, document);
}

void configure_subscription(lab::Estate& estate, std::string_view host, const Json& products, const Json& classifications,
                            const Json& languages) {
  const std::string name(host);
  Json document = estate.document(name, kCollection, kKey).value_or(Json::object());
  if (!document["subscription"].is_object()) document["subscription"] = Json::object();
  if (!products.is_null()) document["subscription"]["products"] = products;
  if (!classifications.is_null()) document["subscription"]["classifications"] = classifications;
  if (!languages.is_null()) {
    if (!document["configuration"].is_object()) document["configuration"] = Json::object();
    document["configuration"]["languages"] = languages;
  }
  estate.put_document(name, kCollection, kKey, document);
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
