#include "plugins/common/products.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace supctl::plugins::common {
namespace {

constexpr std::string_view kWindowsFamily = "6964AAB4-C5B5-43BD-A17D-FFB4346A8E1D";
constexpr std::string_view kDeveloperToolsFamily = "48CE8C86-6850-4F68-8E9D-7DC8535CED60";

bool is_upper_guid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    bool hex = (text[i] >= '0' && text[i] <= '9') || (text[i] >= 'A' && text[i] <= 'F');
    if (dash ? text[i] != '-' : !hex) return false;
  }
  return true;
}

std::vector<std::string> titles(const std::vector<const Product*>& found) {
  std::vector<std::string> out;
  for (const Product* p : found) out.emplace_back(p->title);
  return out;
}

std::vector<std::string> guids(const std::vector<const Product*>& found) {
  std::vector<std::string> out;
  for (const Product* p : found) out.emplace_back(p->guid);
  return out;
}

TEST_CASE("the catalog holds at least 349 products and 24 families", "[products]") {
  std::size_t families = 0;
  for (const Product& p : products()) families += p.family ? 1 : 0;
  CHECK(products().size() - families >= 349);
  CHECK(families >= 24);
}

TEST_CASE("every GUID in the catalog is upper case and well formed and unique", "[products]") {
  std::set<std::string_view> seen;
  for (const Product& p : products()) {
    INFO(p.title);
    CHECK(is_upper_guid(p.guid));
    CHECK(seen.insert(p.guid).second);
    CHECK_FALSE(p.title.empty());
    CHECK(p.title.front() != ' ');
    CHECK(p.title.back() != ' ');
  }
}

TEST_CASE("the catalog is sorted by title then GUID", "[products]") {
  auto all = products();
  for (std::size_t i = 1; i < all.size(); ++i) {
    INFO(all[i - 1].title << " / " << all[i].title);
    bool ordered =
        all[i - 1].title < all[i].title || (all[i - 1].title == all[i].title && all[i - 1].guid < all[i].guid);
    CHECK(ordered);
  }
}

TEST_CASE("every parent GUID names a family in the catalog", "[products]") {
  std::size_t with_parent = 0;
  for (const Product& p : products()) {
    INFO(p.title);
    if (p.family) {
      CHECK(p.parent_guid.empty());
      CHECK(family_of(p) == nullptr);
      continue;
    }
    if (p.parent_guid.empty()) continue;
    ++with_parent;
    const Product* family = family_of(p);
    REQUIRE(family != nullptr);
    CHECK(family->family);
    CHECK(family->guid == p.parent_guid);
  }
  CHECK(with_parent >= 150);
}

TEST_CASE("GUIDs cross-checked in two sources have their real values", "[products]") {
  struct Expected {
    std::string_view guid, title;
    bool family;
    std::string_view parent;
  };
  // Each pair appears in at least two of the sources named in products_data.inc.
  const Expected expected[] = {
      {"F702A48C-919B-45D6-9AEF-CA4248D50397", "Windows Server 2019", false, kWindowsFamily},
      {"569E8E8F-C6CD-42C8-92A3-EFBB20A0F6F5", "Windows Server 2016", false, kWindowsFamily},
      {"72E7624A-5B00-45D2-B92F-E561C0A6A160", "Windows 11", false, kWindowsFamily},
      {"8C3FCC84-7410-4A95-8B89-A166A0190486", "Microsoft Defender Antivirus", false, kWindowsFamily},
      {"B3C75DC1-155F-4BE4-B015-3F1A91758E52", "Windows 10, version 1903 and later", false, kWindowsFamily},
      {"477B856E-65C4-4473-B621-A8B230BB70D9", "Office", true, ""},
      {"48CE8C86-6850-4F68-8E9D-7DC8535CED60", "Developer Tools, Runtimes, and Redistributables", true, ""},
  };
  for (const Expected& e : expected) {
    INFO(e.title);
    const Product* p = product_by_guid(e.guid);
    REQUIRE(p != nullptr);
    CHECK(p->title == e.title);
    CHECK(p->family == e.family);
    CHECK(p->parent_guid == e.parent);
  }
}

TEST_CASE("a GUID is found in any case and with braces", "[products]") {
  const Product* upper = product_by_guid("F702A48C-919B-45D6-9AEF-CA4248D50397");
  REQUIRE(upper != nullptr);
  CHECK(upper->title == "Windows Server 2019");
  CHECK(product_by_guid("f702a48c-919b-45d6-9aef-ca4248d50397") == upper);
  CHECK(product_by_guid("{f702a48c-919B-45d6-9AEF-ca4248d50397}") == upper);
  CHECK(product_by_guid("F702A48C-919B-45D6-9AEF-CA4248D5039") == nullptr);
  CHECK(product_by_guid("{F702A48C-919B-45D6-9AEF-CA4248D50397") == nullptr);
  CHECK(product_by_guid("00000000-0000-0000-0000-000000000000") == nullptr);
  CHECK(product_by_guid("Windows Server 2019") == nullptr);

  CHECK(guids(match_products("{f702a48c-919b-45d6-9aef-ca4248d50397}")) ==
        std::vector<std::string>{"F702A48C-919B-45D6-9AEF-CA4248D50397"});
  // A family's GUID selects the family itself.
  CHECK(guids(match_products("6964aab4-c5b5-43bd-a17d-ffb4346a8e1d")) ==
        std::vector<std::string>{std::string(kWindowsFamily)});
  CHECK(match_products("00000000-0000-0000-0000-000000000000").empty());
}

