#include "diag/suggest.h"

#include <catch2/catch.hpp>
#include <string_view>
#include <vector>

namespace supctl::diag {
namespace {

TEST_CASE("edit distance counts inserts - deletes - substitutions and swaps - ignoring case") {
  CHECK(edit_distance("wsus_iis_port", "wsus_iis_port") == 0);
  CHECK(edit_distance("wsus_iis_prot", "wsus_iis_port") == 1);  // swap
  CHECK(edit_distance("serivce", "service") == 1);
  CHECK(edit_distance("EN", "en") == 0);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("closest offers a near name and nothing for a far one") {
  std::vector<std::string_view> kinds{"site", "site_system", "service", "sync"};
  CHECK(did_you_mean("serivce", kinds) == "did you mean 'service'?");
  CHECK(did_you_mean("sit", kinds) == "did you mean 'site'?");
  CHECK(did_you_mean("completely_different", kinds).empty());
  std::vector<std::string_view> titles{"Critical Updates", "Security Updates"};
  CHECK(did_you_mean("Critical Update", titles) == "did you mean 'Critical Updates'?");
  CHECK(did_you_mean("critical", titles) == "did you mean 'Critical Updates'?");  // contained whole
}

}  // namespace
}  // namespace supctl::diag
