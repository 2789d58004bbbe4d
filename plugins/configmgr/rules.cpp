#include "plugins/configmgr/rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "plugins/common/catalog.h"
#include "plugins/configmgr/kinds.h"

namespace supctl::plugins::configmgr {
namespace {

using diag::Diagnostic;
using diag::Diagnostics;
using diag::Severity;
using model::Manifest;
using model::Resource;

constexpr diag::RuleInfo kRules[] = {
    {"missing-hierarchy", "The manifests declare no [hierarchy]."},
    {"site-structure", "A site's type and parent do not form a valid ConfigMgr hierarchy."},
    {"site-capacity", "A CAS has more than 25 child primaries, or a primary more than 250 secondaries."},
    {"sup-required", "The CAS and every primary site need a software update point."},
    {"secondary-sup-limit", "A secondary site has more than one software update point."},
    {"top-level-only", "A sync setting that only the top-level site takes is set at a child site."},
    {"child-sync-source", "A child site's software update points sync from the parent; it takes no source."},
    {"upstream-url", "An upstream sync source needs a URL, and a URL needs the upstream source."},
    {"proxy-required", "use_proxy or use_proxy_for_adr without a proxy on the site system."},
    {"port-pair", "WSUS ports 80 and 443 go together, and HTTP and HTTPS need different ports."},
    {"ssl-below", "A parent site's SUP uses SSL but a child site's SUP does not."},
    {"internet-needs-ssl", "Internet-facing client connections and the cloud management gateway need SSL."},
    {"active-sup", "ConfigMgr 2007: one active SUP per site, plus at most one active Internet-based SUP in native mode."},
    {"nlb-cluster", "ConfigMgr 2007: an NLB cluster of SUPs has at most four servers in one site."},
    {"not-in-mode", "A setting that the hierarchy's ConfigMgr generation does not have."},
    {"wsus-version", "A WSUS version the ConfigMgr generation does not support, or different versions in one site."},
    {"wsus-owned-by-configmgr", "A WSUS server that hosts a SUP declares settings that ConfigMgr owns."},
    {"connection-account-conflict", "A connection account together with anonymous WSUS access."},
    {"site-mismatch", "A SUP and its site system name different sites."},
    {"sync-schedule", "enable_synchronization and schedule disagree."},
    {"supersedence", "Supersedence settings contradict each other."},
    {"third-party-updates", "Third-party update settings contradict each other or the connection account."},
    {"empty-languages", "Every language removed from a sync set."},
    {"installation-account-conflict", "A site system with an installation account and the site server's account."},
    {"adr-proxy-secondary", "use_proxy_for_adr on a secondary site's SUP, which ignores it."},
    {"unknown-site", "A sync table names a site that is not declared."},
};

enum class Mode { kCurrentBranch, k2007 };

class Checker {
 public:
  Checker(const Manifest& manifest, Diagnostics& out) : m_(manifest), out_(out) {
    const Resource* hierarchy = m_.find("hierarchy", "");
    if (hierarchy && hierarchy->string("configmgr") == "2007") mode_ = Mode::k2007;
    for (const Resource& site : m_.of_kind("site")) sites_[site.name()] = &site;
    for (const Resource& sup : m_.of_kind("software_update_point")) {
      if (auto site = sup.string("site")) sups_by_site_[std::string(*site)].push_back(&sup);
    }
  }

  void run() {
    check_hierarchy();
    check_sites();
    check_sups();
    check_sync();
    check_site_systems();
    check_wsus();
  }

 private:
  Diagnostic& report(Severity severity, std::string code, std::string summary, const Resource& r,
                     std::string_view attribute = {}) {
    Diagnostic& d = severity == Severity::kError ? out_.error(std::move(code), std::move(summary))
                                                 : out_.warning(std::move(code), std::move(summary));
    d.address = r.address.str();
    d.key_path = attribute.empty() ? d.address : d.address + "." + std::string(attribute);
    d.range = attribute.empty() ? r.range : r.range_of(attribute);
    return d;
  }

