#include "model/address.h"

#include <catch2/catch.hpp>

namespace supctl::model {
namespace {

TEST_CASE("addresses print bare names plainly and others quoted") {
  CHECK(Address{"site", "PR1"}.str() == "site.PR1");
  CHECK(Address{"software_update_point", "pr1wsus.contoso.com"}.str() == "software_update_point[\"pr1wsus.contoso.com\"]");
  CHECK(Address{"hierarchy", ""}.str() == "hierarchy");
}

TEST_CASE("addresses parse back - and malformed ones are refused") {
  CHECK(parse_address("site.PR1") == Address{"site", "PR1"});
  CHECK(parse_address("wsus_server[\"a.b\"]") == Address{"wsus_server", "a.b"});
  CHECK(parse_address("hierarchy") == Address{"hierarchy", ""});
  CHECK_FALSE(parse_address("site.a.b"));
  CHECK_FALSE(parse_address("Site.PR1"));
  CHECK_FALSE(parse_address("site[\"\"]"));
  CHECK_FALSE(parse_address("site[a]"));
  CHECK_FALSE(parse_address(""));
  for (const char* text : {"site.PR1", "registry_value.x-y_z", "service[\"a.b.c\"]"}) {
    CHECK(parse_address(text)->str() == text);
  }
}

}  // namespace
}  // namespace supctl::model
