#include "plugins/common/catalog.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "diag/suggest.h"
#include "model/text.h"

namespace supctl::plugins::common {
namespace {

constexpr std::array<Classification, 16> kClassifications{{
    {"Applications", "5C9376AB-8CE6-464A-B136-22113DD69801"},
    {"Connectors", "434DE588-ED14-48F5-8EED-A15E09A991F6"},
    {"Critical Updates", "E6CF1350-C01B-414D-A61F-263D14D133B4"},
    {"Definition Updates", "E0789628-CE08-4437-BE74-2495B842F43B"},
    {"Developer Kits", "E140075D-8433-45C3-AD87-E72345B36078"},
    {"Driver Sets", "77835C8D-62A7-41F5-82AD-F28D1AF1E3B1"},
    {"Drivers", "EBFC1FC5-71A4-4F7B-9ACA-3B9A503104A0"},
    {"Feature Packs", "B54E7D24-7ADD-428F-8B75-90A396FA584F"},
    {"Guidance", "9511D615-35B2-47BB-927F-F73D8E9260BB"},
    {"Hotfix", "5EAEF3E6-ABB0-4192-9B26-0FD955381FA9"},
    {"Security Updates", "0FA1201D-4330-4FA8-8AE9-B877473B6441"},
    {"Service Packs", "68C5B0A3-D1A6-4553-AE49-01D3A7827828"},
    {"Tools", "B4832BD8-E735-4761-8DAF-37F882276DAB"},
    {"Update Rollups", "28BC880E-0592-4CBF-8F95-C79B17911D5F"},
    {"Updates", "CD5FFD1E-E932-4E3A-BF74-18BF0B1BBD83"},
    {"Upgrades", "3689BDC8-B205-4AF4-8D4A-A63924C5E9D5"},
}};

constexpr std::array<std::string_view, 37> kLanguages{
    "ar", "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "he", "hi",
    "hr", "hu", "it", "ja", "ko", "lt", "lv", "nl", "no", "pl", "pt", "pt-br", "ro",
    "ru", "sk", "sl", "sr", "sv", "th", "tr", "uk", "zh-cn", "zh-hk", "zh-tw"};

constexpr std::array<std::string_view, 2> kVersions2007{"3.0-sp1", "3.0-sp2"};
constexpr std::array<std::string_view, 5> kVersionsCurrentBranch{"6.2", "6.3", "10.0.14393", "10.0.17763", "10.0.20348"};

bool is_guid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

std::optional<model::FormatError> check_classification(std::string_view text, std::string* normalized) {
  for (const Classification& c : kClassifications) {
    if (c.title == text) {
      if (normalized) *normalized = std::string(c.guid);
      return std::nullopt;
    }
  }
  if (is_guid(text)) {
    if (normalized) *normalized = model::upper(text);
    return std::nullopt;
  }
  std::vector<std::string_view> titles;
  for (const Classification& c : kClassifications) titles.push_back(c.title);
  return model::FormatError{"not a classification title or GUID", 0, diag::did_you_mean(text, titles)};
}

std::optional<model::FormatError> check_language(std::string_view text, std::string*) {
  if (std::find(kLanguages.begin(), kLanguages.end(), text) != kLanguages.end()) return std::nullopt;
  std::string lower = model::lower(text);
  if (lower == "nb" || lower == "nn") lower = "no";
  if (lower == "sr-latn" || lower == "sr-latn-cs" || lower == "sr-latn-rs") lower = "sr";
  std::string help;
  if (std::find(kLanguages.begin(), kLanguages.end(), lower) != kLanguages.end()) {
    help = "did you mean '" + lower + "'?";
  } else {
    help = diag::did_you_mean(text, kLanguages);
  }
  return model::FormatError{"not a language code that ConfigMgr accepts", 0, help};
}

std::optional<model::FormatError> check_product(std::string_view text, std::string*) {
  if (text.empty()) return model::FormatError{"a product name cannot be empty", 0, {}};
  if (text.front() == ' ' || text.back() == ' ') {
    return model::FormatError{"a product name does not start or end with a space", 0, {}};
  }
  return std::nullopt;
}

}  // namespace

std::span<const Classification> classifications() { return kClassifications; }

const Classification* classification_by_guid(std::string_view guid) {
  for (const Classification& c : kClassifications) {
    if (c.guid == guid) return &c;
  }
  return nullptr;
}

std::span<const std::string_view> language_codes() { return kLanguages; }
std::span<const std::string_view> wsus_versions_2007() { return kVersions2007; }
std::span<const std::string_view> wsus_versions_current_branch() { return kVersionsCurrentBranch; }

const model::Format kClassificationFormat{
    "classification", "an update classification title such as 'Security Updates', or its GUID",
    R"json({"type":"string","anyOf":[{"enum":["Applications","Connectors","Critical Updates","Definition Updates","Developer Kits","Driver Sets","Drivers","Feature Packs","Guidance","Hotfix","Security Updates","Service Packs","Tools","Update Rollups","Updates","Upgrades"]},{"pattern":"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"}]})json",
    check_classification};
const model::Format kLanguageFormat{
    "language code", "a lower-case culture code such as 'en' or 'pt-br'",
    R"json({"type":"string","enum":["ar","bg","cs","da","de","el","en","es","et","fi","fr","he","hi","hr","hu","it","ja","ko","lt","lv","nl","no","pl","pt","pt-br","ro","ru","sk","sl","sr","sv","th","tr","uk","zh-cn","zh-hk","zh-tw"]})json",
    check_language};
const model::Format kProductFormat{"product", "a product title such as 'Windows Server 2022', or a glob such as 'Windows Server*'",
                                   R"json({"type":"string","pattern":"^[^ ]([\\s\\S]*[^ ])?$"})json", check_product};

}  // namespace supctl::plugins::common
