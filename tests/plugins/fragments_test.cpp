// Each ConfigMgr and WSUS setting that travels to a server by its manifest name is read back and
// written by the PowerShell fragments of its kind: adding an attribute to a kind without teaching
// the live path fails here, not on a customer's server.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "plugins/configmgr/kinds.h"
#include "plugins/configmgr/operations.h"
#include "plugins/wsus/operations.h"
#include "plugins/wsus/plugin.h"

namespace {

using namespace supctl;

std::string_view fragment(std::span<const plugin::ScriptFragment> fragments, std::string_view operation) {
  for (const plugin::ScriptFragment& f : fragments) {
    if (f.operation == operation) return f.script;
  }
  return {};
}

/// Whether `name` is in `script` as a whole identifier ($p.name, 'name', $result.name = ...).
bool mentions(std::string_view script, std::string_view name) {
  const std::regex word(fmt::format("(^|[^A-Za-z0-9_]){}([^A-Za-z0-9_]|$)", name));
  return std::regex_search(script.begin(), script.end(), word);
}

/// The attributes of each ConfigMgr kind that never travel by their own name, and why.
const std::map<std::string_view, std::set<std::string_view>> kNotSent{
    // supctl's own: the order of changes, consent to delete.
    {"*", {"depends_on", "allow_destroy"}},
    // Where the site lives and its 2007 mode are the manifest's to say; get_site reads the rest.
    {"site", {"mode", "provider", "site_name"}},
    // The password is written only (set_account), never read; the memberships are set on the SUP's server.
    {"account", {"password", "manage_group_membership"}},
    {"site_system", {"site"}},
    {"software_update_point", {"site"}},
};

bool not_sent(std::string_view kind, std::string_view attribute) {
  for (std::string_view key : {std::string_view("*"), kind}) {
    auto it = kNotSent.find(key);
    if (it != kNotSent.end() && it->second.count(attribute)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("every ConfigMgr attribute that reaches a server is read and written by its kind's fragments") {
  namespace configmgr = plugins::configmgr;
  const auto fragments = configmgr::powershell_fragments();
  for (const auto& handler : configmgr::handlers().all()) {
    const model::KindSchema& schema = handler->schema();
    const configmgr::Kind* kind = configmgr::kind_of(schema.kind);
    REQUIRE(kind != nullptr);
    const std::vector<std::string_view> settings = kind->settings();
    const std::vector<std::string_view> operations = kind->operations();
    INFO("kind " << schema.kind);
    if (operations.empty()) {
      CHECK(settings.empty());  // lives in the manifests only (the hierarchy, a proxy)
      continue;
    }
    // Every attribute is a setting, or listed above with its reason.
    for (const model::AttributeSchema& a : schema.attributes) {
      INFO("attribute " << a.name);
      bool setting = std::find(settings.begin(), settings.end(), a.name) != settings.end();
      CHECK((setting || not_sent(schema.kind, a.name)));
    }
    for (std::string_view operation : operations) {
      std::string_view script = fragment(fragments, operation);
      INFO("operation " << operation);
      REQUIRE(!script.empty());
      for (std::string_view setting : settings) {
        if (schema.kind == "software_update_point" && configmgr::configmgr_2007_only(setting)) continue;
        INFO("setting " << setting);
        CHECK(mentions(script, setting));
      }
    }
  }
}

TEST_CASE("every configured wsus_server attribute is read by wsus.get and set by wsus.configure") {
  const auto fragments = plugins::wsus::powershell_fragments();
  const std::vector<std::string_view> settings = plugins::wsus::configured_settings();
  REQUIRE(settings.size() > 30);
  for (std::string_view operation : {"wsus.get", "wsus.configure"}) {
    std::string_view script = fragment(fragments, operation);
    REQUIRE(!script.empty());
    for (std::string_view setting : settings) {
      INFO(operation << " " << setting);
      CHECK(mentions(script, setting));
    }
  }
}

TEST_CASE("the fragment check finds a setting by its whole name only") {
  CHECK(mentions("if ($names -contains 'wsus_ssl') {", "wsus_ssl"));
  CHECK(mentions("$result.wsus_ssl = $true", "wsus_ssl"));
  CHECK_FALSE(mentions("$result.wsus_ssl_port = 1", "wsus_ssl"));
  CHECK_FALSE(mentions("$result.my_wsus_ssl = 1", "wsus_ssl"));
}