  bool is_2007() const { return mode_ == Mode::k2007; }
  std::string_view mode_name() const { return is_2007() ? "ConfigMgr 2007" : "current branch"; }

  const Resource* site(std::string_view code) const {
    auto it = sites_.find(std::string(code));
    return it == sites_.end() ? nullptr : it->second;
  }

  // The top-level site above `code` (itself when it has no parent); nullptr on a cycle or a gap.
  const Resource* top_of(std::string_view code) const {
    const Resource* s = site(code);
    std::set<std::string_view> visited;
    while (s && visited.insert(s->name()).second) {
      auto parent = s->string("parent");
      if (!parent) return s;
      s = site(*parent);
    }
    return nullptr;
  }

  bool is_top_level(const Resource& s) const { return !s.find("parent"); }

  // "A -> B -> A" when following parents from `s` comes back to `s` and `s` has the smallest
  // code in that cycle (so that a cycle is reported once); otherwise nothing.
  std::optional<std::string> parent_cycle(const Resource& s) const {
    std::vector<std::string_view> path{s.name()};
    const Resource* current = &s;
    while (auto parent = current->string("parent")) {
      if (*parent == s.name()) {
        if (std::any_of(path.begin(), path.end(), [&](std::string_view code) { return code < s.name(); })) return std::nullopt;
        path.push_back(s.name());
        return fmt::format("{}", fmt::join(path, " -> "));
      }
      if (std::find(path.begin(), path.end(), *parent) != path.end()) return std::nullopt;  // a cycle above s
      current = site(*parent);
      if (!current) return std::nullopt;
      path.push_back(current->name());
    }
    return std::nullopt;
  }

  std::span<const Resource* const> sups_of(std::string_view code) const {
    auto it = sups_by_site_.find(std::string(code));
    if (it == sups_by_site_.end()) return {};
    return it->second;
  }

  void check_hierarchy() {
    if (m_.find("hierarchy", "") || m_.resources().empty()) return;
    Diagnostic& d = out_.error("missing-hierarchy", "the manifests declare no [hierarchy]");
    d.key_path = "hierarchy";
    d.range = m_.resources().front().range;
    d.detail = "every manifest directory says which hierarchy it describes and its ConfigMgr generation";
    d.help = "add a table:\n[hierarchy]\nname = \"contoso\"\nconfigmgr = \"current-branch\"";
  }

