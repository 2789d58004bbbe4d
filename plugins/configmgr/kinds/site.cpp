// A site, named by its site code: read through the SMS Provider that answers for it and checked,
// never created (configmgr.get_site).

#include <fmt/format.h>

#include "model/formats.h"
#include "model/text.h"
#include "plugins/configmgr/kinds/shared.h"

namespace supctl::plugins::configmgr {
namespace {

using model::AttrType;
using model::Json;
namespace attr = model::attr;
namespace formats = model::formats;

/// What get_site reads of a site, by the manifest's names.
constexpr std::string_view kSiteSettings[] = {"type", "parent", "server"};

class Site final : public Kind {
 public:
  const model::KindSchema& schema() const override { return schema_; }
  const model::Resource* site_of(const model::Resource& resource, const model::Manifest&) const override { return &resource; }
  std::vector<std::string_view> settings() const override { return {std::begin(kSiteSettings), std::end(kSiteSettings)}; }
  std::vector<std::string_view> operations() const override { return {"configmgr.get_site"}; }

  plugin::ReadResponse read(const plugin::ReadRequest& request) const override {
    plugin::ReadResponse response;
    response.operations.push_back({"configmgr.get_site", Json{{"code", request.address.name}}});
    return response;
  }

  plugin::ObserveResponse observe(const plugin::ObserveRequest& request) const override {
    plugin::ObserveResponse response;
    const Json* result = plugin::read_result(request, 0, "configmgr.get_site", kReadAdvice, response.diagnostics);
    if (!result || !result->value("exists", false)) return response;
    model::AttributeMap observed;
    for (std::string_view key : kSiteSettings) observed[std::string(key)] = result->value(std::string(key), Json(nullptr));
    // The machine that answered must be the SMS Provider of this site (of its parent, for a secondary).
    const Json answering = result->value("provider_site", Json(nullptr));
    const bool secondary = observed["type"] == "secondary";
    const Json expected = secondary ? observed["parent"] : Json(model::upper(request.address.name));
    if (answering.is_string() && expected.is_string() && !model::iequals(answering.get<std::string>(), expected.get<std::string>())) {
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
    response.observed = std::move(observed);
    return response;
  }

 private:
  model::KindSchema schema_{
      .kind = "site",
      .plugin = "configmgr",
      .description = "An existing ConfigMgr site, named by its site code: read and checked, never created.",
      .name_format = &formats::kSiteCode,
      .read_only = true,
      .attributes = {
          attr::depends_on(),
          {.name = "mode", .type = AttrType::kEnum, .description = "ConfigMgr 2007 site mode", .enum_values = {"mixed", "native"}},
          attr::reference("parent", "site", "the parent site's code; none for the top-level site"),
          {.name = "provider", .type = AttrType::kString,
           .description = "the machine of the site's SMS Provider, where supctl reads and changes the site's ConfigMgr objects, "
                          "when it is not the site server; a secondary site has none (supctl uses its parent's)",
           .format = &formats::kFqdn, .defines_machine = true},
          {.name = "server", .type = AttrType::kString, .description = "the site server, where Site Component Manager runs; also "
                                                                       "where the SMS Provider answers unless provider says otherwise",
           .required = true, .format = &formats::kFqdn, .defines_machine = true},
          {.name = "site_name", .type = AttrType::kString, .description = "the site's display name", .format = &formats::kNonEmpty},
          {.name = "type", .type = AttrType::kEnum, .description = "central administration site, primary or secondary",
           .required = true, .enum_values = {"cas", "primary", "secondary"}},
      },
  };
};

}  // namespace

std::unique_ptr<Kind> make_site() { return std::make_unique<Site>(); }

}  // namespace supctl::plugins::configmgr
