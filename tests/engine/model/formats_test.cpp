// Every string format has two written forms: the engine's check and the JSON Schema keywords
// that editors use. This test holds them to the same verdict on a corpus of good and bad strings.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "manifest/validate.h"
#include "model/formats.h"
#include "plugins/plugins.h"

namespace supctl::model {
namespace {

using nlohmann::json;

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The subset of JSON Schema that the formats use: type, pattern, enum, anyOf, min/maxLength.
bool schema_accepts(const json& schema, const std::string& text) {
  if (schema.contains("minLength") && code_points(text) < schema["minLength"].get<std::size_t>()) return false;
  if (schema.contains("maxLength") && code_points(text) > schema["maxLength"].get<std::size_t>()) return false;
  if (schema.contains("pattern") && !std::regex_search(text, std::regex(schema["pattern"].get<std::string>(), std::regex::ECMAScript))) {
    return false;
  }
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& v : schema["enum"]) found |= v == text;
    if (!found) return false;
  }
  if (schema.contains("anyOf")) {
    bool any = false;
    for (const auto& option : schema["anyOf"]) any |= schema_accepts(option, text);
    if (!any) return false;
  }
  return true;
}

std::vector<const Format*> all_formats() {
  static const plugins::PluginSet plugins;
  std::set<const Format*> formats;
  std::function<void(const AttributeSchema&)> visit = [&](const AttributeSchema& a) {
    if (a.format) formats.insert(a.format);
    for (const auto& f : a.fields) visit(f);
  };
  const manifest::KindTable table = manifest::kind_table(plugins.all());
  for (const KindSchema* kind : table.all()) {
    if (kind->name_format) formats.insert(kind->name_format);
    for (const auto& a : kind->attributes) visit(a);
  }
  return {formats.begin(), formats.end()};
}

const std::vector<std::string> kCorpus{
    "", "a", "A", "_x", "-x", "x-", "x y", " x", "x ", "x\ny", "é", "9x",
    "pr1wsus.contoso.com", "PR1WSUS.CONTOSO.COM", "a.b.", ".a", "a..b", "-a.com", "a-.com", "a-b.com",
    std::string(63, 'a') + ".com", std::string(64, 'a') + ".com", std::string(250, 'a'), std::string(254, 'a'),
    "PR1", "pr1", "CAS", "SMS", "AUX", "P1", "PR12", "P_1",
    "https://wsus-dmz:8531", "http://x", "https://", "https://a:", "https://a:99999", "https://a:123456", "https://a:80x",
    "https://a/b c", "ftp://a", "https://a b",
    "02:00", "23:59", "24:00", "2:00", "02:60", "0200",
    "a@b.c", "a@.b", "@b.c", "a@b", "a@b.", "a b@c.d", "a@@b.c",
    "CONTOSO\\svc", "svc@contoso.com", "svc", "CONTOSO\\", "\\svc", "a\\b\\c", "a@b@c", "a b\\c",
    "D:\\WSUS", "d:\\", "\\\\srv\\share", "C:", "C:/WSUS", "\\\\\\x", "WSUS",
    "10.0.0.5", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "0.0.0.0", "1..2.3",
    "en", "EN", "pt-br", "pt-BR", "zh-cn", "nb", "no",
    "Security Updates", "security updates", "E6CF1350-C01B-414D-A61F-263D14D133B4", "e6cf1350-c01b-414d-a61f-263d14d133b4",
    "{E6CF1350-C01B-414D-A61F-263D14D133B4}", "E6CF1350C01B414DA61F263D14D133B4",
    "Windows Server 2022*", "Windows 11", "?",
    "wid", "WID", "SQL01\\WSUS", "SQL01", "SQL01\\", "sql.contoso.com\\MSSQL$X", "SQL 01",
    "HKLM\\SOFTWARE\\X", "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft", "HKLM", "HKLM\\", "HKLM\\a\\\\b", "HKXX\\a", "hklm\\a",
    "WsusService", "a/b", "MSSQL$MICROSOFT##WID", std::string(257, 's'),
    "CONTOSO_WSUS_CONNECT_PASSWORD", "1ABC", "A-B",
};

TEST_CASE("every format's JSON Schema keywords agree with its check") {
  auto formats = all_formats();
  REQUIRE(formats.size() >= 15);
  for (const Format* format : formats) {
    if (format->code != "invalid-value") continue;  // the schema leaves this format to the engine
    json schema = json::parse(format->json);
    for (const std::string& text : kCorpus) {
      bool engine = !format->check(text, nullptr).has_value();
      INFO("format '" << format->name << "', text '" << text << "'");
      CHECK(engine == schema_accepts(schema, text));
    }
  }
}

TEST_CASE("formats say what is wrong and where") {
  std::string normalized;
  auto error = formats::kFqdn.check("pr1 wsus.contoso.com", &normalized);
  REQUIRE(error);
  CHECK(error->offset == 3);
  CHECK(error->message == "' ' is not allowed here in a host name");
  error = formats::kSiteCode.check("pr1", nullptr);
  REQUIRE(error);
  CHECK(error->help == "did you mean 'PR1'?");
  error = formats::kSiteCode.check("SMS", nullptr);
  REQUIRE(error);
  CHECK(error->message == "'SMS' is reserved by Windows or ConfigMgr and cannot be a site code");
  CHECK(formats::kUrl.check("https://a:8x", nullptr)->offset == 10);
}

}  // namespace
}  // namespace supctl::model