  void check_sites() {
    std::vector<const Resource*> cas;
    std::map<std::string, int> child_primaries, child_secondaries;
    for (const Resource& s : m_.of_kind("site")) {
      auto type = s.string("type");
      auto parent_code = s.string("parent");
      const Resource* parent = parent_code ? site(*parent_code) : nullptr;
      auto parent_type = parent ? parent->string("type") : std::nullopt;
      if (s.find("mode") && !is_2007()) {
        report(Severity::kError, "not-in-mode", "'mode' is a ConfigMgr 2007 setting", s, "mode")
            .help = "remove it: current branch sites have no mixed or native mode";
      }
      if (!type) continue;
      if (*type == "cas") {
        cas.push_back(&s);
        if (is_2007()) {
          report(Severity::kError, "site-structure", "ConfigMgr 2007 has no central administration site", s, "type")
              .help = "the top of a 2007 hierarchy is a primary site without a parent: type = \"primary\"";
        }
        if (parent_code) {
          report(Severity::kError, "site-structure", fmt::format("the central administration site '{}' cannot have a parent", s.name()), s, "parent")
              .help = "remove 'parent': the CAS is the top of the hierarchy";
        }
      } else if (*type == "primary") {
        if (parent_type && *parent_type != "cas" && !is_2007()) {
          auto& d = report(Severity::kError, "site-structure",
                           fmt::format("primary site '{}' has the {} site '{}' as parent", s.name(), *parent_type, *parent_code), s, "parent");
          d.detail = "expected: a primary site's parent is the central administration site, or none for a stand-alone primary";
        }
        if (parent_type && is_2007() && *parent_type != "primary") {
          auto& d = report(Severity::kError, "site-structure",
                           fmt::format("primary site '{}' has the {} site '{}' as parent", s.name(), *parent_type, *parent_code), s, "parent");
          d.detail = "expected: in ConfigMgr 2007 a child primary site's parent is a primary site";
        }
        if (parent_type && *parent_type == "cas") ++child_primaries[std::string(*parent_code)];
      } else if (*type == "secondary") {
        if (!parent_code) {
          report(Severity::kError, "site-structure", fmt::format("secondary site '{}' has no parent", s.name()), s, "type")
              .help = "add parent = \"<primary site code>\": a secondary site is always below a primary site";
        } else if (parent_type && *parent_type != "primary") {
          auto& d = report(Severity::kError, "site-structure",
                           fmt::format("secondary site '{}' has the {} site '{}' as parent", s.name(), *parent_type, *parent_code), s, "parent");
          d.detail = "expected: a secondary site's parent is a primary site";
        }
        if (parent_type && *parent_type == "primary") ++child_secondaries[std::string(*parent_code)];
        if (s.find("provider")) {
          auto& d = report(Severity::kError, "site-structure",
                           fmt::format("secondary site '{}' has no SMS Provider of its own: supctl reaches it through its parent's", s.name()), s,
                           "provider");
          d.help = "remove 'provider' here, and set it on the parent primary site if its SMS Provider is not on its site server";
        }
      }
      if (auto cycle = parent_cycle(s)) {
        auto& d = report(Severity::kError, "dependency-cycle", "site parents form a cycle: " + *cycle, s, "parent");
        d.help = "the top-level site has no parent: remove 'parent' from one of them";
      }
    }
    if (cas.size() > 1) {
      for (std::size_t i = 1; i < cas.size(); ++i) {
        auto& d = report(Severity::kError, "site-structure", "a hierarchy has one central administration site", *cas[i], "type");
        d.notes.push_back(diag::Note{fmt::format("'{}' is already the CAS", cas[0]->name()), cas[0]->range_of("type")});
      }
    }
    if (!cas.empty() && !is_2007()) {
      for (const Resource& s : m_.of_kind("site")) {
        if (s.string("type") == "primary" && !s.find("parent")) {
          auto& d = report(Severity::kError, "site-structure",
                           fmt::format("primary site '{}' has no parent, but the hierarchy has a CAS", s.name()), s);
          d.help = fmt::format("add parent = \"{}\"", cas[0]->name());
        }
      }
    }
    for (const auto& [code, count] : child_primaries) {
      if (count > 25) {
        report(Severity::kError, "site-capacity", fmt::format("the CAS '{}' has {} child primary sites; it supports 25", code, count), *site(code));
      }
    }
    for (const auto& [code, count] : child_secondaries) {
      if (count > 250) {
        report(Severity::kError, "site-capacity", fmt::format("primary site '{}' has {} secondary sites; it supports 250", code, count), *site(code));
      }
    }
  }

  void check_sups() {
    // Every CAS and primary needs a SUP; a secondary takes at most one.
    for (const Resource& s : m_.of_kind("site")) {
      auto type = s.string("type");
      auto sups = sups_of(s.name());
      if ((type == "cas" || type == "primary") && sups.empty()) {
        auto& d = report(Severity::kError, "sup-required",
                         fmt::format("{} site '{}' has no software update point", *type == "cas" ? "central administration" : "primary", s.name()), s);
        d.detail = "software updates need a SUP on the central administration site and on every primary site";
        d.help = fmt::format("declare one: [software_update_point.\"<server FQDN>\"] with site = \"{}\"", s.name());
      }
      if (type == "secondary" && sups.size() > 1) {
        for (std::size_t i = 1; i < sups.size(); ++i) {
          auto& d = report(Severity::kError, "secondary-sup-limit",
                           fmt::format("secondary site '{}' can have one software update point; this is its {}", s.name(), i + 1), *sups[i], "site");
          d.notes.push_back(diag::Note{fmt::format("'{}' is already its SUP", sups[0]->name()), sups[0]->range});
        }
      }
    }
    for (const Resource& sup : m_.of_kind("software_update_point")) check_sup(sup);
    check_ssl_below();
    if (is_2007()) check_active_sups();
  }

