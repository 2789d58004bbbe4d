#include "plugins/wsus/plugin.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "model/formats.h"
#include "plugins/common/catalog.h"

namespace supctl::plugins::wsus {
namespace {

using diag::Severity;
using model::AttributeSchema;
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

AttributeSchema boolean(std::string_view name, std::string_view description) {
  return {.name = name, .type = AttrType::kBoolean, .description = description};
}

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
          {.name = "depends_on", .type = AttrType::kAddressList, .description = "resources that must be applied first"},
          boolean("do_detailed_rollup", "roll up detailed status from replica servers"),
          boolean("download_express_packages", "download express installation files"),
          boolean("download_update_binaries_as_needed", "download files only when an update is approved"),
          {.name = "email_language", .type = AttrType::kString, .description = "language of notification e-mail",
           .format = &common::kLanguageFormat},
          {.name = "email_server_account", .type = AttrType::kReference, .description = "the account for the SMTP server",
           .ref_kind = "account"},
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
          {.name = "proxy", .type = AttrType::kReference, .description = "the proxy WSUS uses (standalone WSUS)", .ref_kind = "proxy"},
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
};

class WsusPlugin final : public model::Plugin {
 public:
  std::string_view name() const override { return "wsus"; }
  std::span<const KindSchema> kinds() const override {
    static const std::vector<KindSchema> all = make_kinds();
    return all;
  }
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
};

}  // namespace

std::unique_ptr<model::Plugin> make_plugin() { return std::make_unique<WsusPlugin>(); }

}  // namespace supctl::plugins::wsus
