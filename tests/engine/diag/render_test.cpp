#include "diag/render.h"

#include "diag/redact.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace supctl::diag {
namespace {

struct Fixture {
  SourceSet sources;
  Diagnostics diagnostics;
  FileId file;

  Fixture() {
    file = sources.add("dir/sup.toml", "[software_update_point.\"x\"]\n\tport = \"é8530\"\r\n");
    const SourceFile& f = *sources.file(file);
    Diagnostic& d = diagnostics.error("wrong-type", "'port' must be an integer");
    d.range = SourceRange{file, f.position(2, 9), f.position(2, 16)};
    d.key_path = "software_update_point.x.port";
    d.address = "software_update_point.x";
    d.detail = "expected: an integer\nfound: string \"é8530\"";
    d.help = "write the number without quotes";
    d.notes.push_back(Note{"declared here", SourceRange{file, f.position(1, 1), f.position(1, 28)}});
    diagnostics.warning("duplicate-item", "no location here");
  }
};

TEST_CASE("text rendering shows location - source line - caret - key path - detail - help and notes") {
  Fixture fx;
  CHECK(render_text(fx.diagnostics, fx.sources, {}) ==
        "error[wrong-type]: 'port' must be an integer\n"
        "  --> dir/sup.toml:2:9\n"
        "   |\n"
        " 2 | \tport = \"é8530\"\n"
        "   | \t       ^^^^^^^\n"
        "   = at: software_update_point.x.port\n"
        "   = expected: an integer\n"
        "   = found: string \"é8530\"\n"
        "   = help: write the number without quotes\n"
        "note: declared here\n"
        "  --> dir/sup.toml:1:1\n"
        "   |\n"
        " 1 | [software_update_point.\"x\"]\n"
        "   | ^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "\n"
        "warning[duplicate-item]: no location here\n"
        "\n");
}

TEST_CASE("text rendering uses colour only when asked") {
  Fixture fx;
  CHECK(render_text(fx.diagnostics, fx.sources, {.color = false}).find('\x1b') == std::string::npos);
  CHECK(render_text(fx.diagnostics, fx.sources, {.color = true}).find("\x1b[1;31merror[wrong-type]") != std::string::npos);
}

TEST_CASE("positions count code points for columns and bytes for offsets") {
  Fixture fx;
  const SourceFile& f = *fx.sources.file(fx.file);
  SourcePos pos = f.position(2, 10);  // the 'é' after the opening quote
  CHECK(pos.byte == 37);
  CHECK(f.position_of_byte(39) == SourcePos{2, 11, 39});  // after the two-byte 'é'
  CHECK(f.line(2) == "\tport = \"é8530\"");               // CR stripped
}

TEST_CASE("JSON rendering has the documented fields") {
  Fixture fx;
  auto doc = nlohmann::json::parse(render_json(fx.diagnostics, fx.sources));
  CHECK(doc["format_version"] == "1.0");
  CHECK(doc["valid"] == false);
  CHECK(doc["error_count"] == 1);
  CHECK(doc["warning_count"] == 1);
  const auto& d = doc["diagnostics"][0];
  CHECK(d["severity"] == "error");
  CHECK(d["code"] == "wrong-type");
  CHECK(d["summary"] == "'port' must be an integer");
  CHECK(d["address"] == "software_update_point.x");
  CHECK(d["range"]["filename"] == "dir/sup.toml");
  CHECK(d["range"]["start"] == nlohmann::json{{"line", 2}, {"column", 9}, {"byte", 36}});
  CHECK(d["range"]["end"]["column"] == 16);
  CHECK(d["notes"][0]["message"] == "declared here");
  CHECK(doc["diagnostics"][1]["range"].is_null());
}

TEST_CASE("SARIF rendering is SARIF 2.1.0 with a rule per code") {
  Fixture fx;
  RuleInfo rules[] = {{"wrong-type", "An attribute has the wrong TOML type."}};
  auto doc = nlohmann::json::parse(render_sarif(fx.diagnostics, fx.sources, rules, "9.9.9", "dir"));
  CHECK(doc["version"] == "2.1.0");
  const auto& run = doc["runs"][0];
  CHECK(run["tool"]["driver"]["name"] == "supctl");
  CHECK(run["columnKind"] == "unicodeCodePoints");
  const auto& rule_list = run["tool"]["driver"]["rules"];
  REQUIRE(rule_list.size() == 2);  // the known rule and the one only seen in a result
  CHECK(rule_list[0]["id"] == "duplicate-item");
  CHECK(rule_list[1]["shortDescription"]["text"] == "An attribute has the wrong TOML type.");
  const auto& result = run["results"][0];
  CHECK(result["ruleId"] == "wrong-type");
  CHECK(result["ruleIndex"] == 1);
  CHECK(result["level"] == "error");
  CHECK(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dir/sup.toml");
  CHECK(result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2);
  CHECK(result["relatedLocations"][0]["message"]["text"] == "declared here");
  CHECK(run["results"][1]["level"] == "warning");
  CHECK(run["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dir");
}

TEST_CASE("diagnostics sort by file and position - whatever the order found") {
  SourceSet sources;
  FileId a = sources.add("a.toml", "x\ny\n");
  Diagnostics diagnostics;
  diagnostics.error("b", "second").range = SourceRange{a, {2, 1, 2}, {2, 2, 3}};
  diagnostics.error("a", "first").range = SourceRange{a, {1, 1, 0}, {1, 2, 1}};
  diagnostics.warning("c", "no place");
  diagnostics.sort();
  CHECK(diagnostics.all()[0].summary == "first");
  CHECK(diagnostics.all()[1].summary == "second");
  CHECK(diagnostics.all()[2].summary == "no place");
  CHECK(diagnostics.error_count() == 2);
  CHECK(diagnostics.warning_count() == 1);
}

}  // namespace
}  // namespace supctl::diag

namespace supctl::diag {
namespace {

TEST_CASE("secret-like values are masked in printed source lines") {
  CHECK(mask_secrets("password = \"hunter2\"").text == "password = (sensitive)");
  CHECK(mask_secrets("winrm = { user = \"a\", password = 'x y', port = 1 }").text ==
        "winrm = { user = \"a\", password = (sensitive), port = 1 }");
  CHECK(mask_secrets("api_token=12345 # note").text == "api_token=(sensitive) # note");
  CHECK(mask_secrets("password = { env = \"X\" }").text == "password = { env = \"X\" }");
  CHECK(mask_secrets("user = \"password\"").text == "user = \"password\"");
  MaskedLine m = mask_secrets("pw = 1, password = \"abc\", z = 2");
  CHECK(m.text == "pw = 1, password = (sensitive), z = 2");
  CHECK(m.map_column(0) == 0);
  CHECK(m.map_column(19) == 19);  // the opening quote becomes the mask's start
  CHECK(m.map_column(26) == 32);  // after the value: shifted by the length difference
  CHECK(looks_sensitive("ProxyPassword"));
  CHECK_FALSE(looks_sensitive("user"));
}

TEST_CASE("a caret under a masked value stays under the mask") {
  SourceSet sources;
  FileId file = sources.add("a.toml", "pasword = \"hunter2\"\n");
  Diagnostics diagnostics;
  auto& d = diagnostics.error("unknown-attribute", "unknown attribute 'pasword'");
  d.range = SourceRange{file, {1, 1, 0}, {1, 8, 7}};
  auto& e = diagnostics.error("plaintext-secret", "'pasword' must not be written in plain text");
  e.range = SourceRange{file, {1, 11, 10}, {1, 20, 19}};
  std::string text = render_text(diagnostics, sources, {});
  CHECK(text.find("hunter2") == std::string::npos);
  CHECK(text.find(" 1 | pasword = (sensitive)\n   | ^^^^^^^\n") != std::string::npos);
  CHECK(text.find(" 1 | pasword = (sensitive)\n   |           ^^^^^^^^^^^\n") != std::string::npos);
}

}  // namespace
}  // namespace supctl::diag

namespace supctl::diag {
namespace {

TEST_CASE("secret-like keys are recognised by their words") {
  for (const char* key : {"password", "ProxyPassword", "proxy_password", "pasword", "api_token", "client-secret", "credentials",
                          "smtp.pwd", "Passphrase"}) {
    INFO(key);
    CHECK(looks_sensitive(key));
  }
  for (const char* key : {"bypass", "bypass_list", "compass", "user", "site_name"}) {
    INFO(key);
    CHECK_FALSE(looks_sensitive(key));
  }
  CHECK(mask_secrets("bypass = [\"*.contoso.com\"]").text == "bypass = [\"*.contoso.com\"]");
}

}  // namespace
}  // namespace supctl::diag