  void check_sup(const Resource& sup) {
    const Resource* system = m_.find("site_system", sup.name());
    auto site_code = sup.string("site");
    const Resource* site_resource = site_code ? site(*site_code) : nullptr;
    for (std::string_view flag : {"use_proxy", "use_proxy_for_adr"}) {
      if (sup.boolean(flag) != true) continue;
      if (!system || !system->find("proxy")) {
        auto& d = report(Severity::kError, "proxy-required", fmt::format("'{}' needs a proxy on the site system '{}'", flag, sup.name()), sup, flag);
        d.detail = system ? fmt::format("site_system[\"{}\"] declares no proxy", sup.name())
                          : fmt::format("no site_system[\"{}\"] is declared", sup.name());
        d.help = fmt::format("declare [site_system.\"{}\"] with proxy = \"<proxy name>\", or set {} = false", sup.name(), flag);
      }
      if (flag == "use_proxy_for_adr" && site_resource && site_resource->string("type") == "secondary") {
        report(Severity::kWarning, "adr-proxy-secondary", "use_proxy_for_adr has no effect on a secondary site's SUP", sup, flag)
            .detail = "automatic deployment rules download on the site server where they were created";
      }
    }
    if (system && site_code && system->string("site") && *system->string("site") != *site_code) {
      auto& d = report(Severity::kError, "site-mismatch",
                       fmt::format("the SUP belongs to site '{}', its site system to site '{}'", *site_code, *system->string("site")), sup, "site");
      d.notes.push_back(diag::Note{"the site system's site", system->range_of("site")});
    }
    // Ports: 80 and 443 together or neither; never the same port twice.
    auto http = sup.integer("wsus_iis_port");
    auto https = sup.integer("wsus_iis_ssl_port");
    if (http && https && *http == *https) {
      report(Severity::kError, "port-pair", fmt::format("HTTP and HTTPS cannot share port {}", *http), sup, "wsus_iis_ssl_port")
          .help = "WSUS 6 and later use 8530 and 8531; WSUS 3.0 on the Default Web Site uses 80 and 443";
    } else if (http && https && ((*http == 80) != (*https == 443))) {
      auto& d = report(Severity::kError, "port-pair",
                       fmt::format("WSUS ports {} and {} do not go together", *http, *https), sup, *http == 80 ? "wsus_iis_ssl_port" : "wsus_iis_port");
      d.detail = "expected: 80 with 443 (the Default Web Site), or neither (a custom site such as 8530 and 8531)";
    } else if ((http == 80 && !https) || (https == 443 && !http)) {
      auto& d = report(Severity::kWarning, "port-pair", http ? "wsus_iis_port = 80 needs wsus_iis_ssl_port = 443"
                                                             : "wsus_iis_ssl_port = 443 needs wsus_iis_port = 80",
                       sup, http ? "wsus_iis_port" : "wsus_iis_ssl_port");
      d.help = http ? "write wsus_iis_ssl_port = 443 as well" : "write wsus_iis_port = 80 as well";
    }
    // Internet-facing connections and the cloud management gateway need SSL.
    auto connection = sup.string("client_connection_type");
    auto ssl = sup.boolean("wsus_ssl");
    bool internet = connection == "internet" || connection == "internet_and_intranet";
    if (internet && ssl != true) {
      auto& d = report(ssl == false ? Severity::kError : Severity::kWarning, "internet-needs-ssl",
                       fmt::format("client_connection_type '{}' needs wsus_ssl = true", *connection), sup,
                       ssl == false ? "wsus_ssl" : "client_connection_type");
      d.detail = ssl == false ? "Internet-based clients reach WSUS over HTTPS only"
                              : "wsus_ssl is not written, so supctl cannot keep SSL on";
      d.help = "set wsus_ssl = true";
    }
    if (sup.boolean("enable_cloud_gateway") == true) {
      if (is_2007()) {
        report(Severity::kError, "not-in-mode", "the cloud management gateway does not exist in ConfigMgr 2007", sup, "enable_cloud_gateway");
      } else if (connection == "intranet" || !connection) {
        auto& d = report(Severity::kError, "internet-needs-ssl", "enable_cloud_gateway needs Internet client connections", sup, "enable_cloud_gateway");
        d.help = "set client_connection_type = \"internet\" or \"internet_and_intranet\"";
      } else if (ssl != true) {
        report(Severity::kError, "internet-needs-ssl", "enable_cloud_gateway needs wsus_ssl = true", sup, "enable_cloud_gateway")
            .help = "set wsus_ssl = true";
      }
    }
    if (sup.find("connection_account") && sup.boolean("anonymous_wsus_access") == true) {
      auto& d = report(Severity::kError, "connection-account-conflict",
                       "a connection account and anonymous WSUS access exclude each other", sup, "anonymous_wsus_access");
      d.help = "remove anonymous_wsus_access, or remove connection_account";
    }
    if (!is_2007()) {
      for (std::string_view attribute : {"active", "public_virtual_ip"}) {
        if (sup.find(attribute)) {
          report(Severity::kError, "not-in-mode", fmt::format("'{}' is a ConfigMgr 2007 setting", attribute), sup, attribute)
              .help = "current branch has no active SUP: the first SUP of a site is its sync source, the others replicate";
        }
      }
      if (sup.find("nlb_virtual_ip")) {
        report(Severity::kError, "not-in-mode", "NLB clusters of SUPs are not supported in current branch", sup, "nlb_virtual_ip")
            .help = "declare several software update points in the site instead; clients switch between them";
      }
    }
  }

