// DIR/lab/estate.toml: its tables as kinds, the checks their schemas cannot say, and the seed it
// makes. The estate documents follow engine/backends/lab/LAYOUT.md, as the plugins' own seeds do.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "diag/suggest.h"
#include "model/attributes.h"
#include "model/formats.h"
#include "model/text.h"
#include "plugins/configmgr/lab/interpreters.h"
#include "plugins/lab/estate_file.h"
#include "plugins/plugins.h"
#include "plugins/registry/lab/interpreters.h"
#include "plugins/registry/plugin.h"
#include "plugins/service/plugin.h"
#include "plugins/wsus/lab/interpreters.h"

namespace supctl::plugins {
namespace {

using model::AttributeSchema;
using model::AttrType;
using model::Json;
using model::KindSchema;
using model::Resource;
using model::Value;
namespace formats = model::formats;

constexpr std::string_view kWsusSetupKey = "HKLM\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup";
constexpr std::string_view kWsusFeaturePrefix = "UpdateServices-";
constexpr std::string_view kDefaultContentDir = "C:\\WSUS";

using Release = wsus::WindowsRelease;
const std::span<const Release> kReleases = wsus::windows_releases();

const Release* release_named(std::string_view os) {
  for (const Release& r : kReleases) {
    if (r.os == os) return &r;
  }
  return nullptr;
}

/// True when `os_version` is the release's version or a build of it ("10.0.14393.6796").
bool is_build_of(std::string_view os_version, const Release& release) {
  return os_version == release.os_version ||
         (os_version.starts_with(release.os_version) && os_version.size() > release.os_version.size() &&
          os_version[release.os_version.size()] == '.');
}

const Release* release_of_version(std::string_view os_version) {
  for (const Release& r : kReleases) {
    if (is_build_of(os_version, r)) return &r;
  }
  return nullptr;
}

const Release* release_of_wsus(std::string_view wsus) {
  for (const Release& r : kReleases) {
    if (r.wsus == wsus) return &r;
  }
  return nullptr;
}

// ---- Formats of the estate file's own values.

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Seconds since the Unix epoch of "YYYY-MM-DDTHH:MM:SSZ"; nullopt with the offending offset.
std::optional<std::int64_t> parse_utc(std::string_view text, std::size_t* bad = nullptr) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  auto fail = [&](std::size_t at) -> std::optional<std::int64_t> {
    if (bad) *bad = at;
    return std::nullopt;
  };
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (i >= text.size()) return fail(text.size());
    bool ok = kShape[i] == 'd' ? std::isdigit(static_cast<unsigned char>(text[i])) != 0 : text[i] == kShape[i];
    if (!ok) return fail(i);
  }
  if (text.size() != kShape.size()) return fail(kShape.size());
  auto number = [&](std::size_t at, std::size_t length) {
    int n = 0;
    for (std::size_t i = at; i < at + length; ++i) n = n * 10 + (text[i] - '0');
    return n;
  };
  int year = number(0, 4), month = number(5, 2), day = number(8, 2);
  int hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1970) return fail(0);
  if (month < 1 || month > 12) return fail(5);
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day < 1 || day > kDays[month - 1] || (month == 2 && day == 29 && !leap)) return fail(8);
  if (hour > 23) return fail(11);
  if (minute > 59) return fail(14);
  if (second > 59) return fail(17);
  return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + hour * 3600 +
         minute * 60 + second;
}

std::optional<model::FormatError> check_utc(std::string_view text, std::string*) {
  std::size_t bad = 0;
  if (parse_utc(text, &bad)) return std::nullopt;
  return model::FormatError{"expected a UTC time as YYYY-MM-DDTHH:MM:SSZ, from 1970 on", bad, {}};
}

std::optional<model::FormatError> check_os_version(std::string_view text, std::string*) {
  std::size_t parts = 1, digits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++digits;
    } else if (text[i] == '.' && digits > 0 && parts < 4) {
      ++parts;
      digits = 0;
    } else {
      return model::FormatError{"expected a Windows version of two to four numbers such as '10.0.14393'", i, {}};
    }
  }
  if (digits == 0 || parts < 2) {
    return model::FormatError{
        "expected a Windows version of two to four numbers such as '10.0.14393'", text.size(), {}};
  }
  return std::nullopt;
}

