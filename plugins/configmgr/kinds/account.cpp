// A ConfigMgr account (New-CMAccount), such as the WSUS Server Connection Account: made at the site
// it names, else at the top-level site (configmgr.get_account, set_account, remove_account).

#include <fmt/format.h>

#include "model/attributes.h"
#include "model/formats.h"
#include "model/text.h"
#include "plugins/configmgr/kinds/shared.h"

namespace supctl::plugins::configmgr {
namespace {

using model::AttrType;
using model::Json;
using plugin::Action;
namespace attr = model::attr;
namespace formats = model::formats;

/// The site an account is at: the one it names, else the top-level site, where it is made then.
std::optional<std::string> account_site_of(const plugin::ReadRequest& request) {
  if (auto site = attribute_of(request, "site")) return model::upper(*site);
  const model::Resource* top = request.manifest ? top_level_site(*request.manifest) : nullptr;
  return top ? std::optional<std::string>(model::upper(top->name())) : std::nullopt;
}

class Account final : public Kind {
 public:
  const model::KindSchema& schema() const override { return schema_; }
  /// Accounts are made at the top of the hierarchy of the site they name, or the hierarchy's.
  const model::Resource* site_of(const model::Resource& resource, const model::Manifest& manifest) const override {
    return resource.string("site") ? top_of(named_site(resource, manifest), manifest) : top_level_site(manifest);
  }
  std::vector<std::string_view> settings() const override { return {"user", "site"}; }
  std::vector<std::string_view> operations() const override { return {"configmgr.get_account", "configmgr.set_account"}; }

  plugin::ReadResponse read(const plugin::ReadRequest& request) const override {
    plugin::ReadResponse response;
    auto user = attribute_of(request, "user");
    if (!user) {
      plugin::resource_error(response.diagnostics, request.address, "read-failed", fmt::format("cannot read {}: it has no 'user'", request.address.str()));
      return response;
    }
    Json params{{"user", *user}};
    if (auto site = account_site_of(request)) params["site"] = *site;
    response.operations.push_back({"configmgr.get_account", std::move(params)});
    return response;
  }

  plugin::ObserveResponse observe(const plugin::ObserveRequest& request) const override {
    plugin::ObserveResponse response;
    const Json* result = plugin::read_result(request, 0, "configmgr.get_account", kReadAdvice, response.diagnostics);
    if (!result || !result->value("exists", false)) return response;
    model::AttributeMap observed;
    for (std::string_view key : settings()) observed[std::string(key)] = result->value(std::string(key), Json(nullptr));
    // Whether supctl manages the group memberships is its own setting, not the server's.
    const model::Attribute* manage = request.desired ? request.desired->find("manage_group_membership") : nullptr;
    if (manage) {
      observed["manage_group_membership"] = model::to_json(manage->value);
    } else if (request.recorded && request.recorded->contains("manage_group_membership")) {
      observed["manage_group_membership"] = request.recorded->at("manage_group_membership");
    }
    response.observed = std::move(observed);
    return response;
  }

  plugin::ApplyResponse apply(const plugin::ApplyRequest& request) const override {
    plugin::ApplyResponse response;
    auto site = site_of_change(request);
    if (request.action == Action::kDelete) {
      auto user = model::string_attribute(request.observed, "user");
      if (!user) return cannot_change(request, "the state does not say which user it is");
      Json params{{"user", *user}};
      if (site) params["site"] = model::upper(*site);  // where it was read: Get-CMAccount would find it at every site
      response.operations.push_back({"configmgr.remove_account", std::move(params)});
      return response;
    }
    auto user = model::string_attribute(request.desired, "user");
    if (!user || !request.desired->contains("password")) return cannot_change(request, "it has no 'user' or 'password'");
    Json params{{"user", *user}, {"password", {{"$secret", request.desired->at("password")}}}};
    if (site) params["site"] = model::upper(*site);
    response.operations.push_back({"configmgr.set_account", std::move(params)});
    return response;
  }

 private:
  model::KindSchema schema_{
      .kind = "account",
      .plugin = "configmgr",
      .description = "A ConfigMgr account (New-CMAccount), e.g. the WSUS Server Connection Account.",
      .name_format = &formats::kIdentifier,
      .attributes = {
          attr::depends_on(),
          attr::boolean("manage_group_membership",
                        "add the account to Administrators and WSUS Administrators on the SUP hosts that use it"),
          {.name = "password", .type = AttrType::kSecret, .description = "the account's password", .required = true},
          attr::reference("site", "site", "the site the account is created at; the top-level site when not written"),
          {.name = "user", .type = AttrType::kString, .description = "the account, as DOMAIN\\user", .required = true,
           .format = &formats::kAccountName},
      },
  };
};

}  // namespace

std::unique_ptr<Kind> make_account() { return std::make_unique<Account>(); }

}  // namespace supctl::plugins::configmgr