  void check_ssl_below() {
    for (const Resource& s : m_.of_kind("site")) {
      auto parent = s.string("parent");
      if (!parent) continue;
      const Resource* ssl_parent = nullptr;
      for (const Resource* sup : sups_of(*parent)) {
        if (sup->boolean("wsus_ssl") == true) ssl_parent = sup;
      }
      if (!ssl_parent) continue;
      for (const Resource* sup : sups_of(s.name())) {
        if (sup->boolean("wsus_ssl") == true) continue;
        auto& d = report(Severity::kWarning, "ssl-below",
                         fmt::format("the parent site '{}' uses SSL for WSUS but this SUP does not", *parent), *sup,
                         sup->find("wsus_ssl") ? "wsus_ssl" : "");
        d.help = "set wsus_ssl = true: SUPs below an SSL SUP should use SSL too";
        d.notes.push_back(diag::Note{"the parent site's SUP", ssl_parent->range_of("wsus_ssl")});
      }
    }
  }

  void check_active_sups() {
    std::map<std::string, std::vector<const Resource*>> clusters;
    for (const Resource& sup : m_.of_kind("software_update_point")) {
      if (auto vip = sup.string("nlb_virtual_ip")) clusters[std::string(*vip)].push_back(&sup);
    }
    for (const auto& [vip, members] : clusters) {
      if (members.size() > 4) {
        auto& d = report(Severity::kError, "nlb-cluster",
                         fmt::format("the NLB cluster '{}' has {} servers; ConfigMgr 2007 supports at most 4", vip, members.size()),
                         *members[4], "nlb_virtual_ip");
        d.help = "each server of the cluster has its own SUP role; remove servers until there are four";
      }
      std::set<std::string_view> member_sites;
      for (const Resource* sup : members) {
        if (auto code = sup->string("site")) member_sites.insert(*code);
      }
      if (member_sites.size() > 1) {
        report(Severity::kError, "nlb-cluster", fmt::format("the NLB cluster '{}' spans several sites", vip), *members.back(), "nlb_virtual_ip")
            .help = "an NLB cluster is the active SUP of one site";
      }
    }
    for (const Resource& s : m_.of_kind("site")) {
      std::vector<const Resource*> intranet, internet;
      std::set<std::string_view> counted_clusters;
      for (const Resource* sup : sups_of(s.name())) {
        if (sup->boolean("active") != true) continue;
        if (sup->string("client_connection_type") == "internet") {
          internet.push_back(sup);
          continue;
        }
        auto vip = sup->string("nlb_virtual_ip");
        if (vip && !counted_clusters.insert(*vip).second) continue;  // one cluster is one active SUP
        intranet.push_back(sup);
      }
      auto type = s.string("type");
      if (intranet.empty() && !sups_of(s.name()).empty()) {
        auto& d = report(Severity::kError, "active-sup", fmt::format("site '{}' has no active software update point", s.name()),
                         *sups_of(s.name()).front(), "active");
        d.help = "set active = true on exactly one of the site's SUPs (or on every server of its NLB cluster)";
      }
      for (std::size_t i = 1; i < intranet.size(); ++i) {
        auto& d = report(Severity::kError, "active-sup",
                         fmt::format("site '{}' has more than one active software update point", s.name()), *intranet[i], "active");
        d.detail = "ConfigMgr 2007 has exactly one active SUP per site; an NLB cluster shares one nlb_virtual_ip";
        d.notes.push_back(diag::Note{"the first active SUP", intranet[0]->range_of("active")});
      }
      for (std::size_t i = 1; i < internet.size(); ++i) {
        auto& d = report(Severity::kError, "active-sup",
                         fmt::format("site '{}' has more than one active Internet-based software update point", s.name()),
                         *internet[i], "client_connection_type");
        d.notes.push_back(diag::Note{"the first active Internet-based SUP", internet[0]->range_of("client_connection_type")});
      }
      if (!internet.empty()) {
        if (s.string("mode") != "native") {
          auto& d = report(Severity::kError, "active-sup", "an active Internet-based SUP needs the site in native mode",
                           *internet[0], "client_connection_type");
          d.detail = fmt::format("site '{}' is {}", s.name(), s.string("mode") ? "in mixed mode" : "not declared native (mode is not written)");
          d.help = fmt::format("set mode = \"native\" on [site.{}]", s.name());
        }
        if (auto server = s.string("server"); server && *server == internet[0]->name()) {
          report(Severity::kError, "active-sup", "the active Internet-based SUP must be remote from the site server", *internet[0])
              .help = "put it on a site system other than the site server";
        }
        for (const Resource* sup : intranet) {
          if (sup->string("client_connection_type") == "internet_and_intranet") {
            report(Severity::kError, "active-sup",
                   "with an active Internet-based SUP, the active SUP serves intranet clients only", *sup, "client_connection_type")
                .help = "set client_connection_type = \"intranet\"";
          }
        }
      }
      (void)type;
    }
  }

