// The software update point component of a site (Set-CMSoftwareUpdatePointComponent), named by its
// site code: classifications, products, languages, the sync source and schedule, supersedence and
// the rest (configmgr.get_sync, set_sync). Products are resolved against the catalog and shown by title.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>
#include <variant>

#include "model/attributes.h"
#include "model/formats.h"
#include "model/text.h"
#include "plugins/common/catalog.h"
#include "plugins/common/products.h"
#include "plugins/configmgr/kinds/shared.h"
#include "plugins/configmgr/schedule.h"

namespace supctl::plugins::configmgr {
namespace {

using model::AttrType;
using model::AttributeMap;
using model::Json;
using model::upper;
using plugin::Action;
namespace attr = model::attr;
namespace formats = model::formats;

// ---- products resolved against the catalog, shown by title.

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

class Sync final : public Kind {
 public:
  const model::KindSchema& schema() const override { return schema_; }
  const model::Resource* site_of(const model::Resource& resource, const model::Manifest& manifest) const override {
    return manifest.find("site", resource.name());
  }
  std::vector<std::string_view> settings() const override {
    std::vector<std::string_view> names;
    for (const model::AttributeSchema& a : schema_.attributes) {
      if (a.name != "depends_on") names.push_back(a.name);
    }
    return names;
  }
  std::vector<std::string_view> operations() const override { return {"configmgr.get_sync", "configmgr.set_sync"}; }

  plugin::ReadResponse read(const plugin::ReadRequest& request) const override {
    plugin::ReadResponse response;
    response.operations.push_back({"configmgr.get_sync", Json{{"site", request.address.name}}});
    return response;
  }

  plugin::ObserveResponse observe(const plugin::ObserveRequest& request) const override {
    plugin::ObserveResponse response;
    const Json* result = plugin::read_result(request, 0, "configmgr.get_sync", kReadAdvice, response.diagnostics);
    if (!result) return response;
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

  /// The generic diff, and an error for every product pattern that the catalog does not know.
  plugin::DiffResponse diff(const plugin::DiffRequest& request) const override {
    plugin::DiffResponse response = plugin::generic_diff(request);
    if (!request.desired) return response;
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

  plugin::ApplyResponse apply(const plugin::ApplyRequest& request) const override {
    plugin::ApplyResponse response;
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

 private:
  model::KindSchema schema_{
      .kind = "sync",
      .plugin = "configmgr",
      .description = "Software update point component settings of a site (Set-CMSoftwareUpdatePointComponent), named by site code.",
      .name_format = &formats::kSiteCode,
      .deletable = false,  // every site has the component: leaving the manifests stops managing it
      .attributes = {
          attr::set_of("classifications", common::kClassificationFormat, "update classifications to synchronize, by title or GUID"),
          {.name = "content_file_option", .type = AttrType::kEnum, .description = "full files only, or express files for Windows 10",
           .enum_values = {"full_files_only", "express_for_windows10_only"}},
          {.name = "default_wsus_server", .type = AttrType::kString, .description = "the default WSUS server of the site",
           .format = &formats::kFqdn},
          attr::depends_on(),
          attr::boolean("enable_call_wsus_cleanup_wizard", "run the WSUS cleanup wizard after synchronization"),
          attr::boolean("enable_manual_cert_management", "manage the third-party updates signing certificate by hand"),
          attr::boolean("enable_sync_failure_alert", "raise an alert when synchronization fails"),
          attr::boolean("enable_synchronization", "synchronize on the schedule (false: supctl clears the schedule; only when started by hand)"),
          attr::boolean("enable_third_party_updates", "enable third-party software updates"),
          attr::integer("feature_update_max_runtime_mins", 5, 9999, "maximum run time of a feature update, in minutes"),
          attr::boolean("immediately_expire_supersedence", "expire superseded updates at once (false: after wait_month)"),
          attr::boolean("immediately_expire_supersedence_for_feature", "expire superseded feature updates at once"),
          attr::set_of("languages", common::kLanguageFormat, "summary details languages, as culture codes"),
          attr::integer("non_feature_update_max_runtime_mins", 5, 9999, "maximum run time of other updates, in minutes"),
          attr::set_of("products", common::kProductFormat, "products to synchronize, by title or glob; resolved against the catalog at plan time"),
          {.name = "reporting_events", .type = AttrType::kEnum, .description = "which WSUS reporting events to create",
           .enum_values = {"none", "status_only", "all"}},
          {.name = "schedule", .type = AttrType::kString, .description = "when to synchronize", .format = &kScheduleFormat},
          {.name = "source", .type = AttrType::kEnum, .description = "where the top-level SUP synchronizes from",
           .enum_values = {"microsoft_update", "upstream", "none"}},
          attr::set_of("update_file_languages", common::kLanguageFormat, "languages of update files to download, as culture codes"),
          {.name = "upstream", .type = AttrType::kString, .description = "the upstream WSUS server, with source = \"upstream\"",
           .format = &formats::kUrl},
          attr::integer("wait_month", 1, 99, "months before a superseded update expires"),
          attr::integer("wait_month_for_feature", 1, 99, "months before a superseded feature update expires"),
      },
  };
};

}  // namespace

std::unique_ptr<Kind> make_sync() { return std::make_unique<Sync>(); }

}  // namespace supctl::plugins::configmgr
