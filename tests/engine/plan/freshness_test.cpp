// A saved plan's freshness, at the layer that owns it: the plugin API version and the state's place
// it was made against. The manifests are not asked: a saved plan is applied as it was reviewed.

#include "plan/freshness.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <optional>
#include <string>

namespace supctl::plan {
namespace {

const EnvFileSecrets kNoSecrets([](const std::string&) { return std::nullopt; });

TEST_CASE("a saved plan made before any state fits the empty state") {
  Plan plan;
  CHECK(stale_reason(plan, nullptr, kNoSecrets) == std::nullopt);
}

TEST_CASE("a saved plan is stale once the state's serial or lineage or the plugin API moved") {
  Plan moved;
  moved.serial = 3;
  CHECK(stale_reason(moved, nullptr, kNoSecrets) == "the state has moved since the plan was made (serial 3 then, 0 now)");

  Plan other_lineage;
  other_lineage.lineage = "5e1f";
  CHECK(stale_reason(other_lineage, nullptr, kNoSecrets) ==
        "the plan was made against another state (lineage '5e1f'); this state's lineage is 'none'");

  Plan older;
  older.plugin_api_version = plugin::kPluginApiVersion + 1;
  CHECK(stale_reason(older, nullptr, kNoSecrets) ==
        fmt::format("the plan was made with plugin API version {}; this supctl has version {}",
                    plugin::kPluginApiVersion + 1, plugin::kPluginApiVersion));
}

}  // namespace
}  // namespace supctl::plan