  void check_sync() {
    for (const Resource& sync : m_.of_kind("sync")) {
      const Resource* s = site(sync.name());
      if (!s) {
        std::vector<std::string> codes;
        for (const auto& [code, _] : sites_) codes.push_back(code);
        auto& d = report(Severity::kError, "unknown-site", fmt::format("[sync.{}] names no declared site", sync.name()), sync);
        d.detail = "a sync table is named by the code of the site whose software update point component it configures";
        d.help = codes.empty() ? fmt::format("declare [site.{}]", sync.name()) : fmt::format("declared sites: {}", fmt::join(codes, ", "));
      } else if (!is_top_level(*s)) {
        const Resource* top = top_of(s->name());
        for (const model::Attribute& attribute : sync.attributes) {
          if (!top_level_only(attribute.name)) continue;
          bool source = attribute.name == "source" || attribute.name == "upstream";
          auto& d = report(Severity::kError, source ? "child-sync-source" : "top-level-only",
                           source ? fmt::format("a child site's SUPs sync from the parent site; '{}' cannot be set at '{}'", attribute.name, s->name())
                                  : fmt::format("'{}' can only be set at the top-level site", attribute.name),
                           sync, attribute.name);
          d.detail = top ? fmt::format("site '{}' is below '{}'; only [sync.{}] takes it", s->name(), top->name(), top->name())
                         : fmt::format("site '{}' is not the top-level site", s->name());
          d.help = top ? fmt::format("move it to [sync.{}]", top->name()) : std::string("move it to the top-level site's sync table");
        }
      }
      check_sync_settings(sync);
    }
  }