std::optional<model::FormatError> check_feature(std::string_view text, std::string*) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || (i > 0 && (c == '-' || c == '_' || c == '.'));
    if (!ok)
      return model::FormatError{
          "a feature name is letters, digits, '-', '_' and '.', as Get-WindowsFeature shows it", i, {}};
  }
  if (text.empty()) return model::FormatError{"a feature name cannot be empty", 0, {}};
  return std::nullopt;
}

const model::Format kUtcTime{
    "UTC time", "a UTC time such as '2026-11-21T02:00:00Z'",
    R"json({"type":"string","pattern":"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$"})json",
    check_utc};
const model::Format kOsVersion{"Windows version", "a Windows version such as '10.0.14393'",
                               R"json({"type":"string","pattern":"^[0-9]+(\\.[0-9]+){1,3}$"})json", check_os_version};
const model::Format kFeature{"Windows feature name",
                             "a Windows feature name such as 'Web-Server'",
                             R"json({"type":"string","pattern":"^[A-Za-z0-9][A-Za-z0-9._-]*$"})json",
                             check_feature,
                             "invalid-value",
                             true};

// ---- The kinds.

AttributeSchema host_attribute(std::string_view what) {
  return {.name = "host", .type = AttrType::kString, .description = what, .required = true, .format = &formats::kFqdn};
}

