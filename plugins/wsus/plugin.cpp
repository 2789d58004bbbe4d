#include "plugins/wsus/plugin.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <iterator>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "model/formats.h"
#include "model/text.h"
#include "plugins/common/catalog.h"
#include "plugins/common/products.h"
#include "plugins/common/proxy.h"
#include "plugins/wsus/operations.h"

namespace supctl::plugins::wsus {
namespace {

using diag::Severity;
using plugin::Action;
using model::AttributeMap;
using model::AttributeSchema;
using model::Json;
using model::AttrType;
using model::KindSchema;
using model::Resource;
namespace formats = model::formats;

std::optional<model::FormatError> check_database(std::string_view text, std::string*) {
  if (text == "wid") return std::nullopt;
  std::size_t slash = text.find('\\');
  std::string_view server = text.substr(0, slash);
  auto server_ok = !server.empty() && std::isalnum(static_cast<unsigned char>(server[0])) &&
                   std::all_of(server.begin(), server.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; });
  if (!server_ok) return model::FormatError{"expected 'wid', or a SQL Server as 'SERVER' or 'SERVER\\INSTANCE'", 0, {}};
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view instance = text.substr(slash + 1);
  auto instance_ok = !instance.empty() && std::all_of(instance.begin(), instance.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '#' || c == '-';
  });
  if (!instance_ok) return model::FormatError{"expected a SQL Server instance name after '\\'", slash + 1, {}};
  return std::nullopt;
}

