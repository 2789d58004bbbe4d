#include "plugins/configmgr/resources.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <utility>
#include <variant>

#include "model/attributes.h"
#include "model/text.h"
#include "plugins/common/catalog.h"
#include "plugins/common/products.h"
#include "plugins/configmgr/schedule.h"

namespace supctl::plugins::configmgr {
namespace {

using plugin::Action;
using model::AttributeMap;
using model::Json;
using model::Resource;
using model::iequals;
using model::upper;

/// The SUP settings the role document keeps, by their manifest names.
constexpr std::array<std::string_view, 11> kSupSettings{"active", "anonymous_wsus_access", "client_connection_type",
                                                        "enable_cloud_gateway", "nlb_virtual_ip", "public_virtual_ip",
                                                        "use_proxy", "use_proxy_for_adr", "wsus_iis_port",
                                                        "wsus_iis_ssl_port", "wsus_ssl"};
constexpr std::array<std::string_view, 3> kSiteSystemSettings{"public_fqdn", "fdm_operation", "use_site_server_account"};


/// An attribute of a resource being read: from the manifest, or from what was last applied.
std::optional<std::string> attribute_of(const plugin::ReadRequest& request, std::string_view name) {
  if (request.desired) {
    auto value = request.desired->string(name);
    return value ? std::optional<std::string>(*value) : std::nullopt;
  }
  return model::string_attribute(request.recorded, name);
}

const Resource* top_of(const Resource* site, const model::Manifest& manifest) {
  for (int depth = 0; site && depth < 16; ++depth) {
    auto parent = site->string("parent");
    if (!parent) return site;
    site = manifest.find("site", *parent);
  }
  return nullptr;
}

const Resource* top_level_site(const model::Manifest& manifest) {
  for (const Resource& site : manifest.of_kind("site")) {
    if (!site.find("parent")) return &site;
  }
  return nullptr;
}

/// A proxy as ConfigMgr takes it, {server, port, account: DOMAIN\user or null}, from what the
/// plan resolved; null when the reference did not resolve.
Json proxy_of(const Json* references) {
  const Json* proxy = model::referenced(references, "proxy");
  if (!proxy || !proxy->contains("server") || !proxy->contains("port")) return nullptr;
  const Json& nested = (*references)["proxy"].value("references", Json::object());
  auto account = model::referenced_string(&nested, "account", "user");
  return Json{{"server", (*proxy)["server"]}, {"port", (*proxy)["port"]}, {"account", account ? Json(*account) : Json(nullptr)}};
}

/// What to check when a ConfigMgr read fails.
constexpr plugin::ReadAdvice kReadAdvice{.unreachable = "check that the site server is up and that supctl can reach it",
                                        .access_denied = "check that supctl's account is a ConfigMgr administrator"};

// ---- sync: products resolved against the catalog, shown by title.

/// Whether the subscribed GUIDs are what the products a manifest writes select in the catalog
/// the site synchronizes (common::select_products: include adds, exclude removes).
bool selection_holds(const Json& written, const Json& subscribed) {
  std::vector<common::ProductPattern> patterns = common::product_patterns(written, nullptr);
  common::ProductSelection selection = common::select_products(patterns, written.is_array(), common::catalog_ids);
  std::set<std::string> have;
  if (subscribed.is_array()) {
    for (const Json& guid : subscribed) {
      if (guid.is_string()) have.insert(upper(guid.get<std::string>()));
    }
  }
  return selection.unknown.empty() && selection.holds(have);
}

/// GUIDs shown as titles (a GUID the catalog does not know stays a GUID), sorted.
Json titles_of(const Json& guids, bool classifications) {
  std::vector<std::string> titles;
  if (guids.is_array()) {
    for (const Json& item : guids) {
      if (!item.is_string()) continue;
      const std::string& guid = item.get_ref<const std::string&>();
      if (classifications) {
        const common::Classification* c = common::classification_by_guid(upper(guid));
        titles.emplace_back(c ? std::string(c->title) : guid);
      } else {
        const common::Product* p = common::product_by_guid(guid);
        titles.emplace_back(p ? std::string(p->title) : guid);
      }
    }
  }
  std::sort(titles.begin(), titles.end());
  return Json(titles);
}

/// The sync settings as the component reports them, by the manifest's names. Products read as
/// the manifest writes them when they select exactly what is subscribed, else as titles.
AttributeMap observe_sync(const Json& result, const Json* written_products) {
  AttributeMap observed;
  for (const auto& [name, value] : result.items()) {
    if (name == "exists" || name == "site" || name == "child") continue;
    if (name == "classifications") {
      observed[name] = value.is_null() ? value : titles_of(value, true);
    } else if (name == "products") {
      bool same = written_products && !value.is_null() && selection_holds(*written_products, value);
      observed[name] = same ? *written_products : (value.is_null() ? value : titles_of(value, false));
    } else {
      observed[name] = value;
    }
  }
  return observed;
}

/// A schedule as set_sync takes it: the canonical text and the fields New-CMSchedule needs.
Json schedule_param(const Json& written) {
  if (!written.is_string()) return written;
  auto parsed = parse_schedule(written.get<std::string>());
  const Schedule* schedule = std::get_if<Schedule>(&parsed);
  if (!schedule) return written;
  static constexpr std::array<std::string_view, 5> kRecurrence{"hours", "days", "weekly", "monthly_by_day", "monthly_by_week"};
  return Json{{"text", schedule->str()},
              {"recurrence", kRecurrence[static_cast<std::size_t>(schedule->recurrence)]},
              {"interval", schedule->interval},
              {"start", fmt::format("{:02}:{:02}", schedule->hour, schedule->minute)},
              {"day_of_week", schedule->day_of_week},
              {"week_order", schedule->week_order},
              {"day_of_month", schedule->day_of_month}};
}

/// The products a manifest writes, as set_sync takes them: GUIDs, an array or {include, exclude}.
Json products_param(const Json& written) {
  std::vector<common::ProductPattern> patterns = common::product_patterns(written, nullptr);
  common::ProductSelection selection = common::select_products(patterns, written.is_array(), common::catalog_ids);
  if (selection.exact) return Json(std::vector<std::string>(selection.wanted.begin(), selection.wanted.end()));
  return Json{{"include", std::vector<std::string>(selection.wanted.begin(), selection.wanted.end())},
              {"exclude", std::vector<std::string>(selection.unwanted.begin(), selection.unwanted.end())}};
}

/// The update languages by culture code, with the names Set-CMSoftwareUpdatePointComponent takes
/// for them (-Add/-RemoveLanguageSummaryDetail, -Add/-RemoveLanguageUpdateFile: "a string array of
/// language names", e.g. "Dutch"). The component keeps the codes (SupportedTitleLanguages,
/// SupportedUpdateLanguages); the names are ConfigMgr's own and in English, Windows' legacy English
/// names of the cultures, which .NET on a current Windows no longer gives ("Chinese (Simplified,
/// China)", "Norwegian Bokmål") and a console in another language translates. Sources: Microsoft's
/// reference for Set-CMSoftwareUpdatePointComponent (learn.microsoft.com/powershell/module/
/// configurationmanager/set-cmsoftwareupdatepointcomponent, example 1 and the Add/Remove language
/// parameters); ConfigMgrCBDsc's DSC_CMSoftwareUpdatePointComponent, whose list of the 37 names it
/// accepts and passes to the cmdlet is this one; a console-generated script that removes every
/// language but English by these names (Chinese, Portuguese (Brazil), Norwegian, Serbian included).
constexpr std::array<std::pair<std::string_view, std::string_view>, 37> kLanguageNames{{
    {"ar", "Arabic"},
    {"bg", "Bulgarian"},
    {"cs", "Czech"},
    {"da", "Danish"},
    {"de", "German"},
    {"el", "Greek"},
    {"en", "English"},
    {"es", "Spanish"},
    {"et", "Estonian"},
    {"fi", "Finnish"},
    {"fr", "French"},
    {"he", "Hebrew"},
    {"hi", "Hindi"},
    {"hr", "Croatian"},
    {"hu", "Hungarian"},
    {"it", "Italian"},
    {"ja", "Japanese"},
    {"ko", "Korean"},
    {"lt", "Lithuanian"},
    {"lv", "Latvian"},
    {"nl", "Dutch"},
    {"no", "Norwegian"},
    {"pl", "Polish"},
    {"pt", "Portuguese"},
    {"pt-br", "Portuguese (Brazil)"},
    {"ro", "Romanian"},
    {"ru", "Russian"},
    {"sk", "Slovak"},
    {"sl", "Slovenian"},
    {"sr", "Serbian"},
    {"sv", "Swedish"},
    {"th", "Thai"},
    {"tr", "Turkish"},
    {"uk", "Ukrainian"},
    {"zh-cn", "Chinese (Simplified, PRC)"},
    {"zh-hk", "Chinese (Traditional, Hong Kong S.A.R.)"},
    {"zh-tw", "Chinese (Traditional, Taiwan)"},
}};

/// Every language's name by its code, as set_sync takes them (language_names): the codes to remove
/// are the server's, so each is there.
Json language_names() {
  Json names = Json::object();
  for (const auto& [code, name] : kLanguageNames) names[std::string(code)] = name;
  return names;
}

/// The site an account is at: the one it names, else the top-level site, where it is made then.
std::optional<std::string> account_site_of(const plugin::ReadRequest& request) {
  if (auto site = attribute_of(request, "site")) return upper(*site);
  const Resource* top = request.manifest ? top_level_site(*request.manifest) : nullptr;
  return top ? std::optional<std::string>(upper(top->name())) : std::nullopt;
}

/// The site a site system's proxy account is at, from what the plan resolved: the site the account
/// names, else the top-level site above the site system's site (accounts are made there when they
/// name none), else the site system's own site.
std::optional<std::string> proxy_account_site(const Json* references) {
  if (!references || !references->is_object()) return std::nullopt;
  auto code_of = [](const Json& object, const char* key) -> std::optional<std::string> {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return std::nullopt;
    return upper(it->get<std::string>());
  };
  if (auto proxy = references->find("proxy"); proxy != references->end() && proxy->is_object()) {
    if (auto nested = proxy->find("references"); nested != proxy->end()) {
      const Json* account = model::referenced(&*nested, "account");
      if (auto written = account ? code_of(*account, "site") : std::nullopt) return written;
    }
  }
  auto site = references->find("site");
  if (site == references->end() || !site->is_object()) return std::nullopt;
  const Json* at = &*site;
  for (int depth = 0; depth < 8; ++depth) {
    auto nested = at->find("references");
    if (nested == at->end() || !nested->is_object()) break;
    auto parent = nested->find("parent");
    if (parent == nested->end() || !parent->is_object()) break;
    at = &*parent;
  }
  return code_of(*at, "name");
}

// ---- software_update_point: the connection account's group memberships, when supctl manages them.

/// The connection account (DOMAIN\user) whose memberships supctl manages on the SUP's server:
/// manage_group_membership = true on the account the SUP names; nullopt otherwise.
std::optional<std::string> managed_member(const Json* references) {
  const Json* account = model::referenced(references, "connection_account");
  if (!account || account->value("manage_group_membership", false) != true) return std::nullopt;
  return model::referenced_string(references, "connection_account", "user");
}

/// The site server of a SUP that is not on it (whose ConfigMgr reaches its WSUS over the network);
/// empty for a SUP on its site server, or when the manifest does not say.
std::string remote_site_server(const model::Resource& sup, const model::Manifest& manifest) {
  std::string server = server_of(sup, manifest);
  return iequals(server, sup.name()) ? std::string() : server;
}

/// The get_members parameters that check a SUP's server, where it runs: the groups of the account
/// ConfigMgr connects with (the connection account, else the site server's computer account) and,
/// when the manifests install no WSUS there, the WSUS the role setup will find. nullopt when nothing
/// needs checking (a SUP on its site server whose memberships supctl does not manage).
std::optional<Json> sup_host_check(const plugin::ReadRequest& request) {
  auto managed = managed_member(request.references);
  if (!request.desired || !request.manifest) {
    if (!managed) return std::nullopt;  // reading back after apply: only what supctl changed
    return Json{{"member", *managed}};
  }
  std::string server = remote_site_server(*request.desired, *request.manifest);
  bool remote = !server.empty();
  auto member = managed ? managed : model::referenced_string(request.references, "connection_account", "user");
  if (!member && remote) member = computer_account_of(server);
  bool wsus = !request.manifest->find("wsus_server", request.address.name);
  if (!member || (!remote && !managed && !wsus)) return std::nullopt;
  return Json{{"member", *member}, {"wsus", wsus}};
}

/// Whether the site supports a WSUS version, as the role setup judges it: a ConfigMgr 2007 site
/// (4.00.x) WSUS 3.0 SP1/SP2 (3.x), current branch WSUS 4.0 and later of Windows Server 2012 to 2022.
bool wsus_supported(std::string_view site_version, std::string_view wsus_version) {
  if (site_version.starts_with("4.")) return wsus_version.starts_with("3.");
  constexpr std::array<std::string_view, 5> kSupported{"6.2.", "6.3.", "10.0.14393", "10.0.17763", "10.0.20348"};
  return std::any_of(kSupported.begin(), kSupported.end(), [&](std::string_view prefix) { return wsus_version.starts_with(prefix); });
}

/// Plan-time errors for what would make the role fail on its server: an account ConfigMgr connects
/// with that is missing from a group (unless supctl manages it), or no usable WSUS.
void check_sup_host(const plugin::ObserveRequest& request, const Json& seen, const std::string& site_version, diag::Diagnostics& out) {
  bool remote = request.desired && request.manifest && !remote_site_server(*request.desired, *request.manifest).empty();
  if (remote && !managed_member(request.references)) {
    std::vector<std::string> missing;
    for (std::string_view group : kSupGroups) {
      bool in = false;
      for (const Json& g : seen.value("groups", Json::array())) in |= g.is_string() && iequals(g.get<std::string>(), group);
      if (!in) missing.emplace_back(group);
    }
    if (!missing.empty()) {
      std::string member = seen.value("member", std::string());
      auto& d = plugin::resource_error(out, request.address, "wsus-access",
                                      fmt::format("{}: {} is not in the local {} group{} on {}; WSUS Configuration Manager would fail to connect",
                                                  request.address.str(), member, fmt::join(missing, " and "), missing.size() == 1 ? "" : "s",
                                                  request.address.name));
      d.key_path = request.address.str() + ".connection_account";
      d.help = model::referenced(request.references, "connection_account")
                   ? "add it to both groups on the server, or set manage_group_membership = true on the account"
                   : "add the site server's computer account to both groups on the server, or name a connection_account";
    }
  }
  const Json wsus = seen.value("wsus", Json(nullptr));
  if (!wsus.is_object()) return;
  const std::string version = wsus.value("version", Json(nullptr)).is_string() ? wsus["version"].get<std::string>() : std::string();
  bool installed = wsus.value("installed", false) && !version.empty();
  if (!installed || !wsus_supported(site_version, version)) {
    bool legacy = site_version.starts_with("4.");
    std::string reason = !installed ? std::string("WSUS is not installed")
                         : legacy   ? fmt::format("WSUS {} is not supported by ConfigMgr 2007 (supported: WSUS 3.0 SP1 or SP2)", version)
                                    : fmt::format("WSUS {} is not supported by ConfigMgr current branch (supported: 6.2, 6.3, 10.0.14393, "
                                                  "10.0.17763, 10.0.20348)",
                                                  version);
    auto& d = plugin::resource_error(out, request.address, installed ? "wsus-version" : "wsus-missing",
                                    fmt::format("{}: {}; the role setup would fail", request.address.str(), reason));
    d.help = installed ? "run a supported WSUS on the server (a newer Windows Server), or remove the software update point"
                                                     : "install WSUS first: declare a wsus_server for this host, or install it by hand";
  }
}

std::string_view read_operation(std::string_view kind) {
  if (kind == "site") return "configmgr.get_site";
  if (kind == "account") return "configmgr.get_account";
  if (kind == "site_system") return "configmgr.get_site_system";
  if (kind == "software_update_point") return "configmgr.get_sup";
  if (kind == "sync") return "configmgr.get_sync";
  return {};
}

}  // namespace

bool same_proxy(const Json& wanted, const Json& seen) {
  if (!wanted.is_object() || !seen.is_object()) return false;
  auto text_of = [](const Json& j, const char* key) { return j.contains(key) && j[key].is_string() ? upper(j[key].get<std::string>()) : ""; };
  return text_of(wanted, "server") == text_of(seen, "server") && wanted.value("port", Json(nullptr)) == seen.value("port", Json(nullptr)) &&
         text_of(wanted, "account") == text_of(seen, "account");
}

std::string domain_of(std::string_view fqdn) {
  std::size_t first = fqdn.find('.');
  if (first == std::string_view::npos) return {};
  std::size_t second = fqdn.find('.', first + 1);
  return upper(fqdn.substr(first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1));
}

std::string netbios_of(std::string_view fqdn) { return upper(fqdn.substr(0, fqdn.find('.'))); }

std::string computer_account_of(std::string_view fqdn) { return fmt::format("{}\\{}$", domain_of(fqdn), netbios_of(fqdn)); }

namespace {

/// The site a resource belongs to: a site itself; a site_system's, SUP's or sync's site; for an
/// account its site's top-level site (or the hierarchy's), for a proxy the top-level site.
const Resource* site_of(const Resource& resource, const model::Manifest& manifest) {
  const std::string& kind = resource.kind();
  if (kind == "site") return &resource;
  if (kind == "site_system" || kind == "software_update_point") {
    auto code = resource.string("site");
    return code ? manifest.find("site", *code) : nullptr;
  }
  if (kind == "sync") return manifest.find("site", resource.name());
  if (kind == "account") {
    auto code = resource.string("site");
    return code ? top_of(manifest.find("site", *code), manifest) : top_level_site(manifest);
  }
  if (kind == "proxy") return top_level_site(manifest);
  return nullptr;
}

std::string machine_of(const Resource* site, std::string_view attribute) {
  auto machine = site ? site->string(attribute) : std::nullopt;
  return machine ? std::string(*machine) : std::string();
}

}  // namespace

std::string server_of(const Resource& resource, const model::Manifest& manifest) {
  return machine_of(site_of(resource, manifest), "server");
}

std::string provider_of(const Resource& resource, const model::Manifest& manifest) {
  // The site whose SMS Provider answers: a secondary's parent primary.
  const Resource* site = site_of(resource, manifest);
  for (int depth = 0; site && depth < 16; ++depth) {
    auto type = site->string("type");
    auto parent = site->string("parent");
    if (!(type && *type == "secondary" && parent)) break;
    site = manifest.find("site", *parent);
  }
  std::string provider = machine_of(site, "provider");
  return provider.empty() ? machine_of(site, "server") : provider;
}

plugin::ReadResponse read_resource(const plugin::ReadRequest& request) {
  plugin::ReadResponse response;
  const std::string& kind = request.address.kind;
  if (kind == "proxy") return response;  // manifest data: it reaches servers through the site systems that use it
  std::string_view operation = read_operation(kind);
  if (operation.empty()) {
    plugin::resource_error(response.diagnostics, request.address, "not-implemented", fmt::format("the configmgr plugin cannot read {} yet", kind));
    return response;
  }
  if (kind == "site") {
    response.operations.push_back({std::string(operation), Json{{"code", request.address.name}}});
  } else if (kind == "sync") {
    response.operations.push_back({std::string(operation), Json{{"site", request.address.name}}});
  } else if (kind == "account") {
    auto user = attribute_of(request, "user");
    if (!user) {
      plugin::resource_error(response.diagnostics, request.address, "read-failed", fmt::format("cannot read {}: it has no 'user'", request.address.str()));
      return response;
    }
    Json params{{"user", *user}};
    if (auto site = account_site_of(request)) params["site"] = *site;
    response.operations.push_back({std::string(operation), std::move(params)});
  } else {
    auto site = attribute_of(request, "site");
    if (!site) {
      plugin::resource_error(response.diagnostics, request.address, "read-failed", fmt::format("cannot read {}: it has no 'site'", request.address.str()));
      return response;
    }
    response.operations.push_back({std::string(operation), Json{{"fqdn", request.address.name}, {"site", *site}}});
    if (kind == "software_update_point") {
      // On the SUP's own server, through its own transport: whether the role is installed there,
      // and the groups ConfigMgr's account must be in.
      response.operations.push_back({"registry.get_key", Json{{"key", kSupRoleKey}}, request.address.name});
      if (auto check = sup_host_check(request)) response.operations.push_back({"configmgr.get_members", std::move(*check), request.address.name});
    }
  }
  return response;
}

plugin::ObserveResponse observe_resource(const plugin::ObserveRequest& request) {
  plugin::ObserveResponse response;
  const std::string& kind = request.address.kind;
  if (kind == "proxy") {
    if (request.desired) {
      response.observed = model::desired_attributes(*request.desired);
    } else if (request.recorded) {
      AttributeMap recorded = *request.recorded;
      recorded.erase("depends_on");
      response.observed = std::move(recorded);
    }
    return response;
  }
  const Json* result = plugin::read_result(request, 0, read_operation(kind), kReadAdvice, response.diagnostics);
  if (!result) return response;
  if (kind == "sync") {
    if (!result->value("exists", false)) {
      auto& d = plugin::resource_error(response.diagnostics, request.address, "not-found",
                                      fmt::format("{}: site '{}' does not exist on its server", request.address.str(), request.address.name));
      d.help = "supctl configures a site's software update point component but never creates sites: install the site first";
      return response;
    }
    std::optional<Json> written;
    if (const model::Attribute* products = request.desired ? request.desired->find("products") : nullptr) {
      written = model::to_json(products->value);
    } else if (request.recorded && request.recorded->contains("products")) {
      written = request.recorded->at("products");
    }
    response.observed = observe_sync(*result, written ? &*written : nullptr);
    return response;
  }
  // A SUP: whether the role is installed on its server, and that server's groups and WSUS.
  const Json* sup_host = nullptr;
  bool installed = false;
  if (kind == "software_update_point") {
    const Json* key = plugin::read_result(request, 1, "registry.get_key", kReadAdvice, response.diagnostics);
    if (!key) return response;
    if (request.results.size() > 2) {
      sup_host = plugin::read_result(request, 2, "configmgr.get_members", kReadAdvice, response.diagnostics);
      if (!sup_host) return response;
    }
    installed = result->value("exists", false) && key->value("exists", false) == true;
  }
  if (sup_host && !installed && request.desired) {
    // Only a role still to be installed is checked: an installed one already proved it.
    const Json version = result->value("site_version", Json(nullptr));
    check_sup_host(request, *sup_host, version.is_string() ? version.get<std::string>() : std::string(), response.diagnostics);
  }
  if (!result->value("exists", false)) return response;
  AttributeMap observed;
  if (kind == "site") {
    for (const char* key : {"type", "parent", "server"}) observed[key] = result->value(key, Json(nullptr));
    // The machine that answered must be the SMS Provider of this site (of its parent, for a secondary).
    const Json answering = result->value("provider_site", Json(nullptr));
    const bool secondary = observed["type"] == "secondary";
    const Json expected = secondary ? observed["parent"] : Json(upper(request.address.name));
    if (answering.is_string() && expected.is_string() && !iequals(answering.get<std::string>(), expected.get<std::string>())) {
      auto& d = plugin::resource_error(response.diagnostics, request.address, "wrong-provider",
                                      fmt::format("{}: the machine supctl reads it through is the SMS Provider of site {}, not of {}{}",
                                                  request.address.str(), answering.get<std::string>(), expected.get<std::string>(),
                                                  secondary ? " (this secondary site's parent)" : ""));
      d.key_path = request.address.str() + (secondary ? ".parent" : ".provider");
      d.help = secondary ? "check the secondary site's parent: supctl reaches it through its parent primary's SMS Provider"
                         : "set provider to the machine where this site's SMS Provider is installed (it defaults to the site's server)";
      return response;
    }
    if (request.desired && request.desired->find("provider")) observed["provider"] = model::to_json(request.desired->find("provider")->value);
  } else if (kind == "account") {
    observed["user"] = result->value("user", Json(nullptr));
    observed["site"] = result->value("site", Json(nullptr));
    // Whether supctl manages the group memberships is its own setting, not the server's.
    const model::Attribute* manage = request.desired ? request.desired->find("manage_group_membership") : nullptr;
    if (manage) {
      observed["manage_group_membership"] = model::to_json(manage->value);
    } else if (request.recorded && request.recorded->contains("manage_group_membership")) {
      observed["manage_group_membership"] = request.recorded->at("manage_group_membership");
    }
  } else if (kind == "site_system") {
    observed["site"] = result->value("site", Json(nullptr));
    for (std::string_view key : kSiteSystemSettings) observed[std::string(key)] = result->value(std::string(key), Json(nullptr));
    observed["installation_account"] =
        model::as_reference(result->value("installation_account", Json(nullptr)), request.references, "installation_account", "user");
    // The proxy by its manifest name when its settings are the ones the manifest gives it.
    Json proxy = result->value("proxy", Json(nullptr));
    observed["proxy"] = same_proxy(proxy_of(request.references), proxy) ? (*request.references)["proxy"]["name"] : proxy;
  } else {
    observed["site"] = result->value("site", Json(nullptr));
    for (std::string_view key : kSupSettings) observed[std::string(key)] = result->value(std::string(key), Json(nullptr));
    observed["connection_account"] =
        model::as_reference(result->value("connection_account", Json(nullptr)), request.references, "connection_account", "user");
    observed["installed"] = installed;
    if (sup_host && managed_member(request.references)) observed["group_membership"] = sup_host->value("groups", Json::array());
  }
  response.observed = std::move(observed);
  return response;
}

plugin::DiffResponse diff_resource(const plugin::DiffRequest& request) {
  plugin::DiffResponse response = plugin::generic_diff(request);
  if (request.address.kind == "software_update_point" && request.desired && request.observed && managed_member(request.references)) {
    // manage_group_membership: the connection account belongs in both groups on the SUP's server.
    Json groups = request.observed->contains("group_membership") ? request.observed->at("group_membership") : Json::array();
    bool complete = std::all_of(kSupGroups.begin(), kSupGroups.end(), [&](std::string_view g) {
      return std::any_of(groups.begin(), groups.end(), [&](const Json& have) { return have.is_string() && iequals(have.get<std::string>(), g); });
    });
    if (!complete) {
      response.attributes.push_back(plugin::AttributeDiff{"group_membership", groups, Json(std::vector<std::string>(kSupGroups.begin(), kSupGroups.end())), false});
      std::sort(response.attributes.begin(), response.attributes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
      if (response.action == Action::kNoOp) response.action = Action::kUpdate;
    }
  }
  if (request.address.kind == "software_update_point" && request.desired && request.observed &&
      request.observed->contains("installed") && request.observed->at("installed") == false) {
    // The role is configured but never installed (see SUPSetup.log and WCM.log): install it again.
    response.attributes.push_back(plugin::AttributeDiff{"installed", false, true, false});
    std::sort(response.attributes.begin(), response.attributes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    if (response.action == Action::kNoOp) response.action = Action::kUpdate;
  }
  if (request.address.kind != "sync" || !request.desired) return response;
  auto products = request.desired->find("products");
  if (products == request.desired->end()) return response;
  std::vector<common::ProductPattern> patterns = common::product_patterns(products->second, nullptr);
  for (const common::ProductPattern* pattern :
       common::select_products(patterns, products->second.is_array(), common::catalog_ids).unknown) {
    auto& d = plugin::resource_error(response.diagnostics, request.address, "unknown-product",
                                    fmt::format("{}: no WSUS product is called '{}'", request.address.str(), pattern->text));
    d.key_path = request.address.str() + ".products";
    d.detail = "products are matched by title (with * and ? as wildcards) or by GUID against the catalog the site synchronizes";
    d.help = common::suggest_product(pattern->text);
    if (d.help.empty()) d.help = "check the title in the console under Software Library > Software Updates > Products";
  }
  return response;
}

plugin::ApplyResponse apply_resource(const plugin::ApplyRequest& request) {
  plugin::ApplyResponse response;
  const std::string& kind = request.address.kind;
  auto cannot = [&](std::string why) {
    plugin::resource_error(response.diagnostics, request.address, "apply-failed", fmt::format("cannot change {}: {}", request.address.str(), why));
    return response;
  };
  auto site = model::string_attribute(request.desired, "site");
  if (!site) site = model::string_attribute(request.observed, "site");
  if (kind == "proxy") return response;  // nothing on a server: its site systems carry it
  if (kind == "account") {
    if (request.action == Action::kDelete) {
      auto user = model::string_attribute(request.observed, "user");
      if (!user) return cannot("the state does not say which user it is");
      Json params{{"user", *user}};
      if (site) params["site"] = upper(*site);  // where it was read: Get-CMAccount would find it at every site
      response.operations.push_back({"configmgr.remove_account", std::move(params)});
      return response;
    }
    auto user = model::string_attribute(request.desired, "user");
    if (!user || !request.desired->contains("password")) return cannot("it has no 'user' or 'password'");
    Json params{{"user", *user}, {"password", {{"$secret", request.desired->at("password")}}}};
    if (site) params["site"] = upper(*site);
    response.operations.push_back({"configmgr.set_account", std::move(params)});
    return response;
  }
  if (kind == "site_system") {
    if (!site) return cannot("it has no 'site'");
    if (request.action == Action::kDelete) {
      response.operations.push_back({"configmgr.remove_site_system", Json{{"fqdn", request.address.name}, {"site", *site}}});
      return response;
    }
    Json params{{"fqdn", request.address.name}, {"site", *site}};
    bool creating = request.action == Action::kCreate;
    auto wants = [&](std::string_view name) {
      if (!request.desired || !request.desired->contains(name)) return false;
      if (creating) return true;
      for (const plugin::AttributeDiff& a : request.attributes) {
        if (a.name == name) return true;
      }
      return false;
    };
    if (wants("proxy")) {
      Json proxy = proxy_of(request.references);
      if (proxy.is_null()) return cannot("the proxy it names was not resolved at plan time; plan again");
      if (proxy["account"].is_string()) {
        if (auto account_site = proxy_account_site(request.references)) proxy["account_site"] = *account_site;
      }
      params["proxy"] = proxy;
    }
    if (wants("installation_account")) {
      auto user = model::referenced_string(request.references, "installation_account", "user");
      if (!user) return cannot("the installation account it names was not resolved at plan time; plan again");
      params["installation_account"] = *user;
    }
    for (std::string_view setting : kSiteSystemSettings) {
      if (wants(setting)) params[std::string(setting)] = request.desired->find(setting)->second;
    }
    response.operations.push_back({"configmgr.set_site_system", std::move(params)});
    return response;
  }
  if (kind == "software_update_point") {
    if (!site) return cannot("it has no 'site'");
    if (request.action == Action::kDelete) {
      response.operations.push_back({"configmgr.remove_sup", Json{{"fqdn", request.address.name}, {"site", *site}}});
      return response;
    }
    Json params{{"fqdn", request.address.name}, {"site", *site}};
    bool creating = request.action == Action::kCreate;
    std::vector<std::string> names;
    if (creating) {
      for (const auto& [name, value] : *request.desired) names.push_back(name);
    } else {
      for (const plugin::AttributeDiff& a : request.attributes) names.push_back(a.name);
    }
    for (const std::string& name : names) {
      if (name == "site" || !request.desired->contains(name)) continue;
      if (name == "connection_account") {
        auto user = model::referenced_string(request.references, "connection_account", "user");
        if (!user) return cannot("the connection account it names was not resolved at plan time; plan again");
        params["connection_account"] = *user;
      } else if (std::find(kSupSettings.begin(), kSupSettings.end(), name) != kSupSettings.end()) {
        params[name] = request.desired->at(name);
      }
    }
    if (auto member = managed_member(request.references)) {
      // On the SUP's own server, before ConfigMgr connects with the account.
      response.operations.push_back(
          {"configmgr.set_members", Json{{"member", *member}, {"groups", std::vector<std::string>(kSupGroups.begin(), kSupGroups.end())}},
           request.address.name});
    }
    if (creating) {
      response.operations.push_back({"configmgr.add_sup", std::move(params)});
    } else {
      response.operations.push_back({"configmgr.set_sup", std::move(params)});
    }
    return response;
  }
  if (kind == "sync") {
    if (request.action == Action::kDelete) return response;  // not deletable: the planner forgets it
    Json params{{"site", request.address.name}};
    for (const plugin::AttributeDiff& a : request.attributes) {
      if (!request.desired || !request.desired->contains(a.name)) continue;
      const Json& written = request.desired->at(a.name);
      params[a.name] = a.name == "products" ? products_param(written) : a.name == "schedule" ? schedule_param(written) : written;
    }
    // ConfigMgr keeps no "synchronize on a schedule" flag: a site does when the SMS_WSUS_SYNC_MANAGER
    // component has a Sync Schedule token, which get_sync reads. So off clears the schedule (the
    // cmdlet's -Schedule $null, "to disable synchronization" in Microsoft's reference) and on sends
    // the schedule with it, whether or not the schedule itself changed.
    if (params.contains("enable_synchronization")) {
      if (params["enable_synchronization"] == false) {
        params["schedule"] = nullptr;
      } else if (!params.contains("schedule") && request.desired->contains("schedule")) {
        params["schedule"] = schedule_param(request.desired->at("schedule"));
      }
    }
    if (params.contains("languages") || params.contains("update_file_languages")) params["language_names"] = language_names();
    response.operations.push_back({"configmgr.set_sync", std::move(params)});
    return response;
  }
  return cannot(fmt::format("the configmgr plugin cannot change {} yet", kind));
}

}  // namespace supctl::plugins::configmgr