  void check_sync_settings(const Resource& sync) {
    auto source = sync.string("source");
    if (source == "upstream" && !sync.find("upstream")) {
      report(Severity::kError, "upstream-url", "source = \"upstream\" needs an upstream URL", sync, "source")
          .help = "add upstream = \"https://<upstream WSUS>:8531\"";
    }
    if (sync.find("upstream") && source != "upstream") {
      auto& d = report(Severity::kError, "upstream-url", "'upstream' is only used with source = \"upstream\"", sync, "upstream");
      d.detail = source ? fmt::format("source is '{}'", *source) : std::string("source is not written");
      d.help = "set source = \"upstream\", or remove 'upstream'";
    }
    auto enabled = sync.boolean("enable_synchronization");
    if (enabled == true && !sync.find("schedule")) {
      report(Severity::kError, "sync-schedule", "enable_synchronization = true needs a schedule", sync, "enable_synchronization")
          .help = "add schedule = \"daily 02:00\" (or another schedule)";
    }
    if (enabled == false && sync.find("schedule")) {
      report(Severity::kError, "sync-schedule", "a schedule with enable_synchronization = false would never run", sync, "schedule")
          .help = "remove the schedule, or set enable_synchronization = true";
    }
    for (auto [flag, months] : {std::pair<std::string_view, std::string_view>{"immediately_expire_supersedence", "wait_month"},
                                {"immediately_expire_supersedence_for_feature", "wait_month_for_feature"}}) {
      if (sync.boolean(flag) == true && sync.find(months)) {
        report(Severity::kError, "supersedence", fmt::format("'{}' has no effect when {} = true", months, flag), sync, months)
            .help = fmt::format("remove '{}', or set {} = false", months, flag);
      }
    }
    auto third_party = sync.boolean("enable_third_party_updates");
    if (sync.boolean("enable_manual_cert_management") == true && third_party == false) {
      report(Severity::kError, "third-party-updates", "enable_manual_cert_management needs enable_third_party_updates = true", sync,
             "enable_manual_cert_management");
    }
    if (third_party == true) {
      for (const Resource* sup : sups_of(sync.name())) {
        if (!sup->find("connection_account")) continue;
        auto& d = report(Severity::kWarning, "third-party-updates",
                         "third-party updates are not supported when a WSUS Server Connection Account is configured", sync,
                         "enable_third_party_updates");
        d.notes.push_back(diag::Note{fmt::format("'{}' uses a connection account", sup->name()), sup->range_of("connection_account")});
        break;
      }
    }
    if (is_2007()) {
      for (std::string_view attribute : {"content_file_option", "enable_third_party_updates", "enable_manual_cert_management",
                                         "feature_update_max_runtime_mins", "non_feature_update_max_runtime_mins",
                                         "immediately_expire_supersedence_for_feature", "wait_month_for_feature"}) {
        if (sync.find(attribute)) {
          report(Severity::kError, "not-in-mode", fmt::format("'{}' does not exist in ConfigMgr 2007", attribute), sync, attribute)
              .help = "remove it, or set configmgr = \"current-branch\" in [hierarchy]";
        }
      }
    }
    for (std::string_view attribute : {"languages", "update_file_languages"}) {
      const model::Attribute* a = sync.find(attribute);
      if (a && a->value.is_array() && a->value.as_array().empty()) {
        report(Severity::kError, "empty-languages", fmt::format("'{}' removes every language", attribute), sync, attribute)
            .help = "list at least one language, such as [\"en\"]";
      }
    }
  }

