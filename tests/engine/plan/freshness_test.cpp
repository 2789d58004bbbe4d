// A saved plan's freshness, at the layer that owns it: the plugin API version, the state's place
// and the manifests' hash it was made against.

#include "plan/freshness.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <optional>
#include <string>

namespace supctl::plan {
namespace {

const EnvFileSecrets kNoSecrets([](const std::string&) { return std::nullopt; });

Plan plan_for(std::string manifest_hash) {
  Plan plan;
  plan.manifest_hash = std::move(manifest_hash);
  return plan;
}

TEST_CASE("a saved plan fits the empty state and the manifests it was made for") {
  CHECK(stale_reason(plan_for("abc"), nullptr, "abc", kNoSecrets) == std::nullopt);
}

TEST_CASE("a saved plan is stale once the manifests, the state's serial or the plugin API moved") {
  CHECK(stale_reason(plan_for("abc"), nullptr, "abd", kNoSecrets) == "the manifests changed since the plan was made");

  Plan moved = plan_for("abc");
  moved.serial = 3;
  CHECK(stale_reason(moved, nullptr, "abc", kNoSecrets) ==
        "the state has moved since the plan was made (serial 3 then, 0 now)");

  Plan other_lineage = plan_for("abc");
  other_lineage.lineage = "5e1f";
  CHECK(stale_reason(other_lineage, nullptr, "abc", kNoSecrets) ==
        "the plan was made against another state (lineage '5e1f'); this state's lineage is 'none'");

  Plan older = plan_for("abc");
  older.plugin_api_version = plugin::kPluginApiVersion + 1;
  CHECK(stale_reason(older, nullptr, "abc", kNoSecrets) ==
        fmt::format("the plan was made with plugin API version {}; this supctl has version {}",
                    plugin::kPluginApiVersion + 1, plugin::kPluginApiVersion));
}

}  // namespace
}  // namespace supctl::plan
