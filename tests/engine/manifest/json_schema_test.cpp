#include "manifest/json_schema.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support.h"

namespace supctl::manifest {
namespace {

TEST_CASE("schemas/manifest.schema.json is what the engine generates") {
  auto result = test::run_cli({"schema"});
  REQUIRE(result.code == 0);
  INFO("regenerate it with: build/engine/cli/supctl schema > schemas/manifest.schema.json");
  CHECK(result.out == test::read_file(test::source_dir() / "schemas/manifest.schema.json"));
}

TEST_CASE("the schema describes every kind with its attributes") {
  auto schema = nlohmann::json::parse(test::run_cli({"schema"}).out);
  CHECK(schema["$schema"] == "http://json-schema.org/draft-07/schema#");
  CHECK(schema["additionalProperties"] == false);
  for (const char* kind : {"hierarchy", "site", "site_system", "account", "proxy", "wsus_server", "software_update_point",
                           "sync", "registry_key", "registry_value", "service", "host"}) {
    INFO(kind);
    CHECK(schema["properties"].contains(kind));
    CHECK(schema["definitions"][kind]["additionalProperties"] == false);
  }
  const auto& sup = schema["definitions"]["software_update_point"];
  CHECK(sup["required"] == nlohmann::json::array({"site"}));
  CHECK(sup["properties"]["wsus_iis_port"]["maximum"] == 65535);
  CHECK(schema["properties"]["site"]["propertyNames"]["pattern"] == "^(?!(AUX|CON|NUL|PRN|SMS)$)[A-Z0-9]{3}$");
  CHECK(schema["definitions"]["account"]["properties"]["password"]["allOf"][0]["$ref"] == "#/definitions/secret");
}

}  // namespace
}  // namespace supctl::manifest
