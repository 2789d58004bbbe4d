#include <catch2/catch.hpp>

#include "support.h"

namespace supctl::manifest {
namespace {

using test::validate;

const model::Attribute& attribute(const test::Validated& v, std::string_view kind, std::string_view name, std::string_view attr) {
  const model::Resource* r = v.result.manifest.find(kind, name);
  REQUIRE(r);
  const model::Attribute* a = r->find(attr);
  REQUIRE(a);
  return *a;
}

TEST_CASE("classifications are accepted by title or GUID and kept as GUIDs") {
  auto v = validate(test::kPrimary + R"(
[sync.PR1]
classifications = ["Security Updates", "e6cf1350-c01b-414d-a61f-263d14d133b4"]
)");
  CHECK(v->text() == "");
  const auto& items = attribute(*v, "sync", "PR1", "classifications").value.as_array();
  CHECK(items[0].as_string() == "0FA1201D-4330-4FA8-8AE9-B877473B6441");
  CHECK(items[1].as_string() == "E6CF1350-C01B-414D-A61F-263D14D133B4");
}

TEST_CASE("lists take include and exclude") {
  auto v = validate(test::kPrimary + R"(
[sync.PR1]
products = { include = ["Windows Server 2022*"], exclude = ["Windows Server 2022 Hotpatch"] }
classifications = { exclude = ["Drivers"] }
)");
  CHECK(v->text() == "");
  CHECK(attribute(*v, "sync", "PR1", "classifications").value.field("exclude")->value.as_array()[0].as_string() ==
        "EBFC1FC5-71A4-4F7B-9ACA-3B9A503104A0");
}

TEST_CASE("an item both included and excluded is an error; a repeated one a warning") {
  auto v = validate(test::kPrimary + R"(
[sync.PR1]
languages = { include = ["en", "de", "en"], exclude = ["de"] }
)");
  CHECK(v->codes() == std::vector<std::string>{"duplicate-item", "set-conflict"});
  CHECK(v->result.diagnostics.error_count() == 1);
}

TEST_CASE("secrets come from the environment or a file - never the manifest") {
  auto good = validate(test::kPrimary + R"(
[account.a]
user = 'CONTOSO\a'
password = { env = "A_PASSWORD" }
[account.b]
user = "b@contoso.com"
password = { file = "/run/secrets/b" }
)");
  CHECK(good->text() == "");
  auto bad = validate(test::kPrimary + R"(
[account.a]
user = 'CONTOSO\a'
password = { env = "A", file = "/x" }
[account.b]
user = 'CONTOSO\b'
password = "Sup3rS3cret!"
)");
  CHECK(bad->codes() == std::vector<std::string>{"invalid-value", "plaintext-secret"});
  CHECK(bad->text().find("Sup3rS3cret") == std::string::npos);
  auto json = diag::render_json(bad->result.diagnostics, bad->sources);
  CHECK(json.find("Sup3rS3cret") == std::string::npos);
}

TEST_CASE("an attribute that is not written is not managed: no defaults appear") {
  auto v = validate(test::kPrimary);
  const model::Resource* sup = v->result.manifest.find("software_update_point", "pr1site.contoso.com");
  REQUIRE(sup);
  CHECK(sup->attributes.size() == 1);  // site, and nothing invented
}

TEST_CASE("registry data must fit its type - for all six types") {
  auto v = validate(test::kPrimary + R"(
[registry_value.s]
host = "pr1site.contoso.com"
key = 'HKEY_LOCAL_MACHINE\SOFTWARE\A'
name = "s"
type = "expand_string"
data = '%SystemDrive%\WSUS'
[registry_value.m]
host = "pr1site.contoso.com"
key = 'HKLM\SOFTWARE\A'
name = "m"
type = "multi_string"
data = ["a", "b"]
[registry_value.d]
host = "pr1site.contoso.com"
key = 'HKLM\SOFTWARE\A'
name = "d"
type = "dword"
data = 4294967295
[registry_value.q]
host = "pr1site.contoso.com"
key = 'HKLM\SOFTWARE\A'
name = "q"
type = "qword"
data = 9223372036854775807
[registry_value.b]
host = "pr1site.contoso.com"
key = 'HKLM\SOFTWARE\A'
name = "b"
type = "binary"
data = "01 0a FF"
[registry_value.b2]
host = "pr1site.contoso.com"
key = 'HKLM\SOFTWARE\A'
name = "b2"
type = "binary"
data = [1, 10, 255]
[registry_value.default]
host = "pr1site.contoso.com"
key = 'HKLM\SOFTWARE\A'
name = ""
type = "string"
data = "x"
)");
  CHECK(v->text() == "");
  CHECK(attribute(*v, "registry_value", "s", "key").value.as_string() == "HKLM\\SOFTWARE\\A");  // long hive name shortened

  auto bad = validate(test::kPrimary + R"(
[registry_value.d]
host = "pr1site.contoso.com"
key = 'HKLM\SOFTWARE\A'
name = "d"
type = "dword"
data = 4294967296
[registry_value.m]
host = "pr1site.contoso.com"
key = 'HKLM\SOFTWARE\A'
name = "m"
type = "multi_string"
data = "one"
[registry_value.b]
host = "pr1site.contoso.com"
key = 'HKLM\SOFTWARE\A'
name = "b"
type = "binary"
data = "0g"
[registry_value.gone]
host = "pr1site.contoso.com"
key = 'HKLM\SOFTWARE\A'
name = "gone"
ensure = "absent"
data = 1
)");
  CHECK(bad->codes() == std::vector<std::string>{"registry-data", "registry-data", "registry-data", "registry-data"});
  CHECK(bad->text().find("dword data 4294967296 is out of range") != std::string::npos);
  CHECK(bad->text().find("'data' does not fit type 'multi_string'") != std::string::npos);
}

}  // namespace
}  // namespace supctl::manifest
