// The live transports made from host targets: a machine the plan holds no target for is refused,
// never reached as WinRM with defaults.

#include "cli/backend.h"

#include <catch2/catch.hpp>

namespace supctl::cli {
namespace {

TEST_CASE("make_transport refuses a machine without a recorded target and makes the one a target names") {
  std::string error;
  CHECK(make_transport(ops::HostTarget{"nowhere.test", {}, false}, &error) == nullptr);
  CHECK(error ==
        "the plan holds no host target for 'nowhere.test', so supctl does not know how to reach it; make the plan again");

  error.clear();
  CHECK(make_transport(ops::HostTarget{"sup01.test", {{"transport", "ssh"}}}, &error) != nullptr);
  CHECK(make_transport(ops::HostTarget{"sup01.test", {}}, &error) != nullptr);  // recorded without [host]: WinRM
  CHECK(error.empty());
  CHECK(make_transport(ops::HostTarget{"sup01.test", {{"transport", "lab"}}}, &error) == nullptr);
  CHECK(error == "'sup01.test' has transport = \"lab\", which is not a live transport");
}

}  // namespace
}  // namespace supctl::cli