/// A kind of the manifests as the estate file takes it: the same attributes, without depends_on,
/// on a host of the lab, plus `extra`.
KindSchema from_manifest_kind(const plugin::Plugin& plugin, std::string_view name, std::string_view description,
                              std::vector<AttributeSchema> extra) {
  KindSchema kind{.kind = name, .plugin = "lab", .description = description, .name_format = &formats::kIdentifier};
  for (const KindSchema& k : plugin.kinds()) {
    if (k.kind != name) continue;
    for (const AttributeSchema& a : k.attributes) {
      if (a.name == "depends_on") continue;
      kind.attributes.push_back(a.name == "host" ? host_attribute("the lab host it is on") : a);
    }
  }
  for (AttributeSchema& a : extra) kind.attributes.push_back(std::move(a));
  std::sort(kind.attributes.begin(), kind.attributes.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return kind;
}

const plugin::Plugin& registry_plugin() {
  static const std::unique_ptr<plugin::Plugin> plugin = registry::make_plugin();
  return *plugin;
}

const plugin::Plugin& service_plugin() {
  static const std::unique_ptr<plugin::Plugin> plugin = service::make_plugin();
  return *plugin;
}

std::vector<KindSchema> make_kinds() {
  std::vector<std::string_view> os_names, wsus_versions;
  for (const Release& r : kReleases) {
    os_names.push_back(r.os);
    wsus_versions.push_back(r.wsus);
  }
  auto members = [](std::string_view group) {
    return AttributeSchema{
        .name = group,
        .type = AttrType::kStringList,
        .description = "the group's members, exactly: accounts such as 'CONTOSO\\svc-cm-wsus' or 'CONTOSO\\PR1SITE$'",
        .format = &formats::kAccountName};
  };
  std::vector<KindSchema> kinds;
  kinds.push_back(KindSchema{
      .kind = "lab",
      .plugin = "lab",
      .description = "Where the lab starts, and its clock.",
      .singleton = true,
      .attributes =
          {
              {.name = "base",
               .type = AttrType::kEnum,
               .description = "\"manifests\" (the default): the lab the manifests derive, then this file; \"empty\": "
                              "only this file",
               .enum_values = {"empty", "manifests"}},
              {.name = "clock",
               .type = AttrType::kString,
               .description = "the simulated clock's start, in UTC",
               .format = &kUtcTime},
          },
  });
  kinds.push_back(KindSchema{
      .kind = "host",
      .plugin = "lab",
      .description =
          "A machine of the lab: its Windows Server release, Windows features, local group members and WSUS.",
      .names_machine = true,
      .name_format = &formats::kFqdn,
      .attributes =
          {
              {.name = "features",
               .type = AttrType::kStringSet,
               .description = "Windows features: an array is the exact set; { include, exclude } installs and removes",
               .format = &kFeature},
              {.name = "groups",
               .type = AttrType::kTable,
               .description = "the exact members of each local group named",
               .fields = {members("Administrators"), members("WSUS Administrators")}},
              {.name = "os",
               .type = AttrType::kEnum,
               .description = "the Windows Server release; os_version follows it",
               .enum_values = os_names},
              {.name = "os_version",
               .type = AttrType::kString,
               .description = "the release's version, or a build of it (10.0.14393.6796)",
               .format = &kOsVersion},
              {.name = "wsus",
               .type = AttrType::kTable,
               .description = "WSUS on the host: { installed = false }, or installed with the version of the host's "
                              "Windows Server",
               .fields =
                   {{.name = "content_dir",
                     .type = AttrType::kString,
                     .description = "where WSUS keeps updates (C:\\WSUS when new)",
                     .format = &formats::kWindowsPath},
                    {.name = "database",
                     .type = AttrType::kString,
                     .description = "\"wid\" (when new) or a SQL Server such as 'SQL01\\WSUS'",
                     .format = &formats::kNonEmpty},
                    {.name = "installed",
                     .type = AttrType::kBoolean,
                     .description = "false removes WSUS; true when not written"},
                    {.name = "version",
                     .type = AttrType::kEnum,
                     .description =
                         "the WSUS version; the host runs the Windows Server that ships it unless os says otherwise",
                     .enum_values = wsus_versions}}},
          },
  });
  kinds.push_back(KindSchema{
      .kind = "site",
      .plugin = "lab",
      .description = "A ConfigMgr site on its site server, named by its site code.",
      .name_format = &formats::kSiteCode,
      .attributes =
          {
              {.name = "parent",
               .type = AttrType::kString,
               .description = "the parent site's code",
               .format = &formats::kSiteCode},
              {.name = "server",
               .type = AttrType::kString,
               .description = "the site server, a host of the lab",
               .required = true,
               .format = &formats::kFqdn},
              {.name = "type",
               .type = AttrType::kEnum,
               .description = "cas, primary or secondary",
               .required = true,
               .enum_values = {"cas", "primary", "secondary"}},
          },
  });
  kinds.push_back(from_manifest_kind(service_plugin(), "service",
                                     "A Windows service on a lab host, created when it is not there.",
                                     {{.name = "display_name",
                                       .type = AttrType::kString,
                                       .description = "the name the console shows (the service's name when new)",
                                       .format = &formats::kNonEmpty},
                                      {.name = "ensure",
                                       .type = AttrType::kEnum,
                                       .description = "present (the default) or absent",
                                       .enum_values = {"present", "absent"}}}));
  kinds.push_back(from_manifest_kind(registry_plugin(), "registry_key", "A registry key on a lab host.", {}));
  kinds.push_back(from_manifest_kind(registry_plugin(), "registry_value",
                                     "A registry value on a lab host: its type and data.", {}));
  return kinds;
}

// ---- The checks.

class EstateChecker {
 public:
  EstateChecker(const model::Manifest& file, const model::Manifest& manifest, std::span<const std::string> machines,
                diag::Diagnostics& out)
      : file_(file), manifest_(manifest), out_(out), on_manifests_(lab_estate_on_manifests(file)) {
    for (const Resource& host : file.of_kind("host")) hosts_.emplace(model::lower(host.name()), host.name());
    if (on_manifests_) {
      for (const std::string& machine : machines) hosts_.emplace(model::lower(machine), machine);
    }
  }

  void run() {
    check_hosts();
    for (std::string_view kind : {"service", "registry_key", "registry_value"}) {
      for (const Resource& r : file_.of_kind(kind)) check_host_named(r, "host");
    }
    check_sites();
    check_services();
    run_plugin_checks();
  }

 private:
  diag::Diagnostic& report(std::string code, std::string summary, const Resource& r, std::string_view attribute,
                           std::optional<diag::SourceRange> range = std::nullopt) {
    diag::Diagnostic& d = out_.error(std::move(code), std::move(summary));
    d.address = r.address.str();
    d.key_path = attribute.empty() ? d.address : d.address + "." + std::string(attribute);
    d.range = range ? *range : r.range_of(attribute);
    return d;
  }

  void check_host_named(const Resource& r, std::string_view attribute) {
    auto name = r.string(attribute);
    if (!name || hosts_.contains(model::lower(*name))) return;
    auto& d = report("unknown-reference", fmt::format("'{}' is not a host of the lab", *name), r, attribute);
    d.detail = fmt::format("expected: {}\nfound: '{}'",
                           on_manifests_ ? "a machine the manifests name, or a host this file declares"
                                         : "a host this file declares (base = \"empty\" starts with no hosts)",
                           *name);
    std::vector<std::string> known;
    for (const auto& [key, spelled] : hosts_) known.push_back(spelled);
    // Host names share their domain, so only a near miss is a likely typo.
    auto close = diag::closest(*name, known);
    d.help = close && diag::edit_distance(*name, *close) <= 2
                 ? fmt::format("did you mean '{}'? A machine of its own is declared as [host.\"{}\"]", *close, *name)
                 : fmt::format("declare it with a table of its own: [host.\"{}\"]", *name);
  }

  void check_hosts() {
    std::vector<const Resource*> in_file_order;
    for (const Resource& host : file_.of_kind("host")) in_file_order.push_back(&host);
    std::stable_sort(in_file_order.begin(), in_file_order.end(),
                     [](const Resource* a, const Resource* b) { return a->range.begin.byte < b->range.begin.byte; });
    std::map<std::string, const Resource*> seen;
    for (const Resource* declared : in_file_order) {
      const Resource& host = *declared;
      auto [it, inserted] = seen.emplace(model::lower(host.name()), &host);
      if (!inserted) {
        auto& d = report("duplicate-resource", fmt::format("host '{}' is declared twice", host.name()), host, "");
        d.detail = "host names compare without case";
        d.help = "merge the two tables into one";
        d.notes.push_back(diag::Note{"first declared here", it->second->range});
      }
      check_release(host);
    }
  }

  /// os, os_version and the WSUS version of one host agree.
  void check_release(const Resource& host) {
    const model::Attribute* wsus = host.find("wsus");
    const model::Field* installed = wsus ? wsus->value.field("installed") : nullptr;
    bool removed = installed && installed->value.is_boolean() && !installed->value.as_boolean();
    if (removed) {
      for (std::string_view key : {"content_dir", "database", "version"}) {
        const model::Field* field = wsus->value.field(key);
        if (!field) continue;
        auto& d = report("invalid-value", fmt::format("'wsus.{}' of a WSUS that installed = false removes", key), host,
                         fmt::format("wsus.{}", key), field->key_range);
        d.help = fmt::format("remove '{}', or say installed = true", key);
      }
    }
    auto os = host.string("os");
    auto os_version = host.string("os_version");
    const Release* release = os ? release_named(*os) : nullptr;
    if (os && !release) return;  // not a release the lab knows: the attribute checks said so
    if (os_version && release && !is_build_of(*os_version, *release)) {
      auto& d = report("invalid-value", fmt::format("'{}' is not a version of {}", *os_version, release->os), host,
                       "os_version");
      d.detail = fmt::format("expected: '{}', or a build of it such as '{}.6796'\nfound: '{}'", release->os_version,
                             release->os_version, *os_version);
      d.help = "remove os_version: it follows os";
      return;
    }
    if (os_version && !release) {
      release = release_of_version(*os_version);
      if (!release) {
        std::vector<std::string> versions;
        for (const Release& r : kReleases) versions.push_back(fmt::format("'{}'", r.os_version));
        auto& d = report("invalid-value",
                         fmt::format("'{}' is not the version of a Windows Server the lab knows", *os_version), host,
                         "os_version");
        d.detail =
            fmt::format("expected: one of {}, or a build of one\nfound: '{}'", fmt::join(versions, ", "), *os_version);
        d.help = "name the release instead: os = \"Windows Server 2022\"";
        return;
      }
    }
    const model::Field* version = wsus && wsus->value.is_table() ? wsus->value.field("version") : nullptr;
    if (removed || !release || !version || !version->value.is_string()) return;
    const std::string& wanted = version->value.as_string();
    const Release* ships = release_of_wsus(wanted);
    if (!ships || ships == release) return;
    auto& d = report("invalid-value", fmt::format("WSUS {} does not run on {}", wanted, release->os), host,
                     "wsus.version", version->value.range());
    d.detail = fmt::format("expected: '{}', the WSUS of {}\nfound: '{}'", release->wsus, release->os, wanted);
    d.help = fmt::format("write version = \"{}\", or remove {} so that the host runs {}", release->wsus,
                         os ? (os_version ? "os and os_version" : "os") : "os_version", ships->os);
  }

  /// The type of a site the lab will have, from this file or (on the manifests' lab) the manifests.
  std::optional<std::string> site_type(std::string_view code) const {
    const Resource* site = file_.find("site", code);
    if (!site && on_manifests_) site = manifest_.find("site", code);
    if (!site) return std::nullopt;
    auto type = site->string("type");
    return type ? std::string(*type) : std::string();
  }

  void check_sites() {
    std::vector<std::string> codes;
    for (const Resource& s : file_.of_kind("site")) codes.push_back(s.name());
    if (on_manifests_) {
      for (const Resource& s : manifest_.of_kind("site")) codes.push_back(s.name());
    }
    for (const Resource& site : file_.of_kind("site")) {
      check_host_named(site, "server");
      auto type = site.string("type");
      auto parent = site.string("parent");
      if (!type) continue;
      if (*type == "cas" && parent) {
        report("site-structure", fmt::format("the central administration site '{}' cannot have a parent", site.name()),
               site, "parent")
            .help = "remove 'parent': the CAS is the top of the hierarchy";
        continue;
      }
      if (*type == "secondary" && !parent) {
        report("site-structure", fmt::format("secondary site '{}' has no parent", site.name()), site, "type").help =
            "add parent = \"<primary site code>\": a secondary site is always below a primary site";
        continue;
      }
      if (!parent) continue;
      auto parent_type = site_type(*parent);
      if (!parent_type) {
        auto& d = report("unknown-reference", fmt::format("unknown parent site '{}'", *parent), site, "parent");
        d.detail = fmt::format(
            "expected: the code of a site {}\nfound: '{}'",
            on_manifests_ ? "this file or the manifests declare" : "this file declares (base = \"empty\")", *parent);
        d.help = diag::did_you_mean(*parent, codes);
        if (d.help.empty()) d.help = fmt::format("declare the parent site with a table of its own: [site.{}]", *parent);
        continue;
      }
      std::string_view expected = *type == "primary" ? "cas" : "primary";
      if (*parent_type != expected) {
        auto& d = report(
            "site-structure",
            fmt::format("{} site '{}' has the {} site '{}' as parent", *type, site.name(), *parent_type, *parent), site,
            "parent");
        d.detail = *type == "primary" ? "expected: a primary site's parent is the central administration site, or none "
                                        "for a stand-alone primary"
                                      : "expected: a secondary site's parent is a primary site";
      }
    }
  }

  void check_services() {
    for (const Resource& service : file_.of_kind("service")) {
      if (service.string("ensure") != "absent") continue;
      for (std::string_view attribute : {"display_name", "startup", "state"}) {
        if (!service.find(attribute)) continue;
        report("invalid-value", fmt::format("'{}' of a service that ensure = \"absent\" removes", attribute), service,
               attribute)
            .help = "remove it: a removed service has no display name, startup type or state";
      }
    }
  }

  /// The manifests' own rules for the kinds the file shares with them.
  void run_plugin_checks() {
    auto subset = [&](std::initializer_list<std::string_view> kinds) {
      std::vector<Resource> resources;
      for (std::string_view kind : kinds) {
        for (const Resource& r : file_.of_kind(kind)) resources.push_back(r);
      }
      return model::Manifest(std::move(resources));
    };
    registry_plugin().check(subset({"registry_key", "registry_value"}), out_);
    service_plugin().check(subset({"service"}), out_);
  }

  const model::Manifest& file_;
  const model::Manifest& manifest_;
  diag::Diagnostics& out_;
  bool on_manifests_;
  std::map<std::string, std::string> hosts_;  ///< lower-case name -> as written
};

// ---- The seed.

std::optional<std::string> field_string(const model::Attribute* table, std::string_view key) {
  if (!table || !table->value.is_table()) return std::nullopt;
  const model::Field* field = table->value.field(key);
  if (!field || !field->value.is_string()) return std::nullopt;
  return field->value.as_string();
}

std::vector<std::string> strings_of(const Value& array) {
  std::vector<std::string> out;
  if (!array.is_array()) return out;
  for (const Value& item : array.as_array()) {
    if (item.is_string()) out.push_back(item.as_string());
  }
  return out;
}

bool contains_text(const std::vector<std::string>& items, std::string_view item) {
  return std::any_of(items.begin(), items.end(), [&](const std::string& i) { return model::iequals(i, item); });
}

void uninstall_wsus(lab::Estate& estate, const std::string& host) {
  estate.remove_document(host, "wsus", "server");
  for (const std::string& feature : estate.features(host)) {
    if (model::istarts_with(feature, kWsusFeaturePrefix)) estate.remove_feature(host, feature);
  }
  estate.remove_service(host, "WsusService");
  for (std::string_view name : {"ContentDir", "SqlServerName", "SqlDatabaseName"})
    estate.delete_value(host, kWsusSetupKey, name);
}

void seed_wsus(lab::Estate& estate, const std::string& host, const model::Attribute& wsus) {
  const model::Field* installed = wsus.value.field("installed");
  if (installed && installed->value.is_boolean() && !installed->value.as_boolean()) {
    uninstall_wsus(estate, host);
    return;
  }
  auto document = estate.document(host, "wsus", "server");
  bool was_installed = document && document->is_object() && document->value("installed", false);
  auto kept = [&](const char* key, std::string_view fallback) {
    if (auto given = field_string(&wsus, key)) return *given;
    if (was_installed && (*document)[key].is_string()) return (*document)[key].get<std::string>();
    return std::string(fallback);
  };
  std::string content_dir = kept("content_dir", kDefaultContentDir);
  std::string database = kept("database", "wid");
  // One database feature: WID or SQL Server, whichever the database now is.
  for (std::string_view feature : {"UpdateServices-WidDB", "UpdateServices-DB"}) estate.remove_feature(host, feature);
  wsus::install_in_lab(estate, host, content_dir, database);  // the version follows the host's Windows Server
}

void seed_features(lab::Estate& estate, const std::string& host, const Value& features) {
  if (features.is_array()) {
    std::vector<std::string> wanted = strings_of(features);
    for (const std::string& feature : estate.features(host)) {
      if (!contains_text(wanted, feature)) estate.remove_feature(host, feature);
    }
    for (const std::string& feature : wanted) estate.install_feature(host, feature);
    return;
  }
  if (const model::Field* include = features.field("include")) {
    for (const std::string& feature : strings_of(include->value)) estate.install_feature(host, feature);
  }
  if (const model::Field* exclude = features.field("exclude")) {
    for (const std::string& feature : strings_of(exclude->value)) estate.remove_feature(host, feature);
  }
}

void seed_groups(lab::Estate& estate, const std::string& host, const Value& groups) {
  for (const model::Field& group : groups.as_table()) {
    std::vector<std::string> wanted = strings_of(group.value);
    for (const std::string& member : estate.members(host, group.key)) {
      if (!contains_text(wanted, member)) estate.remove_member(host, group.key, member);
    }
    for (const std::string& member : wanted) estate.add_member(host, group.key, member);
  }
}

void seed_host(lab::Estate& estate, const Resource& host) {
  lab::HostInfo info = estate.host(host.name()).value_or(lab::HostInfo{host.name()});
  const std::string name = info.name;
  const std::string before = info.os_version;
  auto os = host.string("os");
  auto os_version = host.string("os_version");
  const model::Attribute* wsus = host.find("wsus");
  const Release* release = os ? release_named(*os) : os_version ? release_of_version(*os_version) : nullptr;
  if (auto version = field_string(wsus, "version"); version && !release) release = release_of_wsus(*version);
  if (release) {
    info.os = std::string(release->os);
    info.os_version = std::string(os_version ? *os_version : release->os_version);
  }
  estate.add_host(info);

  if (wsus && wsus->value.is_table()) {
    seed_wsus(estate, name, *wsus);
  } else if (info.os_version != before) {
    // WSUS is a role of Windows Server: an installed one moves to the version of the new release.
    auto document = estate.document(name, "wsus", "server");
    if (document && document->is_object() && document->value("installed", false)) {
      (*document)["version"] = wsus::wsus_version_of(info.os_version);
      estate.put_document(name, "wsus", "server", *document);
    }
  }
  if (const model::Attribute* features = host.find("features")) seed_features(estate, name, features->value);
  if (const model::Attribute* groups = host.find("groups"); groups && groups->value.is_table()) {
    seed_groups(estate, name, groups->value);
  }
}

void seed_service(lab::Estate& estate, const Resource& r) {
  auto host = r.string("host");
  auto name = r.string("name");
  if (!host || !name) return;
  if (r.string("ensure") == "absent") {
    estate.remove_service(*host, *name);
    return;
  }
  lab::Service service = estate.service(*host, *name)
                             .value_or(lab::Service{.name = std::string(*name), .display_name = std::string(*name)});
  if (auto display = r.string("display_name")) service.display_name = std::string(*display);
  if (auto startup = r.string("startup")) service.startup = std::string(*startup);
  if (auto state = r.string("state")) service.state = std::string(*state);
  estate.put_service(*host, service);
}

void seed_registry_key(lab::Estate& estate, const Resource& r) {
  auto host = r.string("host");
  auto key = r.string("key");
  if (!host || !key) return;
  if (r.string("ensure") == "absent") {
    estate.delete_key(*host, *key);
  } else {
    estate.create_key(*host, *key);
  }
}

void seed_registry_value(lab::Estate& estate, const Resource& r) {
  auto host = r.string("host");
  auto key = r.string("key");
  auto name = r.string("name");
  if (!host || !key || !name) return;
  if (r.string("ensure") == "absent") {
    estate.delete_value(*host, *key, *name);
    return;
  }
  auto type = r.string("type");
  const model::Attribute* data = r.find("data");
  if (!type || !data) return;
  Json value = model::to_json(data->value);
  if (*type == "binary")
    value = registry::canonical_binary(value).value_or(value.is_string() ? value.get<std::string>() : "");
  estate.set_value(*host, *key, *name, lab::RegistryValue{std::string(*type), std::move(value)});
}

/// The file's sites, written by configmgr::seed_lab as it writes the manifests' own (a
/// `configmgr.site` document on the server, in the generation of the manifests' [hierarchy]). A
/// site of the same code elsewhere (the manifests' lab put it on another server) goes.
void seed_sites(lab::Estate& estate, const model::Manifest& file, const model::Manifest& manifest) {
  std::vector<Resource> sites;
  for (const Resource& site : file.of_kind("site")) {
    for (const lab::HostInfo& host : estate.hosts()) estate.remove_document(host.name, "configmgr.site", site.name());
    sites.push_back(site);
  }
  if (sites.empty()) return;
  if (const Resource* hierarchy = manifest.find("hierarchy", "")) sites.push_back(*hierarchy);
  configmgr::seed_lab(model::Manifest(std::move(sites)), estate);
}

}  // namespace

std::span<const KindSchema> lab_estate_kinds() {
  static const std::vector<KindSchema> kinds = make_kinds();
  return kinds;
}

bool lab_estate_on_manifests(const model::Manifest& file) {
  const Resource* lab = file.find("lab", "");
  return !lab || lab->string("base") != "empty";
}

void check_lab_estate(const model::Manifest& file, const model::Manifest& manifest,
                      std::span<const std::string> machines, diag::Diagnostics& out) {
  EstateChecker(file, manifest, machines, out).run();
}

void seed_lab_estate(const model::Manifest& file, const model::Manifest& manifest, lab::Estate& estate) {
  for (const Resource& host : file.of_kind("host")) seed_host(estate, host);
  for (const Resource& service : file.of_kind("service")) seed_service(estate, service);
  for (const Resource& key : file.of_kind("registry_key")) seed_registry_key(estate, key);
  for (const Resource& value : file.of_kind("registry_value")) seed_registry_value(estate, value);
  seed_sites(estate, file, manifest);
  const Resource* lab = file.find("lab", "");
  if (auto clock = lab ? lab->string("clock") : std::nullopt) {
    if (auto start = parse_utc(*clock)) estate.advance(*start - estate.now());
  }
}

}  // namespace supctl::plugins
