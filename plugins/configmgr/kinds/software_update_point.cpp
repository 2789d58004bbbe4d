// The software update point role (Add-/Set-CMSoftwareUpdatePoint) on a site system: the role as the
// SMS Provider stores it (configmgr.get_sup, add_sup, set_sup, remove_sup), whether Site Component
// Manager installed it on its server (registry.get_key there), and the groups and WSUS its setup
// needs on that server (configmgr.get_members, set_members).

#include <fmt/format.h>

#include <algorithm>

#include "model/attributes.h"
#include "model/formats.h"
#include "model/text.h"
#include "plugins/configmgr/kinds/shared.h"
#include "plugins/configmgr/placement.h"

namespace supctl::plugins::configmgr {
namespace {

using model::AttrType;
using model::Json;
using model::iequals;
using plugin::Action;
namespace attr = model::attr;
namespace formats = model::formats;

/// Attributes that are not the role's own settings: supctl's, the site it belongs to, and the
/// connection account (which travels resolved, as DOMAIN\user).
constexpr std::string_view kNotSettings[] = {"allow_destroy", "depends_on", "site", "connection_account"};

// ---- the connection account's group memberships, when supctl manages them.

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

/// Adds a change of `name` from `before` to `after` to a diff, keeping it sorted, and makes a no-op an update.
void add_change(plugin::DiffResponse& response, std::string name, Json before, Json after) {
  response.attributes.push_back(plugin::AttributeDiff{std::move(name), std::move(before), std::move(after), false});
  std::sort(response.attributes.begin(), response.attributes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  if (response.action == Action::kNoOp) response.action = Action::kUpdate;
}

class SoftwareUpdatePoint final : public Kind {
 public:
  SoftwareUpdatePoint() {
    for (const model::AttributeSchema& a : schema_.attributes) {
      if (std::find(std::begin(kNotSettings), std::end(kNotSettings), a.name) == std::end(kNotSettings)) role_settings_.push_back(a.name);
    }
  }

  const model::KindSchema& schema() const override { return schema_; }
  const model::Resource* site_of(const model::Resource& resource, const model::Manifest& manifest) const override {
    return named_site(resource, manifest);
  }
  std::vector<std::string_view> settings() const override {
    std::vector<std::string_view> all = role_settings_;
    all.push_back("connection_account");
    return all;
  }
  std::vector<std::string_view> operations() const override {
    return {"configmgr.get_sup", "configmgr.add_sup", "configmgr.set_sup"};
  }

  plugin::ReadResponse read(const plugin::ReadRequest& request) const override {
    plugin::ReadResponse response;
    auto params = fqdn_and_site(request, response.diagnostics);
    if (!params) return response;
    response.operations.push_back({"configmgr.get_sup", std::move(*params)});
    // On the SUP's own server, through its own transport: whether the role is installed there,
    // and the groups ConfigMgr's account must be in.
    response.operations.push_back({"registry.get_key", Json{{"key", kSupRoleKey}}, request.address.name});
    if (auto check = sup_host_check(request)) response.operations.push_back({"configmgr.get_members", std::move(*check), request.address.name});
    return response;
  }

  plugin::ObserveResponse observe(const plugin::ObserveRequest& request) const override {
    plugin::ObserveResponse response;
    const Json* result = plugin::read_result(request, 0, "configmgr.get_sup", kReadAdvice, response.diagnostics);
    if (!result) return response;
    const Json* key = plugin::read_result(request, 1, "registry.get_key", kReadAdvice, response.diagnostics);
    if (!key) return response;
    const Json* sup_host = nullptr;
    if (request.results.size() > 2) {
      sup_host = plugin::read_result(request, 2, "configmgr.get_members", kReadAdvice, response.diagnostics);
      if (!sup_host) return response;
    }
    bool installed = result->value("exists", false) && key->value("exists", false) == true;
    if (sup_host && !installed && request.desired) {
      // Only a role still to be installed is checked: an installed one already proved it.
      const Json version = result->value("site_version", Json(nullptr));
      check_sup_host(request, *sup_host, version.is_string() ? version.get<std::string>() : std::string(), response.diagnostics);
    }
    if (!result->value("exists", false)) return response;
    model::AttributeMap observed;
    observed["site"] = result->value("site", Json(nullptr));
    for (std::string_view name : role_settings_) observed[std::string(name)] = result->value(std::string(name), Json(nullptr));
    observed["connection_account"] =
        model::as_reference(result->value("connection_account", Json(nullptr)), request.references, "connection_account", "user");
    observed["installed"] = installed;
    if (sup_host && managed_member(request.references)) observed["group_membership"] = sup_host->value("groups", Json::array());
    response.observed = std::move(observed);
    return response;
  }

  plugin::DiffResponse diff(const plugin::DiffRequest& request) const override {
    plugin::DiffResponse response = plugin::generic_diff(request);
    if (!request.desired || !request.observed) return response;
    if (managed_member(request.references)) {
      // manage_group_membership: the connection account belongs in both groups on the SUP's server.
      Json groups = request.observed->contains("group_membership") ? request.observed->at("group_membership") : Json::array();
      bool complete = std::all_of(kSupGroups.begin(), kSupGroups.end(), [&](std::string_view g) {
        return std::any_of(groups.begin(), groups.end(), [&](const Json& have) { return have.is_string() && iequals(have.get<std::string>(), g); });
      });
      if (!complete) add_change(response, "group_membership", groups, Json(std::vector<std::string>(kSupGroups.begin(), kSupGroups.end())));
    }
    if (request.observed->contains("installed") && request.observed->at("installed") == false) {
      // The role is configured but never installed (see SUPSetup.log and WCM.log): install it again.
      add_change(response, "installed", false, true);
    }
    return response;
  }

  plugin::ApplyResponse apply(const plugin::ApplyRequest& request) const override {
    plugin::ApplyResponse response;
    auto where = fqdn_and_site(request);
    if (!where) return cannot_change(request, "it has no 'site'");
    if (request.action == Action::kDelete) {
      response.operations.push_back({"configmgr.remove_sup", std::move(*where)});
      return response;
    }
    Json params = std::move(*where);
    for (const std::string& name : changed_names(request)) {
      if (name == "connection_account") {
        auto user = model::referenced_string(request.references, "connection_account", "user");
        if (!user) return cannot_change(request, "the connection account it names was not resolved at plan time; plan again");
        params["connection_account"] = *user;
      } else if (std::find(role_settings_.begin(), role_settings_.end(), name) != role_settings_.end()) {
        params[name] = request.desired->at(name);
      }
    }
    if (auto member = managed_member(request.references)) {
      // On the SUP's own server, before ConfigMgr connects with the account.
      response.operations.push_back(
          {"configmgr.set_members", Json{{"member", *member}, {"groups", std::vector<std::string>(kSupGroups.begin(), kSupGroups.end())}},
           request.address.name});
    }
    response.operations.push_back({request.action == Action::kCreate ? "configmgr.add_sup" : "configmgr.set_sup", std::move(params)});
    return response;
  }

 private:
  model::KindSchema schema_{
      .kind = "software_update_point",
      .plugin = "configmgr",
      .description = "The software update point role (Add-/Set-CMSoftwareUpdatePoint) on a site system.",
      .names_machine = true,
      .name_format = &formats::kFqdn,
      .destroy_needs_consent = true,
      .attributes = {
          attr::boolean("active", "ConfigMgr 2007: the site's active software update point"),
          attr::boolean("allow_destroy", "let supctl remove the role when it leaves the manifests"),
          attr::boolean("anonymous_wsus_access", "ConfigMgr connects to WSUS anonymously (no connection account)"),
          {.name = "client_connection_type", .type = AttrType::kEnum, .description = "which clients may connect",
           .enum_values = {"intranet", "internet", "internet_and_intranet"}},
          attr::reference("connection_account", "account", "the WSUS Server Connection Account"),
          attr::depends_on(),
          attr::boolean("enable_cloud_gateway", "allow traffic from the cloud management gateway"),
          {.name = "nlb_virtual_ip", .type = AttrType::kString,
           .description = "ConfigMgr 2007: the virtual IP of the NLB cluster this SUP belongs to", .format = &formats::kIpv4},
          {.name = "public_virtual_ip", .type = AttrType::kString,
           .description = "ConfigMgr 2007: the public virtual IP of an Internet-facing NLB cluster", .format = &formats::kIpv4},
          attr::reference("site", "site", "the site the role belongs to", true),
          attr::boolean("use_proxy", "synchronize through the site system's proxy"),
          attr::boolean("use_proxy_for_adr", "download automatic deployment rule content through the site system's proxy"),
          attr::integer("wsus_iis_port", 1, 65535, "the WSUS web site's HTTP port (8530 on WSUS 6 and later)"),
          attr::integer("wsus_iis_ssl_port", 1, 65535, "the WSUS web site's HTTPS port (8531 on WSUS 6 and later)"),
          attr::boolean("wsus_ssl", "require SSL between clients and WSUS"),
      },
  };
  std::vector<std::string_view> role_settings_;  ///< the role's own settings, by manifest name: the schema less kNotSettings
};

}  // namespace

std::unique_ptr<Kind> make_software_update_point() { return std::make_unique<SoftwareUpdatePoint>(); }

}  // namespace supctl::plugins::configmgr
