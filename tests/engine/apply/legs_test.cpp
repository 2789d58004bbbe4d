// A change's operations cut into legs, one per run of operations on one machine, as the applier
// sends them and `plan --emit-scripts` writes them.

#include "apply/legs.h"

#include <catch2/catch.hpp>

namespace supctl::apply {
namespace {

using plugin::Action;
using plugin::Operation;

Operation on(std::string host, std::string name) {
  Operation op{std::move(name), model::Json::object()};
  op.host = std::move(host);
  return op;
}

// A plugin whose changes put group members on their own machine, then register the role through
// the site server, then check back on their own machine: three legs on two machines.
class TwoMachinePlugin final : public plugin::Plugin {
 public:
  std::string_view name() const override { return "two"; }
  std::span<const model::KindSchema> kinds() const override { return kinds_; }
  std::span<const diag::RuleInfo> rules() const override { return {}; }
  void check(const model::Manifest&, diag::Diagnostics&) const override {}
  plugin::ApplyResponse apply(const plugin::ApplyRequest& request) const override {
    plugin::ApplyResponse response;
    if (request.address.name == "refused") {
      plugin::resource_error(response.diagnostics, request.address, "apply-failed", "no way to do that");
      return response;
    }
    response.operations = {on("", "group.add"), on("SUP.test", "group.check"), on("site.test", "role.add"),
                           on("SITE.TEST", "role.wait"), on("", "role.check")};
    return response;
  }

 private:
  std::vector<model::KindSchema> kinds_{model::KindSchema{.kind = "two_role", .plugin = "two"}};
};

std::vector<std::string> names(const Leg& leg) {
  std::vector<std::string> out;
  for (const Operation& op : leg.operations) out.push_back(op.name);
  return out;
}

TEST_CASE("a leg runs until an operation names another machine, names compared without case") {
  std::vector<Operation> ops{on("", "a"), on("sup.test", "b"), on("site.test", "c"), on("Site.Test", "d"), on("", "e")};
  CHECK(leg_end(ops, 0, "SUP.test") == 2);
  CHECK(leg_end(ops, 2, "SUP.test") == 4);
  CHECK(leg_end(ops, 4, "SUP.test") == 5);
  CHECK(leg_end(ops, 5, "SUP.test") == 5);
  CHECK(leg_end({}, 0, "sup.test") == 0);
}

TEST_CASE("a plan's changes come out leg by leg, in apply order, only those that run on a host") {
  TwoMachinePlugin two;
  std::vector<const plugin::Plugin*> plugins{&two};
  plan::Plan plan;
  auto change = [](std::string name, std::string host, Action action) {
    plan::Change c;
    c.address = model::Address{"two_role", std::move(name)};
    c.host = std::move(host);
    c.action = action;
    return c;
  };
  plan.changes = {change("first", "sup.test", Action::kCreate), change("same", "sup.test", Action::kNoOp),
                  change("gone", "sup.test", Action::kForget), change("data", "", Action::kCreate),
                  change("refused", "sup.test", Action::kUpdate), change("other", "sup2.test", Action::kUpdate)};
  plan.changes.push_back(plan::Change{});
  plan.changes.back().address = model::Address{"unknown_kind", "x"};
  plan.changes.back().host = "sup.test";
  plan.changes.back().action = Action::kCreate;

  std::vector<ChangeLegs> legs = plan_legs(plan, plugins);
  REQUIRE(legs.size() == 3);
  CHECK(legs[0].change == &plan.changes[0]);
  REQUIRE(legs[0].legs.size() == 3);
  CHECK(legs[0].legs[0].host == "sup.test");
  CHECK(names(legs[0].legs[0]) == std::vector<std::string>{"group.add", "group.check"});
  CHECK(legs[0].legs[1].host == "site.test");
  CHECK(names(legs[0].legs[1]) == std::vector<std::string>{"role.add", "role.wait"});
  CHECK(legs[0].legs[2].host == "sup.test");
  CHECK(names(legs[0].legs[2]) == std::vector<std::string>{"role.check"});

  CHECK(legs[1].change == &plan.changes[4]);
  CHECK(legs[1].legs.empty());
  REQUIRE(legs[1].diagnostics.has_errors());
  CHECK(legs[1].diagnostics.all()[0].summary == "no way to do that");

  CHECK(legs[2].change == &plan.changes[5]);
  REQUIRE(legs[2].legs.size() == 4);
  CHECK(legs[2].legs[0].host == "sup2.test");
  CHECK(legs[2].legs[1].host == "SUP.test");
  CHECK(names(legs[2].legs[1]) == std::vector<std::string>{"group.check"});
}

}  // namespace
}  // namespace supctl::apply
