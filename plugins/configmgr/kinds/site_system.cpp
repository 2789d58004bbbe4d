// A site system server (New-/Set-CMSiteSystemServer) and its proxy (configmgr.get_site_system,
// set_site_system, remove_site_system).

#include <fmt/format.h>

#include <algorithm>

#include "model/attributes.h"
#include "model/formats.h"
#include "model/text.h"
#include "plugins/common/proxy.h"
#include "plugins/configmgr/kinds/shared.h"
#include "plugins/configmgr/placement.h"

namespace supctl::plugins::configmgr {
namespace {

using model::Json;
using plugin::Action;
namespace attr = model::attr;
namespace formats = model::formats;

/// The site system's own settings, by their manifest names, as get_site_system reads them and
/// set_site_system takes them; its proxy and installation account travel resolved.
constexpr std::string_view kPlainSettings[] = {"public_fqdn", "fdm_operation", "use_site_server_account"};
constexpr std::string_view kResolved[] = {"proxy", "installation_account"};

/// The site a site system's proxy account is at: the site the account names, else the top-level
/// site above the site system's site (accounts are made there when they name none), from what the
/// plan resolved.
std::optional<std::string> proxy_account_site(const common::ProxyReference& proxy, const Json* references) {
  if (proxy.account_site) return proxy.account_site;
  if (!references || !references->is_object()) return std::nullopt;
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
  auto name = at->find("name");
  if (name == at->end() || !name->is_string()) return std::nullopt;
  return model::upper(name->get<std::string>());
}

class SiteSystem final : public Kind {
 public:
  const model::KindSchema& schema() const override { return schema_; }
  const model::Resource* site_of(const model::Resource& resource, const model::Manifest& manifest) const override {
    return named_site(resource, manifest);
  }
  std::vector<std::string_view> settings() const override {
    std::vector<std::string_view> all(std::begin(kPlainSettings), std::end(kPlainSettings));
    all.insert(all.end(), std::begin(kResolved), std::end(kResolved));
    return all;
  }
  std::vector<std::string_view> operations() const override { return {"configmgr.get_site_system", "configmgr.set_site_system"}; }

  plugin::ReadResponse read(const plugin::ReadRequest& request) const override {
    plugin::ReadResponse response;
    auto params = fqdn_and_site(request, response.diagnostics);
    if (!params) return response;
    response.operations.push_back({"configmgr.get_site_system", std::move(*params)});
    return response;
  }

  plugin::ObserveResponse observe(const plugin::ObserveRequest& request) const override {
    plugin::ObserveResponse response;
    const Json* result = plugin::read_result(request, 0, "configmgr.get_site_system", kReadAdvice, response.diagnostics);
    if (!result || !result->value("exists", false)) return response;
    model::AttributeMap observed;
    observed["site"] = result->value("site", Json(nullptr));
    for (std::string_view key : kPlainSettings) observed[std::string(key)] = result->value(std::string(key), Json(nullptr));
    observed["installation_account"] =
        model::as_reference(result->value("installation_account", Json(nullptr)), request.references, "installation_account", "user");
    // The proxy by its manifest name when its settings are the ones the manifest gives it.
    Json seen = result->value("proxy", Json(nullptr));
    auto proxy = common::proxy_reference(request.references);
    observed["proxy"] = proxy && proxy->matches(seen) ? Json(proxy->name) : seen;
    response.observed = std::move(observed);
    return response;
  }

  plugin::ApplyResponse apply(const plugin::ApplyRequest& request) const override {
    plugin::ApplyResponse response;
    auto where = fqdn_and_site(request);
    if (!where) return cannot_change(request, "it has no 'site'");
    if (request.action == Action::kDelete) {
      response.operations.push_back({"configmgr.remove_site_system", std::move(*where)});
      return response;
    }
    Json params = std::move(*where);
    std::vector<std::string> names = changed_names(request);
    std::stable_partition(names.begin(), names.end(), [](const std::string& name) { return name == "proxy"; });  // the proxy first
    for (const std::string& name : names) {
      if (name == "proxy") {
        auto proxy = common::proxy_reference(request.references);
        if (!proxy) return cannot_change(request, "the proxy it names was not resolved at plan time; plan again");
        params["proxy"] = proxy->endpoint();
        if (proxy->account) {
          if (auto account_site = proxy_account_site(*proxy, request.references)) params["proxy"]["account_site"] = *account_site;
        }
      } else if (name == "installation_account") {
        auto user = model::referenced_string(request.references, "installation_account", "user");
        if (!user) return cannot_change(request, "the installation account it names was not resolved at plan time; plan again");
        params["installation_account"] = *user;
      } else if (std::find(std::begin(kPlainSettings), std::end(kPlainSettings), name) != std::end(kPlainSettings)) {
        params[name] = request.desired->at(name);
      }
    }
    response.operations.push_back({"configmgr.set_site_system", std::move(params)});
    return response;
  }

 private:
  model::KindSchema schema_{
      .kind = "site_system",
      .plugin = "configmgr",
      .description = "A site system server (New-/Set-CMSiteSystemServer) and its proxy.",
      .names_machine = true,
      .name_format = &formats::kFqdn,
      .destroy_needs_consent = true,
      .attributes = {
          attr::boolean("allow_destroy", "let supctl remove the site system when it leaves the manifests"),
          attr::depends_on(),
          attr::boolean("fdm_operation", "the site server initiates connections to this site system"),
          attr::reference("installation_account", "account", "the site system installation account"),
          attr::reference("proxy", "proxy", "the proxy this server uses; every role on it shares it"),
          {.name = "public_fqdn", .type = model::AttrType::kString, .description = "the Internet FQDN of the site system",
           .format = &formats::kFqdn},
          attr::reference("site", "site", "the site the server belongs to", true),
          attr::boolean("use_site_server_account", "install with the site server's computer account"),
      },
  };
};

}  // namespace

std::unique_ptr<Kind> make_site_system() { return std::make_unique<SiteSystem>(); }

}  // namespace supctl::plugins::configmgr
