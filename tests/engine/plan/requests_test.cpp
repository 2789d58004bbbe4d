// The machines carrying out a change talks to, made from the same requests the applier and its
// witness make: what a plan must carry a host target for.

#include "plan/requests.h"

#include <catch2/catch.hpp>

namespace supctl::plan {
namespace {

using plugin::Action;

// A SUP-like plugin: group members on its own machine, the role through the site server, the
// read-back also on the database server, and the install proven from the site server's logs and
// a log on the WSUS server.
class RolePlugin final : public plugin::Plugin {
 public:
  std::string_view name() const override { return "role"; }
  std::span<const model::KindSchema> kinds() const override { return kinds_; }
  std::span<const diag::RuleInfo> rules() const override { return {}; }
  void check(const model::Manifest&, diag::Diagnostics&) const override {}
  plugin::ApplyResponse apply(const plugin::ApplyRequest&) const override {
    plugin::ApplyResponse response;
    response.operations = {plugin::Operation{"group.add", model::Json::object()}, plugin::Operation{"role.add", model::Json::object()}};
    response.operations[1].host = "SITE.test";
    return response;
  }
  plugin::ReadResponse read(const plugin::ReadRequest&) const override {
    plugin::ReadResponse response;
    response.operations = {plugin::Operation{"role.get", model::Json::object()}, plugin::Operation{"db.get", model::Json::object()}};
    response.operations[0].host = "site.test";
    response.operations[1].host = "db.test";
    return response;
  }
  std::optional<plugin::InstallChain> evidence(const plugin::EvidenceRequest& request) const override {
    if (request.action != Action::kCreate) return std::nullopt;
    plugin::InstallChain chain;
    chain.milestones.push_back(plugin::Milestone{"installed", plugin::LogSource{"site.test", "SiteComp.log", ""}, {"installed"}});
    chain.milestones.back().also_in = {plugin::LogSource{"cas.test", "SiteComp.log", ""}};
    chain.failures.push_back(plugin::FailureSign{0, plugin::LogSource{"wsus.test", "SUPSetup.log", ""}, {"failed"}, "", {}});
    return chain;
  }

 private:
  std::vector<model::KindSchema> kinds_{model::KindSchema{.kind = "role", .plugin = "role"}};
};

Change change(std::string host, Action action) {
  Change c;
  c.address = model::Address{"role", "sup"};
  c.host = std::move(host);
  c.action = action;
  return c;
}

TEST_CASE("a change talks to its host, what its operations and read-back name, and where its logs are") {
  RolePlugin plugin;
  CHECK(machines_of(change("sup.test", Action::kCreate), plugin) ==
        std::vector<std::string>{"sup.test", "SITE.test", "db.test", "cas.test", "wsus.test"});
  CHECK(machines_of(change("sup.test", Action::kUpdate), plugin) == std::vector<std::string>{"sup.test", "SITE.test", "db.test"});
  // A delete reads nothing back; a forget, a read and a no-op talk to nobody but name their host.
  CHECK(machines_of(change("sup.test", Action::kDelete), plugin) == std::vector<std::string>{"sup.test", "SITE.test"});
  CHECK(machines_of(change("sup.test", Action::kForget), plugin) == std::vector<std::string>{"sup.test"});
  CHECK(machines_of(change("", Action::kCreate), plugin).empty());
}

TEST_CASE("a plan without the target of a machine a change talks to says which") {
  RolePlugin role;
  std::vector<const plugin::Plugin*> plugins{&role};
  Plan plan;
  plan.changes.push_back(change("sup.test", Action::kCreate));
  for (std::string host : {"sup.test", "site.test", "db.test", "cas.test", "wsus.test"}) plan.hosts[host] = ops::HostTarget{host, {}};
  CHECK(missing_host_target(plan, plugins) == std::nullopt);
  plan.hosts.erase("wsus.test");
  CHECK(missing_host_target(plan, plugins) == "role.sup runs on 'wsus.test'");
  plan.changes[0].action = Action::kUpdate;
  CHECK(missing_host_target(plan, plugins) == std::nullopt);
  plan.changes[0].also_on = {"cfg.test"};
  CHECK(missing_host_target(plan, plugins) == "role.sup runs on 'cfg.test'");
}

}  // namespace
}  // namespace supctl::plan
