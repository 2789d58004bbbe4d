#include "plugins/configmgr/kinds.h"

#include <algorithm>
#include <array>
#include <vector>

#include "model/formats.h"
#include "plugins/common/catalog.h"
#include "plugins/configmgr/schedule.h"

namespace supctl::plugins::configmgr {
namespace {

using model::AttributeSchema;
using model::AttrType;
using model::KindSchema;
namespace formats = model::formats;

AttributeSchema depends_on() {
  return {.name = "depends_on", .type = AttrType::kAddressList, .description = "resources that must be applied first"};
}

AttributeSchema boolean(std::string_view name, std::string_view description) {
  return {.name = name, .type = AttrType::kBoolean, .description = description};
}

AttributeSchema reference(std::string_view name, std::string_view kind, std::string_view description, bool required = false) {
  return {.name = name, .type = AttrType::kReference, .description = description, .required = required, .ref_kind = kind};
}

AttributeSchema integer(std::string_view name, std::int64_t min, std::int64_t max, std::string_view description) {
  return {.name = name, .type = AttrType::kInteger, .description = description, .min = min, .max = max};
}

AttributeSchema set_of(std::string_view name, const model::Format& format, std::string_view description) {
  return {.name = name, .type = AttrType::kStringSet, .description = description, .format = &format};
}

std::vector<KindSchema> make_kinds() {
  std::vector<KindSchema> kinds;
  kinds.push_back(KindSchema{
      .kind = "hierarchy",
      .plugin = "configmgr",
      .description = "The ConfigMgr hierarchy these manifests describe; one per directory.",
      .singleton = true,
      .attributes = {
          {.name = "configmgr", .type = AttrType::kEnum, .description = "the ConfigMgr generation; it decides which rules apply",
           .required = true, .enum_values = {"current-branch", "2007"}},
          {.name = "name", .type = AttrType::kString, .description = "a name for the hierarchy", .required = true,
           .format = &formats::kNonEmpty},
      },
  });
  kinds.push_back(KindSchema{
      .kind = "site",
      .plugin = "configmgr",
      .description = "An existing ConfigMgr site, named by its site code: read and checked, never created.",
      .name_format = &formats::kSiteCode,
      .read_only = true,
      .attributes = {
          depends_on(),
          {.name = "mode", .type = AttrType::kEnum, .description = "ConfigMgr 2007 site mode", .enum_values = {"mixed", "native"}},
          reference("parent", "site", "the parent site's code; none for the top-level site"),
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
  });
  kinds.push_back(KindSchema{
      .kind = "account",
      .plugin = "configmgr",
      .description = "A ConfigMgr account (New-CMAccount), e.g. the WSUS Server Connection Account.",
      .name_format = &formats::kIdentifier,
      .attributes = {
          depends_on(),
          boolean("manage_group_membership",
                  "add the account to Administrators and WSUS Administrators on the SUP hosts that use it"),
          {.name = "password", .type = AttrType::kSecret, .description = "the account's password", .required = true},
          reference("site", "site", "the site the account is created at; the top-level site when not written"),
          {.name = "user", .type = AttrType::kString, .description = "the account, as DOMAIN\\user", .required = true,
           .format = &formats::kAccountName},
      },
  });
  kinds.push_back(KindSchema{
      .kind = "proxy",
      .plugin = "configmgr",
      .description = "A proxy server that site systems use to reach the Internet.",
      .name_format = &formats::kIdentifier,
      .attributes = {
          reference("account", "account", "the site system proxy server account; anonymous access when not written"),
          {.name = "bypass", .type = AttrType::kStringList, .description = "hosts that bypass the proxy (WinHTTP bypass list)",
           .format = &formats::kNonEmpty},
          depends_on(),
          {.name = "port", .type = AttrType::kInteger, .description = "the proxy's TCP port (ConfigMgr resets an unset port to 80)",
           .required = true, .min = 1, .max = 65535},
          {.name = "server", .type = AttrType::kString, .description = "the proxy's host name or IP address", .required = true,
           .format = &formats::kFqdn},
      },
  });
  kinds.push_back(KindSchema{
      .kind = "site_system",
      .plugin = "configmgr",
      .description = "A site system server (New-/Set-CMSiteSystemServer) and its proxy.",
      .names_machine = true,
      .name_format = &formats::kFqdn,
      .destroy_needs_consent = true,
      .attributes = {
          boolean("allow_destroy", "let supctl remove the site system when it leaves the manifests"),
          depends_on(),
          boolean("fdm_operation", "the site server initiates connections to this site system"),
          reference("installation_account", "account", "the site system installation account"),
          reference("proxy", "proxy", "the proxy this server uses; every role on it shares it"),
          {.name = "public_fqdn", .type = AttrType::kString, .description = "the Internet FQDN of the site system",
           .format = &formats::kFqdn},
          reference("site", "site", "the site the server belongs to", true),
          boolean("use_site_server_account", "install with the site server's computer account"),
      },
  });
  kinds.push_back(KindSchema{
      .kind = "software_update_point",
      .plugin = "configmgr",
      .description = "The software update point role (Add-/Set-CMSoftwareUpdatePoint) on a site system.",
      .names_machine = true,
      .name_format = &formats::kFqdn,
      .destroy_needs_consent = true,
      .attributes = {
          boolean("active", "ConfigMgr 2007: the site's active software update point"),
          boolean("allow_destroy", "let supctl remove the role when it leaves the manifests"),
          boolean("anonymous_wsus_access", "ConfigMgr connects to WSUS anonymously (no connection account)"),
          {.name = "client_connection_type", .type = AttrType::kEnum, .description = "which clients may connect",
           .enum_values = {"intranet", "internet", "internet_and_intranet"}},
          reference("connection_account", "account", "the WSUS Server Connection Account"),
          depends_on(),
          boolean("enable_cloud_gateway", "allow traffic from the cloud management gateway"),
          {.name = "nlb_virtual_ip", .type = AttrType::kString,
           .description = "ConfigMgr 2007: the virtual IP of the NLB cluster this SUP belongs to", .format = &formats::kIpv4},
          {.name = "public_virtual_ip", .type = AttrType::kString,
           .description = "ConfigMgr 2007: the public virtual IP of an Internet-facing NLB cluster", .format = &formats::kIpv4},
          reference("site", "site", "the site the role belongs to", true),
          boolean("use_proxy", "synchronize through the site system's proxy"),
          boolean("use_proxy_for_adr", "download automatic deployment rule content through the site system's proxy"),
          integer("wsus_iis_port", 1, 65535, "the WSUS web site's HTTP port (8530 on WSUS 6 and later)"),
          integer("wsus_iis_ssl_port", 1, 65535, "the WSUS web site's HTTPS port (8531 on WSUS 6 and later)"),
          boolean("wsus_ssl", "require SSL between clients and WSUS"),
      },
  });
  kinds.push_back(KindSchema{
      .kind = "sync",
      .plugin = "configmgr",
      .description = "Software update point component settings of a site (Set-CMSoftwareUpdatePointComponent), named by site code.",
      .name_format = &formats::kSiteCode,
      .deletable = false,  // every site has the component: leaving the manifests stops managing it
      .attributes = {
          set_of("classifications", common::kClassificationFormat, "update classifications to synchronize, by title or GUID"),
          {.name = "content_file_option", .type = AttrType::kEnum, .description = "full files only, or express files for Windows 10",
           .enum_values = {"full_files_only", "express_for_windows10_only"}},
          {.name = "default_wsus_server", .type = AttrType::kString, .description = "the default WSUS server of the site",
           .format = &formats::kFqdn},
          depends_on(),
          boolean("enable_call_wsus_cleanup_wizard", "run the WSUS cleanup wizard after synchronization"),
          boolean("enable_manual_cert_management", "manage the third-party updates signing certificate by hand"),
          boolean("enable_sync_failure_alert", "raise an alert when synchronization fails"),
          boolean("enable_synchronization", "synchronize on the schedule (false: supctl clears the schedule; only when started by hand)"),
          boolean("enable_third_party_updates", "enable third-party software updates"),
          integer("feature_update_max_runtime_mins", 5, 9999, "maximum run time of a feature update, in minutes"),
          boolean("immediately_expire_supersedence", "expire superseded updates at once (false: after wait_month)"),
          boolean("immediately_expire_supersedence_for_feature", "expire superseded feature updates at once"),
          set_of("languages", common::kLanguageFormat, "summary details languages, as culture codes"),
          integer("non_feature_update_max_runtime_mins", 5, 9999, "maximum run time of other updates, in minutes"),
          set_of("products", common::kProductFormat, "products to synchronize, by title or glob; resolved against the catalog at plan time"),
          {.name = "reporting_events", .type = AttrType::kEnum, .description = "which WSUS reporting events to create",
           .enum_values = {"none", "status_only", "all"}},
          {.name = "schedule", .type = AttrType::kString, .description = "when to synchronize", .format = &kScheduleFormat},
          {.name = "source", .type = AttrType::kEnum, .description = "where the top-level SUP synchronizes from",
           .enum_values = {"microsoft_update", "upstream", "none"}},
          set_of("update_file_languages", common::kLanguageFormat, "languages of update files to download, as culture codes"),
          {.name = "upstream", .type = AttrType::kString, .description = "the upstream WSUS server, with source = \"upstream\"",
           .format = &formats::kUrl},
          integer("wait_month", 1, 99, "months before a superseded update expires"),
          integer("wait_month_for_feature", 1, 99, "months before a superseded feature update expires"),
      },
  });
  return kinds;
}

}  // namespace

std::span<const model::KindSchema> kinds() {
  static const std::vector<KindSchema> all = make_kinds();
  return all;
}

bool top_level_only(std::string_view sync_attribute) {
  static constexpr std::array<std::string_view, 3> kPerSite{"depends_on", "reporting_events", "update_file_languages"};
  return std::find(kPerSite.begin(), kPerSite.end(), sync_attribute) == kPerSite.end();
}

}  // namespace supctl::plugins::configmgr