TEST_CASE("an exact title matches case-insensitively", "[products]") {
  CHECK(guids(match_products("windows 11")) == std::vector<std::string>{"72E7624A-5B00-45D2-B92F-E561C0A6A160"});
  CHECK(guids(match_products("MICROSOFT DEFENDER ANTIVIRUS")) ==
        std::vector<std::string>{"8C3FCC84-7410-4A95-8B89-A166A0190486"});
  // An exact family title selects the family.
  CHECK(guids(match_products("windows")) == std::vector<std::string>{std::string(kWindowsFamily)});
  CHECK(guids(match_products("Developer Tools, Runtimes, and Redistributables")) ==
        std::vector<std::string>{std::string(kDeveloperToolsFamily)});
}

TEST_CASE("a star glob selects products and never families", "[products]") {
  auto found = match_products("Windows Server*");
  REQUIRE_FALSE(found.empty());
  for (const Product* p : found) {
    INFO(p->title);
    CHECK_FALSE(p->family);
    std::string prefix(p->title.substr(0, 14));
    std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    CHECK(prefix == "windows server");
  }
  std::vector<std::string> ids = guids(found);
  for (std::string_view id : {"569E8E8F-C6CD-42C8-92A3-EFBB20A0F6F5", "E26D4A30-ABA6-4616-A890-011970D93636",  // 2016
                              "F702A48C-919B-45D6-9AEF-CA4248D50397", "6E56E6DA-F22F-47C9-97B4-510153A06740",  // 2019
                              "D31BD4C3-D872-41C9-A2E7-231F372588CB"}) {  // 2012 R2
    INFO(id);
    CHECK(std::find(ids.begin(), ids.end(), id) != ids.end());
  }

  // "Windows*" reaches neither the Windows family nor the other families whose titles start so.
  for (const Product* p : match_products("windows*")) {
    INFO(p->title);
    CHECK_FALSE(p->family);
  }
  CHECK(match_products("windows*").size() > 100);

  // WSUS has no "Windows Server 2022" title: the LTSC releases are listed by servicing name.
  CHECK(titles(match_products("*server operating system-2?H2")) ==
        std::vector<std::string>{"Microsoft Server Operating System-22H2", "Microsoft Server Operating System-23H2",
                                 "Microsoft Server Operating System-24H2", "Microsoft Server operating system-21H2"});
}

TEST_CASE("a question mark matches exactly one character", "[products]") {
  CHECK(titles(match_products("Windows 1?")) == std::vector<std::string>{"Windows 10", "Windows 11"});
  CHECK(titles(match_products("office 20??")) ==
        std::vector<std::string>{"Office 2003", "Office 2007", "Office 2010", "Office 2013", "Office 2016"});
  CHECK(match_products("Windows 1").empty());
  // '?' consumes a whole character, so it matches the en dash WSUS puts in this title.
  CHECK(titles(match_products("Windows Server Manager ? Windows Server Update Services (WSUS) Dynamic Installer"))
            .size() == 1);
}

TEST_CASE("a title shared by several entries returns all of them", "[products]") {
  auto admin_center = match_products("Windows Admin Center");
  REQUIRE(admin_center.size() == 2);
  CHECK(admin_center[0]->family != admin_center[1]->family);

  auto virtual_server = match_products("virtual server");
  REQUIRE(virtual_server.size() == 2);
  CHECK(virtual_server[0]->family != virtual_server[1]->family);

  // Two products: one under Windows, one under Developer Tools.
  auto server_2019 = match_products("Windows Server 2019");
  REQUIRE(server_2019.size() == 2);
  std::set<std::string_view> parents{server_2019[0]->parent_guid, server_2019[1]->parent_guid};
  CHECK(parents == std::set<std::string_view>{kWindowsFamily, kDeveloperToolsFamily});
}

TEST_CASE("a pattern that matches nothing is empty and gets a suggestion", "[products]") {
  CHECK(match_products("Windows Sever 2022").empty());
  CHECK(suggest_product("Windows Sever 2022") ==
        "did you mean 'Microsoft Server operating system-21H2', the WSUS title for 'Windows Server 2022'?");
  CHECK(match_products("Windows Server 2022").empty());
  CHECK(suggest_product("Windows Server 2022") ==
        "did you mean 'Microsoft Server operating system-21H2', the WSUS title for 'Windows Server 2022'?");
  CHECK(suggest_product("Office 365 Client") ==
        "did you mean 'Microsoft 365 Apps/Office 2019/Office LTSC', the WSUS title for 'Office 365 Client'?");

  CHECK(match_products("Windows Sever 2019").empty());
  CHECK(suggest_product("Windows Sever 2019") == "did you mean 'Windows Server 2019'?");
  CHECK(suggest_product("Ofice") == "did you mean 'Office'?");

  CHECK(match_products("Windows Sever*").empty());
  CHECK(suggest_product("Windows Sever*") == "did you mean 'Windows Server*'?");
  CHECK_FALSE(match_products("Windows Server*").empty());

  CHECK(suggest_product("Quantum Toaster Pro").empty());
  CHECK(suggest_product("*Sever*").empty());
  CHECK(suggest_product("").empty());
}

}  // namespace
}  // namespace supctl::plugins::common