const model::Format kDatabaseFormat{
    "database", "'wid' for the Windows Internal Database, or a SQL Server as 'SERVER' or 'SERVER\\INSTANCE'",
    R"json({"type":"string","pattern":"^(wid|[A-Za-z0-9][A-Za-z0-9.-]*(\\\\[A-Za-z0-9_$#-]+)?)$"})json", check_database, "invalid-value", true};

using model::attr::boolean;

std::vector<KindSchema> make_kinds() {
  std::vector<std::string_view> versions;
  for (auto v : common::wsus_versions_2007()) versions.push_back(v);
  for (auto v : common::wsus_versions_current_branch()) versions.push_back(v);
  std::vector<KindSchema> kinds;
  kinds.push_back(KindSchema{
      .kind = "wsus_server",
      .plugin = "wsus",
      .description = "The WSUS role on a server: Windows features and postinstall, and its configuration when no SUP owns it.",
      .names_machine = true,
      .name_format = &formats::kFqdn,
      .attributes = {
          boolean("allow_destroy", "let supctl remove WSUS when it leaves the manifests"),
          boolean("auto_approve_wsus_infrastructure_updates", "approve WSUS infrastructure updates automatically"),
          boolean("auto_refresh_update_approvals", "approve new revisions of approved updates automatically"),
          boolean("auto_refresh_update_approvals_decline_expired", "decline updates that Microsoft expires"),
          boolean("bits_download_priority_foreground", "download with foreground BITS priority"),
          {.name = "classifications", .type = AttrType::kStringSet, .description = "classifications to synchronize (standalone WSUS)",
           .format = &common::kClassificationFormat},
          {.name = "client_targeting_mode", .type = AttrType::kEnum, .description = "computer groups set on the server or by clients",
           .enum_values = {"client", "server"}},
          {.name = "content_dir", .type = AttrType::kString, .description = "where WSUS stores update files (postinstall CONTENT_DIR)",
           .format = &formats::kWindowsPath},
          {.name = "database", .type = AttrType::kString, .description = "'wid', or the SQL Server for SUSDB", .format = &kDatabaseFormat},
          model::attr::depends_on(),
          boolean("do_detailed_rollup", "roll up detailed status from replica servers"),
          boolean("download_express_packages", "download express installation files"),
          boolean("download_update_binaries_as_needed", "download files only when an update is approved"),
          {.name = "email_language", .type = AttrType::kString, .description = "language of notification e-mail",
           .format = &common::kLanguageFormat},
          {.name = "email_server_account", .type = AttrType::kReference, .description = "the account for the SMTP server",
           .ref_kind = "account", .passes_secrets = true},
          boolean("get_content_from_mu", "download files from Microsoft Update rather than the upstream server"),
          boolean("host_binaries_on_microsoft_update", "clients download files from Microsoft Update; WSUS stores none"),
          boolean("iis_dynamic_compression", "IIS dynamic compression on the WSUS web site"),
          {.name = "languages", .type = AttrType::kStringSet, .description = "update languages (standalone WSUS)",
           .format = &common::kLanguageFormat},
          {.name = "local_publishing_max_cab_size", .type = AttrType::kInteger, .description = "largest locally published package, in MB",
           .min = 1, .max = 10240},
          {.name = "max_simultaneous_file_downloads", .type = AttrType::kInteger, .description = "parallel file downloads", .min = 1, .max = 100},
          {.name = "products", .type = AttrType::kStringSet, .description = "products to synchronize, by title or glob (standalone WSUS)",
           .format = &common::kProductFormat},
          {.name = "proxy", .type = AttrType::kReference, .description = "the proxy WSUS uses (standalone WSUS)", .ref_kind = "proxy",
           .passes_secrets = true},
          boolean("proxy_basic_authentication", "allow proxy credentials over non-SSL connections"),
          {.name = "sender_display_name", .type = AttrType::kString, .description = "sender name of notification e-mail",
           .format = &formats::kNonEmpty},
          {.name = "sender_email_address", .type = AttrType::kString, .description = "sender address of notification e-mail",
           .format = &formats::kEmail},
          {.name = "setup_account", .type = AttrType::kReference, .description = "the account that runs wsusutil postinstall",
           .ref_kind = "account"},
          {.name = "smtp_host_name", .type = AttrType::kString, .description = "the SMTP server", .format = &formats::kFqdn},
          {.name = "smtp_port", .type = AttrType::kInteger, .description = "the SMTP port", .min = 1, .max = 65535},
          {.name = "status_notification_frequency", .type = AttrType::kEnum, .description = "how often status reports are sent",
           .enum_values = {"daily", "weekly"}},
          {.name = "status_notification_recipients", .type = AttrType::kStringList, .description = "who receives status reports",
           .format = &formats::kEmail},
          {.name = "status_notification_time_of_day", .type = AttrType::kString, .description = "when status reports are sent (UTC)",
           .format = &formats::kTimeOfDay},
          {.name = "sync_notification_recipients", .type = AttrType::kStringList, .description = "who is told of new updates",
           .format = &formats::kEmail},
          {.name = "synchronizations_per_day", .type = AttrType::kInteger, .description = "synchronizations per day", .min = 1, .max = 24},
          boolean("synchronize_automatically", "synchronize on a schedule"),
          {.name = "synchronize_automatically_time_of_day", .type = AttrType::kString, .description = "first synchronization of the day (UTC)",
           .format = &formats::kTimeOfDay},
          boolean("update_improvement_program", "join the Microsoft Update Improvement Program"),
          {.name = "upstream_server_name", .type = AttrType::kString, .description = "the upstream WSUS server; Microsoft Update when not written",
           .format = &formats::kFqdn},
          {.name = "upstream_server_port", .type = AttrType::kInteger, .description = "the upstream server's port", .min = 1, .max = 65535},
          boolean("upstream_server_replica", "mirror the upstream server's approvals (replica mode)"),
          boolean("upstream_server_ssl", "connect to the upstream server over SSL"),
          {.name = "version", .type = AttrType::kEnum, .description = "the WSUS version the server runs (checked, not installed)",
           .enum_values = versions},
      },
  });
  return kinds;
}

constexpr diag::RuleInfo kRules[] = {
    {"upstream-settings", "Upstream port, SSL or replica settings without an upstream server."},
    {"replica-settings", "A setting that a replica WSUS server ignores."},
    {"download-settings", "Download settings that have no effect together."},
    {"wsus-sync-settings", "A synchronization time or count while automatic synchronization is off."},
    {"proxy-settings", "Proxy options without a proxy."},
    {"second-hop", "A step that reaches another machine with the session's credentials, which the host's transport does not delegate."},
};

/// The machine of a SQL Server database setting ('SQL01\WSUS' -> 'SQL01'); empty for the Windows Internal Database.
std::string sql_machine(std::string_view database) {
  if (model::lower(database) == "wid") return {};
  return std::string(database.substr(0, database.find('\\')));
}

/// Whether a host's transport lets the server pass supctl's credentials on: WinRM with
/// delegate = true (Kerberos); the lab, and supctl running on the server itself (local), need
/// none. OpenSSH with keys, NTLM and Basic cannot, nor WinRM without delegate (the default).
bool delegates(const model::Manifest& manifest, std::string_view host) {
  const Resource* table = manifest.find("host", host);
  if (!table) {
    for (const Resource& r : manifest.of_kind("host")) {
      if (model::iequals(r.name(), host)) table = &r;
    }
  }
  auto transport = table ? table->string("transport") : std::nullopt;
  if (transport && (*transport == "lab" || *transport == "local")) return true;
  if (transport && *transport != "winrm") return false;
  const model::Attribute* winrm = table ? table->find("winrm") : nullptr;
  if (!winrm || !winrm->value.is_table()) return false;
  const model::Field* delegate = winrm->value.field("delegate");
  const model::Field* auth = winrm->value.field("auth");
  bool negotiate = !auth || (auth->value.is_string() && auth->value.as_string() == "negotiate");
  return negotiate && delegate && delegate->value.is_boolean() && delegate->value.as_boolean();
}


// ---- Reading and changing WSUS on its server, through the wsus.* operations (operations.h).

/// Settings that postinstall fixes: they are installed, then only checked.
constexpr std::string_view kInstallAttributes[] = {"content_dir", "database"};
/// Settings of ISubscription rather than IUpdateServerConfiguration.
constexpr std::string_view kSubscriptionAttributes[] = {"classifications", "products", "synchronize_automatically",
                                                        "synchronize_automatically_time_of_day", "synchronizations_per_day"};
/// The account that runs postinstall: supctl runs it as its own account, so it is only a warning.
constexpr std::string_view kUnmanagedReferences[] = {"setup_account"};
/// What postinstall uses when the manifest leaves it open (UpdateServicesDsc's defaults).
constexpr std::string_view kDefaultContentDir = "C:\\WSUS";
constexpr std::string_view kDefaultDatabase = "wid";

template <std::size_t N>
bool is_one_of(const std::string_view (&names)[N], std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

/// True for the settings that wsus.configure sets.
bool is_configured(std::string_view name) {
  return name != "version" && !is_one_of(kInstallAttributes, name) && !is_one_of(kUnmanagedReferences, name);
}

/// An error about one attribute of a resource.
diag::Diagnostic& attribute_error(diag::Diagnostics& out, const model::Address& address, std::string code, std::string summary,
                                  std::string_view attribute) {
  diag::Diagnostic& d = plugin::resource_error(out, address, std::move(code), std::move(summary));
  d.key_path = d.address + "." + std::string(attribute);
  return d;
}

/// What to check when a read fails.
constexpr plugin::ReadAdvice kReadAdvice{.access_denied = "check that supctl's account is a WSUS administrator on the host"};

/// The proxy WSUS uses, {server, port, account}, by the manifest's name when it is the one the
/// manifest's proxy resolves to (server without case, port, account without case).
Json proxy_seen(const Json& seen, const Json* references) {
  if (!seen.is_object()) return seen;
  Json shown{{"server", seen.value("server", Json(nullptr))}, {"port", seen.value("port", Json(nullptr))},
             {"account", seen.value("account", Json(nullptr))}};
  auto proxy = common::proxy_reference(references);
  return proxy && proxy->matches(shown) ? Json(proxy->name) : shown;
}

/// A string as it is, anything else as JSON.
std::string text_of(const Json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

/// The proxy a wsus_server names, as wsus.configure takes it: {server, port, user, password}, the
/// password a secret placeholder that apply fills in; null when the reference did not resolve.
Json proxy_setting(const Json* references) {
  auto proxy = common::proxy_reference(references);
  if (!proxy) return nullptr;
  Json setting{{"server", proxy->server}, {"port", proxy->port}, {"user", proxy->account ? Json(*proxy->account) : Json(nullptr)}};
  if (proxy->account && !proxy->account_password.is_null()) setting["password"] = Json{{"$secret", proxy->account_password}};
  return setting;
}

/// The SMTP account a wsus_server names: {user, password placeholder}; null when unresolved.
Json email_account_setting(const Json* references) {
  const Json* account = model::referenced(references, "email_server_account");
  if (!account || !account->contains("user")) return nullptr;
  Json setting{{"user", (*account)["user"]}};
  if (account->contains("password")) setting["password"] = Json{{"$secret", (*account)["password"]}};
  return setting;
}

/// The wsus.configure parameters that set `settings` (attribute name -> value), or nullopt when
/// none is configurable. References become the settings they name; `error` says which did not resolve.
std::optional<Json> configure_params(const std::vector<std::pair<std::string, Json>>& settings, const Json* references,
                                     std::string* error) {
  Json configuration = Json::object();
  Json subscription = Json::object();
  for (const auto& [name, value] : settings) {
    if (!is_configured(name)) continue;
    Json setting = value;
    if (name == "proxy" || name == "email_server_account") {
      setting = name == "proxy" ? proxy_setting(references) : email_account_setting(references);
      if (setting.is_null()) {
        *error = fmt::format("the {} '{}' it names was not resolved at plan time; plan again", name == "proxy" ? "proxy" : "account",
                             text_of(value));
        return std::nullopt;
      }
    }
    (is_one_of(kSubscriptionAttributes, name) ? subscription : configuration)[name] = std::move(setting);
  }
  if (configuration.empty() && subscription.empty()) return std::nullopt;
  Json params = Json::object();
  if (!configuration.empty()) params["configuration"] = std::move(configuration);
  if (!subscription.empty()) params["subscription"] = std::move(subscription);
  return params;
}

// ---- Products: the manifest's patterns resolved against a catalog, compared as GUIDs, shown as titles.

using common::ProductMatcher;
using common::ProductPattern;
using common::ProductSelection;
using common::product_patterns;
using common::select_products;

/// The catalog wsus.get reported ({title, id, family} items); empty when it reported none.
std::vector<Category> catalog_of(const Json& result) {
  std::vector<Category> catalog;
  for (const Json& item : result.value("catalog", Json::array())) {
    if (!item.is_object() || !item.contains("title") || !item["title"].is_string() || !item.contains("id") || !item["id"].is_string()) {
      continue;
    }
    std::string id = model::upper(item["id"].get<std::string>());
    catalog.push_back(Category{item["title"].get<std::string>(), std::move(id), item.value("family", false) == true});
  }
  return catalog;
}

/// The products a server subscribes to: GUIDs (upper case), each with its title.
struct Subscribed {
  std::set<std::string> ids;
  std::vector<std::pair<std::string, std::string>> products;  ///< GUID, title; as reported
};

Subscribed subscribed_of(const Json& subscription) {
  Subscribed out;
  const Json ids = subscription.value("product_ids", Json::array());
  const Json titles = subscription.value("products", Json::array());
  if (!ids.is_array()) return out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i].is_string()) continue;
    std::string id = model::upper(ids[i].get<std::string>());
    std::string title = titles.is_array() && i < titles.size() && titles[i].is_string() ? titles[i].get<std::string>() : id;
    out.ids.insert(id);
    out.products.emplace_back(std::move(id), std::move(title));
  }
  return out;
}

/// How the products read when the subscription is what the manifest asks for: as written, so that
/// diff, drift and state compare equal. For {include, exclude}, the include list (an array, which
/// holds every included item and no excluded one, as the generic set comparison of drift expects).
Json products_as_written(const Json& written) {
  if (!written.is_object()) return written;
  Json include = written.value("include", Json::array());
  return include.is_array() ? include : Json::array();
}

/// The subscribed products by title, sorted. A title that several categories of the catalog share
/// (a product and a family, or two products) is followed by its GUID when some of them are not
/// subscribed, so that 'Windows Server 2019' never reads as both; every title is, with `with_ids`.
Json readable_products(const Subscribed& subscribed, std::span<const Category> catalog, bool with_ids) {
  std::vector<std::string> titles;
  for (const auto& [id, title] : subscribed.products) {
    bool ambiguous = with_ids || std::any_of(catalog.begin(), catalog.end(), [&](const Category& c) {
                       return c.id != id && c.title == title && !subscribed.ids.contains(c.id);
                     });
    titles.push_back(ambiguous && title != id ? fmt::format("{} ({})", title, id) : title);
  }
  std::sort(titles.begin(), titles.end());
  return Json(titles);
}

/// The products the manifest asks for: as written when planning, as the plan recorded them when
/// reading back after apply; null when not managed.
std::optional<Json> written_products(const plugin::ObserveRequest& request) {
  if (request.desired) {
    const model::Attribute* products = request.desired->find("products");
    return products ? std::optional<Json>(model::to_json(products->value)) : std::nullopt;
  }
  if (request.recorded) {
    auto products = request.recorded->find("products");
    if (products != request.recorded->end()) return products->second;
  }
  return std::nullopt;
}

/// An `unknown-product` error for each pattern that selects nothing.
void report_unknown_products(const plugin::ObserveRequest& request, const ProductSelection& selection, std::string_view where,
                             std::string_view detail, diag::Diagnostics& out) {
  for (const ProductPattern* pattern : selection.unknown) {
    auto& d = attribute_error(out, request.address, "unknown-product",
                              fmt::format("no product or product family in {} matches '{}'", where, pattern->text), "products");
    if (pattern->range) {
      d.range = pattern->range;
    } else if (request.desired) {
      d.range = request.desired->range_of("products");
    }
    d.detail = std::string(detail);
    d.help = common::suggest_product(pattern->text);
  }
}

std::string string_or(const AttributeMap* attributes, std::string_view name, std::string_view fallback) {
  return model::string_attribute(attributes, name).value_or(std::string(fallback));
}

/// On a WSUS that hosts a software update point, ConfigMgr's WSUS Configuration Manager owns the
/// proxy: it sets the site system's proxy when the SUP uses one (and none otherwise). A proxy that
/// differs is reported, pointing at WCM.log, where that push is logged or fails. Only a proxy the
/// server has is compared: before the role installs, WSUS has none.
void check_sup_proxy(const plugin::ObserveRequest& request, const Json& seen, diag::Diagnostics& out) {
  if (!request.manifest || !request.desired || !seen.is_object()) return;
  const Resource* sup = request.manifest->find("software_update_point", request.address.name);
  if (!sup) return;
  const Json expected =
      sup->boolean("use_proxy") == true ? common::site_system_proxy(*request.manifest, request.address.name) : Json(nullptr);
  if (common::same_proxy_endpoint(seen, expected)) return;
  auto text = [](const Json& p) {
    return p.is_object() ? fmt::format("{}:{}", p.value("server", std::string()), p.value("port", Json(80)).dump()) : std::string("none");
  };
  std::string have = text(seen), want = text(expected);
  auto site = sup->string("site");
  const Resource* site_resource = site ? request.manifest->find("site", *site) : nullptr;
  auto server = site_resource ? site_resource->string("server") : std::nullopt;
  auto& d = out.warning("wsus-proxy-differs",
                        fmt::format("{} uses proxy {}, but its software update point {}", request.address.str(), have,
                                    expected.is_null() ? "uses none" : "uses the site system's proxy " + want));
  d.address = request.address.str();
  d.key_path = d.address;
  d.detail = "ConfigMgr's WSUS Configuration Manager sets WSUS's proxy from the site system and sets it again on its next cycle";
  d.help = fmt::format("look at WCM.log on {} for the proxy push (\"Proxy settings set on WSUS Server\" or \"The address of the proxy "
                       "server cannot be empty\"); change the proxy in ConfigMgr, not in WSUS",
                       server ? std::string(*server) : std::string("the site server"));
}

std::span<const KindSchema> wsus_kinds() {
  static const std::vector<KindSchema> all = make_kinds();
  return all;
}

class WsusPlugin final : public plugin::Plugin {
 public:
  std::string_view name() const override { return "wsus"; }
  std::span<const KindSchema> kinds() const override { return wsus_kinds(); }
  std::span<const diag::RuleInfo> rules() const override { return kRules; }

  void check(const model::Manifest& manifest, diag::Diagnostics& out) const override {
    for (const Resource& wsus : manifest.of_kind("wsus_server")) {
      auto report = [&](Severity severity, std::string code, std::string summary, std::string_view attribute) -> diag::Diagnostic& {
        diag::Diagnostic& d = severity == Severity::kError ? out.error(std::move(code), std::move(summary))
                                                           : out.warning(std::move(code), std::move(summary));
        d.address = wsus.address.str();
        d.key_path = d.address + "." + std::string(attribute);
        d.range = wsus.range_of(attribute);
        return d;
      };
      // wsusutil postinstall signs in to a remote SQL Server as the session's user: a second hop.
      auto database = wsus.string("database");
      std::string sql = database ? sql_machine(*database) : std::string();
      if (!sql.empty() && !model::iequals(sql, wsus.name().substr(0, wsus.name().find('.'))) && !model::iequals(sql, wsus.name()) &&
          !delegates(manifest, wsus.name())) {
        auto& d = report(Severity::kWarning, "second-hop",
                         fmt::format("installing WSUS on {} runs wsusutil postinstall there against the SQL Server '{}' with the session's "
                                     "credentials, which its transport does not pass on: the step fails with 'Login failed for user "
                                     "NT AUTHORITY\\ANONYMOUS LOGON' unless they are delegated",
                                     wsus.name(), *database),
                         "database");
        d.help = fmt::format(
            "reach {} over WinRM with winrm = {{ auth = \"negotiate\", delegate = true }} (Kerberos; its computer account trusted for "
            "delegation to {}'s MSSQLSvc), or run the postinstall there yourself before supctl applies",
            wsus.name(), sql);
      }
      bool upstream = wsus.find("upstream_server_name") != nullptr;
      for (std::string_view attribute : {"upstream_server_port", "upstream_server_ssl", "upstream_server_replica"}) {
        if (wsus.find(attribute) && !upstream) {
          report(Severity::kError, "upstream-settings", fmt::format("'{}' without upstream_server_name", attribute), attribute)
              .help = "add upstream_server_name, or remove it: the server synchronizes from Microsoft Update";
        }
      }
      if (upstream) {
        // WSUS ignores these when it synchronizes from another WSUS server.
        for (std::string_view attribute : {"languages", "download_express_packages", "download_update_binaries_as_needed",
                                           "host_binaries_on_microsoft_update"}) {
          if (wsus.find(attribute)) {
            auto& d = report(Severity::kError, "upstream-settings",
                             fmt::format("'{}' is ignored by a WSUS server that synchronizes from an upstream server", attribute), attribute);
            d.detail = "the upstream server decides it";
            d.help = "declare it on the upstream server instead";
          }
        }
      }
      if (wsus.boolean("upstream_server_replica") == true) {
        for (std::string_view attribute : {"products", "classifications", "update_improvement_program", "auto_approve_wsus_infrastructure_updates",
                                           "auto_refresh_update_approvals", "auto_refresh_update_approvals_decline_expired", "do_detailed_rollup"}) {
          if (wsus.find(attribute)) {
            auto& d = report(Severity::kError, "replica-settings", fmt::format("a replica server ignores '{}'", attribute), attribute);
            d.detail = "a replica mirrors its upstream server's approvals, products and classifications";
            d.help = "declare it on the upstream server, or set upstream_server_replica = false";
          }
        }
      }
      if (wsus.boolean("host_binaries_on_microsoft_update") == true) {
        for (std::string_view attribute : {"download_update_binaries_as_needed", "download_express_packages", "get_content_from_mu"}) {
          if (wsus.find(attribute)) {
            report(Severity::kError, "download-settings",
                   fmt::format("'{}' has no effect when host_binaries_on_microsoft_update = true", attribute), attribute)
                .help = "clients download from Microsoft Update, so WSUS downloads no files: remove it";
          }
        }
      }
      if (wsus.boolean("synchronize_automatically") == false) {
        for (std::string_view attribute : {"synchronize_automatically_time_of_day", "synchronizations_per_day"}) {
          if (wsus.find(attribute)) {
            report(Severity::kError, "wsus-sync-settings",
                   fmt::format("'{}' has no effect while synchronize_automatically = false", attribute), attribute)
                .help = "set synchronize_automatically = true, or remove it";
          }
        }
      }
      if (wsus.find("proxy_basic_authentication") && !wsus.find("proxy")) {
        report(Severity::kError, "proxy-settings", "'proxy_basic_authentication' without a proxy", "proxy_basic_authentication")
            .help = "add proxy = \"<proxy name>\", or remove it";
      }
    }
  }

  plugin::ReadResponse read(const plugin::ReadRequest& request) const override {
    plugin::ReadResponse response;
    // The catalog (hundreds of categories) only when there are products to resolve against it.
    bool products = request.desired ? request.desired->find("products") != nullptr
                                    : request.recorded && request.recorded->contains("products");
    response.operations.push_back({"wsus.get", products ? Json{{"catalog", true}} : Json::object()});
    return response;
  }

  plugin::ObserveResponse observe(const plugin::ObserveRequest& request) const override {
    plugin::ObserveResponse response;
    const Json* result = plugin::read_result(request, 0, "wsus.get", kReadAdvice, response.diagnostics);
    if (!result) return response;
    const std::optional<Json> written = written_products(request);
    const model::Attribute* attribute = request.desired ? request.desired->find("products") : nullptr;
    std::vector<ProductPattern> patterns =
        written ? product_patterns(*written, attribute ? &attribute->value : nullptr) : std::vector<ProductPattern>();
    if (!result->value("installed", false)) {
      // No server catalog to read yet: a misspelt product still fails the plan, against supctl's.
      ProductSelection selection = select_products(patterns, true, [](std::string_view pattern) {
        std::vector<std::string> ids;
        for (const common::Product* p : common::match_products(pattern)) ids.emplace_back(p->guid);
        return ids;
      });
      report_unknown_products(request, selection, "supctl's WSUS catalog",
                              fmt::format("WSUS is not installed on '{}' yet, so the products are checked against supctl's "
                                          "catalog of WSUS products rather than the server's",
                                          request.address.name),
                              response.diagnostics);
      return response;
    }
    AttributeMap observed;
    for (std::string_view name : {"content_dir", "database", "version"}) {
      if (result->contains(name) && !(*result)[std::string(name)].is_null()) observed[std::string(name)] = (*result)[std::string(name)];
    }
    for (const char* part : {"configuration", "subscription"}) {
      if (!result->contains(part) || !(*result)[part].is_object()) continue;
      for (const auto& [name, value] : (*result)[part].items()) {
        if (name == "proxy") {
          // WSUS knows the proxy's address and account, not the manifest's name for it.
          observed["proxy"] = proxy_seen(value, request.references);
          continue;
        }
        if (name == "email_server_account") {
          observed[name] = model::as_reference(value, request.references, name, "user");
          continue;
        }
        if (name == "products" || name == "product_ids") continue;  // below
        observed[name] = value;
      }
    }
    // Products: the manifest's patterns resolve against the catalog the server reported, as
    // wsus.configure resolves them. When they select what is subscribed, the products read as the
    // manifest spells them (no change); otherwise as the titles subscribed.
    if (const Json subscription = result->value("subscription", Json::object()); subscription.is_object()) {
      const std::vector<Category> catalog = catalog_of(*result);
      const Subscribed subscribed = subscribed_of(subscription);
      bool holds = false;
      if (written) {
        ProductSelection selection = select_products(patterns, written->is_array(), [&](std::string_view pattern) {
          std::vector<std::string> ids;
          for (const Category* c : match_categories(pattern, catalog)) ids.push_back(c->id);
          return ids;
        });
        report_unknown_products(
            request, selection, fmt::format("the WSUS catalog of '{}'", request.address.name),
            catalog.empty() ? "the server offers no products: WSUS has not synchronized its update categories yet"
                            : "expected a title of a product or product family the server offers (GetUpdateCategories()), a "
                              "glob of product titles with '*' and '?', or a category GUID",
            response.diagnostics);
        holds = selection.unknown.empty() && selection.holds(subscribed.ids);
      }
      Json shown = holds ? products_as_written(*written) : readable_products(subscribed, catalog, false);
      // Titles that happen to read as written (include = ["Windows 11"] with exclude = ["Windows
      // 1?"]) must not read as agreement: diff() takes the products as written for no change.
      if (!holds && written && shown == products_as_written(*written)) shown = readable_products(subscribed, catalog, true);
      observed["products"] = std::move(shown);
    }
    check_sup_proxy(request, result->value("configuration", Json::object()).value("proxy", Json(nullptr)), response.diagnostics);
    // Who ran postinstall cannot be read back: taken as written.
    const model::Attribute* setup_account = request.desired ? request.desired->find("setup_account") : nullptr;
    if (setup_account) observed["setup_account"] = model::to_json(setup_account->value);
    response.observed = std::move(observed);
    return response;
  }

  plugin::DiffResponse diff(const plugin::DiffRequest& request) const override {
    if (!request.desired) return plugin::generic_diff(request);
    plugin::DiffResponse checks;
    AttributeMap desired;
    std::optional<plugin::AttributeDiff> products_change;
    for (const auto& [name, value] : *request.desired) {
      if (name == "setup_account") {
        // Who ran postinstall cannot be read back: observe() takes it as written.
        if (!request.observed) {
          auto& d = checks.diagnostics.warning("unmanaged-attribute",
                                               fmt::format("{}: wsusutil postinstall runs as supctl's own account; 'setup_account' is not used yet",
                                                           request.address.str()));
          d.address = request.address.str();
          d.key_path = d.address + ".setup_account";
        }
        continue;
      }
      bool fixed = name == "version" || is_one_of(kInstallAttributes, name);
      if (fixed && request.observed) {
        const AttributeSchema* attribute = request.schema ? request.schema->attribute(name) : nullptr;
        auto found = request.observed->find(name);
        if (attribute && found != request.observed->end() && !plugin::same_value(*attribute, value, found->second)) {
          std::string summary =
              name == "version"
                  ? fmt::format("{} runs WSUS {}; the manifest says version = '{}'", request.address.str(), text_of(found->second), text_of(value))
                  : fmt::format("{} is set at install by wsusutil postinstall; supctl does not move WSUS {}: the server has '{}', "
                                "the manifest says '{}'",
                                name, name == "content_dir" ? "content" : "to another database", text_of(found->second), text_of(value));
          auto& d = attribute_error(checks.diagnostics, request.address, name == "version" ? "wsus-version-mismatch" : "install-setting-changed",
                              std::move(summary), name);
          d.help = name == "version" ? "supctl checks the WSUS version but never installs another: upgrade the server's OS, or fix the manifest"
                                     : "write the value the server has, or move WSUS by hand (wsusutil movecontent / a database migration)";
        }
        continue;
      }
      if (name == "version" && !request.observed) continue;  // checked once WSUS is installed
      if (name == "products" && request.observed) {
        // observe() resolved the patterns: the products read as written exactly when the
        // subscription is what they select, else as the titles subscribed.
        auto found = request.observed->find("products");
        if (found == request.observed->end() || found->second != products_as_written(value)) {
          products_change = plugin::AttributeDiff{name, found == request.observed->end() ? Json(nullptr) : found->second, value, false};
        }
        continue;
      }
      desired.emplace(name, value);
    }
    plugin::DiffRequest narrowed = request;
    narrowed.desired = &desired;
    plugin::DiffResponse response = plugin::generic_diff(narrowed);
    if (!request.observed) response.action = Action::kCreate;
    if (products_change) {
      response.attributes.push_back(std::move(*products_change));
      std::sort(response.attributes.begin(), response.attributes.end(),
                [](const plugin::AttributeDiff& a, const plugin::AttributeDiff& b) { return a.name < b.name; });
      if (response.action == Action::kNoOp) response.action = Action::kUpdate;
    }
    response.diagnostics.append(std::move(checks.diagnostics));
    return response;
  }

  /// The default verify, except that a check that fails (the version, an install setting) means
  /// the server is not what the manifest asks for.
  plugin::VerifyResponse verify(const plugin::VerifyRequest& request) const override {
    plugin::VerifyResponse response = Plugin::verify(request);
    if (response.diagnostics.has_errors()) response.converged = false;
    return response;
  }

  plugin::ApplyResponse apply(const plugin::ApplyRequest& request) const override {
    plugin::ApplyResponse response;
    if (request.action == Action::kDelete || request.action == Action::kReplace) {
      plugin::resource_error(response.diagnostics, request.address, "apply-failed",
                fmt::format("cannot {} {}: supctl does not uninstall WSUS", request.action == Action::kDelete ? "delete" : "replace",
                            request.address.str()))
          .help = "remove WSUS by hand (Uninstall-WindowsFeature UpdateServices), or keep it in the manifest";
      return response;
    }
    std::vector<std::pair<std::string, Json>> settings;
    if (request.action == Action::kCreate) {
      response.operations.push_back({"wsus.install", Json{{"content_dir", string_or(request.desired, "content_dir", kDefaultContentDir)},
                                                          {"database", string_or(request.desired, "database", kDefaultDatabase)}}});
      if (request.desired) {
        for (const auto& [name, value] : *request.desired) settings.emplace_back(name, value);
      }
    } else {
      for (const plugin::AttributeDiff& a : request.attributes) {
        // A rotated secret that a reference passes (proxy.account.password) sends that reference's
        // setting again, password and all.
        std::string_view root = model::attribute_root(a.name);
        if (root.size() == a.name.size()) {
          settings.emplace_back(a.name, a.after);
          continue;
        }
        bool listed = std::any_of(settings.begin(), settings.end(), [&](const auto& s) { return s.first == root; });
        if (!listed && request.desired && request.desired->contains(root)) {
          settings.emplace_back(std::string(root), request.desired->find(root)->second);
        }
      }
    }
    std::string error;
    auto params = configure_params(settings, request.references, &error);
    if (!error.empty()) {
      plugin::resource_error(response.diagnostics, request.address, "apply-failed", fmt::format("cannot change {}: {}", request.address.str(), error));
      return response;
    }
    if (params) response.operations.push_back({"wsus.configure", std::move(*params)});
    return response;
  }
};

}  // namespace

std::unique_ptr<plugin::Plugin> make_plugin() { return std::make_unique<WsusPlugin>(); }

std::vector<std::string_view> configured_settings() {
  std::vector<std::string_view> names;
  for (const model::AttributeSchema& a : wsus_kinds().front().attributes) {
    if (is_configured(a.name) && a.name != "depends_on" && a.name != "allow_destroy") names.push_back(a.name);
  }
  return names;
}

}  // namespace supctl::plugins::wsus