  void check_site_systems() {
    for (const Resource& system : m_.of_kind("site_system")) {
      if (system.find("installation_account") && system.boolean("use_site_server_account") == true) {
        auto& d = report(Severity::kError, "installation-account-conflict",
                         "an installation account and the site server's computer account exclude each other", system, "use_site_server_account");
        d.help = "remove use_site_server_account, or remove installation_account";
      }
    }
  }

  void check_wsus() {
    // A WSUS server under a SUP: ConfigMgr rewrites these settings every hour, so nobody else may own them.
    static constexpr std::string_view kOwned[] = {"classifications", "languages", "products", "proxy",
                                                  "synchronizations_per_day", "synchronize_automatically",
                                                  "synchronize_automatically_time_of_day", "upstream_server_name",
                                                  "upstream_server_port", "upstream_server_replica", "upstream_server_ssl"};
    std::map<std::string, std::set<std::string>> versions_by_site;
    for (const Resource& wsus : m_.of_kind("wsus_server")) {
      const Resource* sup = m_.find("software_update_point", wsus.name());
      if (sup) {
        for (std::string_view attribute : kOwned) {
          if (!wsus.find(attribute)) continue;
          auto& d = report(Severity::kError, "wsus-owned-by-configmgr",
                           fmt::format("'{}' is set by ConfigMgr on a WSUS server that hosts a software update point", attribute), wsus, attribute);
          d.detail = "ConfigMgr's WSUS Configuration Manager rewrites it every hour; two owners would fight";
          d.help = "remove it here and declare the setting on the SUP, its site system or the site's [sync] table";
          d.notes.push_back(diag::Note{"the software update point on this server", sup->range});
        }
      }
      auto version = wsus.string("version");
      if (!version) continue;
      auto supported = is_2007() ? common::wsus_versions_2007() : common::wsus_versions_current_branch();
      if (std::find(supported.begin(), supported.end(), *version) == supported.end()) {
        auto& d = report(Severity::kError, "wsus-version",
                         fmt::format("WSUS '{}' is not supported by {}", *version, mode_name()), wsus, "version");
        d.detail = fmt::format("expected one of: {}", fmt::join(supported, ", "));
      }
      if (sup) {
        if (auto site_code = sup->string("site")) versions_by_site[std::string(*site_code)].insert(std::string(*version));
      }
    }
    for (const auto& [code, versions] : versions_by_site) {
      if (versions.size() < 2) continue;
      for (const Resource* sup : sups_of(code)) {
        const Resource* wsus = m_.find("wsus_server", sup->name());
        if (!wsus || !wsus->string("version") || *wsus->string("version") == *versions.begin()) continue;
        auto& d = report(Severity::kError, "wsus-version",
                         fmt::format("the SUPs of site '{}' run different WSUS versions: {}", code, fmt::join(versions, ", ")), *wsus, "version");
        d.help = "every software update point of a site runs the same WSUS version";
      }
    }
  }

  const Manifest& m_;
  Diagnostics& out_;
  Mode mode_ = Mode::kCurrentBranch;
  std::map<std::string, const Resource*> sites_;
  std::map<std::string, std::vector<const Resource*>> sups_by_site_;
};

}  // namespace

std::span<const diag::RuleInfo> rules() { return kRules; }

void check_rules(const Manifest& manifest, Diagnostics& out) { Checker(manifest, out).run(); }

}  // namespace supctl::plugins::configmgr
