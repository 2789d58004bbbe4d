#include "plan/planner.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "fakes/harness.h"

namespace supctl::plan {
namespace {

using plugin::Action;

const std::string kHosts = "[host.\"h1.test\"]\ntransport = \"lab\"\n[host.\"h2.test\"]\ntransport = \"lab\"\n";

const Change* find(const Plan& plan, std::string_view address) {
  for (const Change& c : plan.changes) {
    if (c.address.str() == address) return &c;
  }
  return nullptr;
}

std::vector<std::string> names(const Change& change) {
  std::vector<std::string> out;
  for (const auto& a : change.attributes) out.push_back(a.name);
  return out;
}

TEST_CASE("a new resource is created with every declared attribute and its secret hidden") {
  test::Harness h("new");
  h.secrets.values["PW"] = "hunter2-secret";
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\ncontent = \"hello\"\npassword = { env = \"PW\" }\ntags = [\"x\"]\n");
  auto result = h.plan();
  REQUIRE_FALSE(result.diagnostics.has_errors());
  const Change* a = find(result.plan, "fake_file.a");
  REQUIRE(a);
  CHECK(a->action == Action::kCreate);
  CHECK(a->reason == Reason::kNew);
  CHECK(a->host == "h1.test");
  CHECK(names(*a) == std::vector<std::string>{"content", "host", "password", "tags"});
  CHECK(a->attributes[2].sensitive);
  CHECK(a->fingerprints.at("password") == h.state->fingerprint("hunter2-secret"));
  CHECK(result.plan.summary().add == 1);
  CHECK(result.plan.lineage == h.state->lineage());
}

TEST_CASE("apply then plan again: nothing to do") {
  test::Harness h("converge");
  h.secrets.values["PW"] = "s3cret";
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\ncontent = \"hello\"\npassword = { env = \"PW\" }\n"
                  "[fake_role.r]\nhost = \"h1.test\"\nlevel = 3\n");
  auto first = h.plan();
  auto report = h.apply(first.plan);
  REQUIRE(report.ok());
  auto second = h.plan();
  REQUIRE_FALSE(second.diagnostics.has_errors());
  CHECK_FALSE(second.plan.has_changes());
  CHECK(second.plan.changes.empty());
  CHECK(second.plan.drift.empty());
  CHECK(h.state->resource(*model::parse_address("fake_role.r"))->origin == state::Origin::kCreated);
}

TEST_CASE("a changed manifest plans an update of only the changed attributes") {
  test::Harness h("update");
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\ncontent = \"hello\"\nsize = 3\n");
  REQUIRE(h.apply(h.plan().plan).ok());
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\ncontent = \"hello\"\nsize = 4\n");
  auto result = h.plan();
  const Change* a = find(result.plan, "fake_file.a");
  REQUIRE(a);
  CHECK(a->action == Action::kUpdate);
  CHECK(a->reason == Reason::kChangedInManifest);
  REQUIRE(a->attributes.size() == 1);
  CHECK(a->attributes[0].name == "size");
  CHECK(a->attributes[0].before == 3);
  CHECK(a->attributes[0].after == 4);
}

TEST_CASE("a change made on the host is drift: reported and repaired") {
  test::Harness h("drift");
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\ncontent = \"hello\"\nmode = \"r\"\n");
  REQUIRE(h.apply(h.plan().plan).ok());
  auto on_host = *h.estate.get("h1.test", "fake_file.a");
  on_host["mode"] = "rw";
  h.estate.put("h1.test", "fake_file.a", on_host);
  auto result = h.plan();
  REQUIRE(result.plan.drift.size() == 1);
  CHECK(result.plan.drift[0].attributes[0].name == "mode");
  CHECK(result.plan.drift[0].attributes[0].before == "r");
  CHECK(result.plan.drift[0].attributes[0].after == "rw");
  const Change* a = find(result.plan, "fake_file.a");
  REQUIRE(a);
  CHECK(a->reason == Reason::kDrift);

  PlanOptions refresh;
  refresh.refresh_only = true;
  auto drift_only = h.plan(refresh);
  CHECK(drift_only.plan.changes.empty());
  CHECK(drift_only.plan.drift.size() == 1);
  CHECK(drift_only.plan.refresh_only);

  REQUIRE(h.apply(result.plan).ok());
  CHECK((*h.estate.get("h1.test", "fake_file.a"))["mode"] == "r");
}

TEST_CASE("enumerations and host names compare without case and sets without order") {
  test::Harness h("normalise");
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\nmode = \"rw\"\ntags = [\"b\", \"a\"]\nlocation = 'D:\\WSUS'\n");
  h.estate.put("h1.test", "fake_file.a", {{"host", "H1.TEST"}, {"mode", "RW"}, {"tags", {"a", "b"}}, {"location", "d:\\wsus"}});
  auto result = h.plan();
  CHECK(result.plan.changes.empty());
}

TEST_CASE("include and exclude sets require and forbid items and leave the rest") {
  test::Harness h("include");
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\ntags = { include = [\"a\"], exclude = [\"z\"] }\n");
  h.estate.put("h1.test", "fake_file.a", {{"host", "h1.test"}, {"tags", {"a", "other"}}});
  CHECK(h.plan().plan.changes.empty());
  h.estate.put("h1.test", "fake_file.a", {{"host", "h1.test"}, {"tags", {"a", "z"}}});
  CHECK(find(h.plan().plan, "fake_file.a")->action == Action::kUpdate);
}

TEST_CASE("a resource that was there before is adopted and forgotten when it leaves the manifests") {
  test::Harness h("adopt");
  h.estate.put("h1.test", "fake_file.a", {{"host", "h1.test"}, {"content", "old"}});
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\ncontent = \"new\"\n");
  auto first = h.plan();
  CHECK(find(first.plan, "fake_file.a")->action == Action::kUpdate);
  REQUIRE(h.apply(first.plan).ok());
  CHECK(h.state->resource(*model::parse_address("fake_file.a"))->origin == state::Origin::kAdopted);

  h.load(kHosts);
  auto removed = h.plan();
  const Change* a = find(removed.plan, "fake_file.a");
  REQUIRE(a);
  CHECK(a->action == Action::kForget);
  CHECK(a->reason == Reason::kRemovedFromManifest);
  CHECK(a->note == "adopted, not created, by supctl: it forgets it and the host keeps it");
  REQUIRE(h.apply(removed.plan).ok());
  CHECK(h.estate.get("h1.test", "fake_file.a"));  // still on the host
  CHECK_FALSE(h.state->resource(*model::parse_address("fake_file.a")));
}

TEST_CASE("a created resource that leaves the manifests is deleted, after what depended on it") {
  test::Harness h("delete");
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\n[fake_role.r]\nhost = \"h1.test\"\nallow_destroy = true\n");
  REQUIRE(h.apply(h.plan().plan).ok());
  h.load(kHosts);
  auto result = h.plan();
  const Change* a = find(result.plan, "fake_file.a");
  const Change* r = find(result.plan, "fake_role.r");
  REQUIRE(a);
  REQUIRE(r);
  CHECK(a->action == Action::kDelete);
  CHECK(r->action == Action::kDelete);
  CHECK(a->depends_on == std::vector<std::string>{"fake_role.r"});  // the role goes first
  CHECK(r->destroy_needs_consent);
  CHECK(r->allow_destroy);
  CHECK(result.plan.summary().destroy == 2);
  REQUIRE(h.apply(result.plan).ok());
  CHECK_FALSE(h.estate.get("h1.test", "fake_file.a"));
}

TEST_CASE("deleting a role needs consent") {
  test::Harness h("consent");
  h.load(kHosts + "[fake_role.r]\nhost = \"h1.test\"\n");
  REQUIRE(h.apply(h.plan().plan).ok());
  h.load(kHosts);
  auto result = h.plan();
  auto refused = h.apply(result.plan);
  REQUIRE(refused.steps.size() == 1);
  CHECK(refused.steps[0].status == apply::StepStatus::kFailed);
  CHECK(refused.steps[0].message == "fake_role.r would delete a fake_role: that needs --allow-destroy or allow_destroy = true");
  CHECK(h.estate.get("h1.test", "fake_role.r"));
  auto allowed = h.apply(result.plan, apply::ApplyOptions{10, true});
  CHECK(allowed.ok());
  CHECK_FALSE(h.estate.get("h1.test", "fake_role.r"));
}

TEST_CASE("an attribute that cannot change in place plans a replace") {
  test::Harness h("replace");
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\nlocation = 'D:\\A'\n");
  REQUIRE(h.apply(h.plan().plan).ok());
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\nlocation = 'E:\\A'\n");
  auto result = h.plan();
  CHECK(find(result.plan, "fake_file.a")->action == Action::kReplace);
  auto summary = result.plan.summary();
  CHECK(summary.add == 1);
  CHECK(summary.destroy == 1);
}

TEST_CASE("a rotated secret is detected by its fingerprint and planned as an update") {
  test::Harness h("rotate");
  h.secrets.values["PW"] = "first";
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\npassword = { env = \"PW\" }\n");
  REQUIRE(h.apply(h.plan().plan).ok());
  CHECK(h.plan().plan.changes.empty());
  h.secrets.values["PW"] = "second";
  auto result = h.plan();
  const Change* a = find(result.plan, "fake_file.a");
  REQUIRE(a);
  CHECK(a->action == Action::kUpdate);
  CHECK(a->reason == Reason::kChangedInManifest);
  REQUIRE(a->attributes.size() == 1);
  CHECK(a->attributes[0].sensitive);
  CHECK(a->attributes[0].before.is_null());
}

TEST_CASE("a missing secret stops the plan with a located error") {
  test::Harness h("nosecret");
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\npassword = { env = \"MISSING\" }\n");
  auto result = h.plan();
  REQUIRE(result.diagnostics.has_errors());
  CHECK(result.diagnostics.all()[0].code == "secret-unavailable");
  CHECK(result.diagnostics.all()[0].summary == "fake_file.a.password: the environment variable 'MISSING' is not set");
}

TEST_CASE("a read-only resource is read and checked and never created") {
  test::Harness h("readonly");
  h.load(kHosts + "[fake_site.s]\nhost = \"h1.test\"\ntype = \"primary\"\n");
  auto missing = h.plan();
  REQUIRE(missing.diagnostics.has_errors());
  CHECK(missing.diagnostics.all()[0].summary == "fake_site.s does not exist on its server");
  h.estate.put("h1.test", "fake_site.s", {{"host", "h1.test"}, {"type", "cas"}});
  auto mismatch = h.plan();
  REQUIRE(mismatch.diagnostics.has_errors());
  CHECK(mismatch.diagnostics.all()[0].code == "read-only-mismatch");
  h.estate.put("h1.test", "fake_site.s", {{"host", "h1.test"}, {"type", "primary"}});
  auto fine = h.plan();
  REQUIRE_FALSE(fine.diagnostics.has_errors());
  CHECK(find(fine.plan, "fake_site.s")->action == Action::kRead);
  CHECK_FALSE(fine.plan.has_changes());
}

TEST_CASE("a targeted plan covers the target and what it depends on and says it is partial") {
  test::Harness h("target");
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\n[fake_file.b]\nhost = \"h2.test\"\n"
                  "[fake_role.r]\nhost = \"h1.test\"\n");
  PlanOptions options;
  options.targets = {*model::parse_address("fake_role.r")};
  auto result = h.plan(options);
  REQUIRE_FALSE(result.diagnostics.has_errors());
  CHECK(result.plan.targets == std::vector<std::string>{"fake_role.r"});
  CHECK(find(result.plan, "fake_role.r"));
  CHECK(find(result.plan, "fake_file.a"));  // the role depends on its host's files
  CHECK_FALSE(find(result.plan, "fake_file.b"));
  CHECK(h.backend().round_trips_by_host().count("h2.test") == 0);

  options.targets = {*model::parse_address("fake_role.x")};
  auto unknown = h.plan(options);
  REQUIRE(unknown.diagnostics.has_errors());
  CHECK(unknown.diagnostics.all()[0].summary == "--target 'fake_role.x' is neither in the manifests nor in the state");
}

TEST_CASE("an unreachable host stops the plan and names the host") {
  test::Harness h("unreachable");
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\n[fake_file.b]\nhost = \"h2.test\"\n");
  h.backend().set_unreachable("h2.test");
  auto result = h.plan();
  REQUIRE(result.diagnostics.has_errors());
  CHECK(result.diagnostics.all()[0].summary == "cannot read fake_file.b: cannot reach 'h2.test'");
}

TEST_CASE("changes come in dependency order and carry their dependencies") {
  test::Harness h("order");
  h.load(kHosts + "[fake_role.r]\nhost = \"h1.test\"\n[fake_file.z]\nhost = \"h1.test\"\n"
                  "[fake_file.b]\nhost = \"h2.test\"\ndepends_on = [\"fake_role.r\"]\n");
  auto result = h.plan();
  std::vector<std::string> order;
  for (const Change& c : result.plan.changes) order.push_back(c.address.str());
  CHECK(order == std::vector<std::string>{"fake_file.z", "fake_role.r", "fake_file.b"});
  CHECK(find(result.plan, "fake_file.b")->depends_on == std::vector<std::string>{"fake_role.r"});
  CHECK(find(result.plan, "fake_role.r")->depends_on == std::vector<std::string>{"fake_file.z"});
}

TEST_CASE("a change waits, through a dependency with nothing to do, for the change behind it") {
  test::Harness h("through");
  const std::string role = "[fake_role.r]\nhost = \"h1.test\"\ndepends_on = [\"fake_file.z\"]\n";
  h.load(kHosts + role + "[fake_file.z]\nhost = \"h1.test\"\ncontent = \"one\"\n");
  REQUIRE(h.apply(h.plan().plan).ok());
  // z changes, r stays as it is, and b (on another host) depends on r: b must still wait for z,
  // which r waits for; otherwise both would go in one wave, to two hosts at once.
  h.load(kHosts + role + "[fake_file.z]\nhost = \"h1.test\"\ncontent = \"two\"\n"
                  "[fake_file.b]\nhost = \"h2.test\"\ndepends_on = [\"fake_role.r\"]\n");
  auto result = h.plan();
  REQUIRE_FALSE(result.diagnostics.has_errors());
  CHECK_FALSE(find(result.plan, "fake_role.r"));
  const Change* b = find(result.plan, "fake_file.b");
  REQUIRE(b);
  CHECK(b->depends_on == std::vector<std::string>{"fake_file.z"});
}

TEST_CASE("a reference carries what it names to apply through a saved plan with secrets as references") {
  test::Harness h("references");
  h.secrets.values["PW"] = "never-in-a-plan";
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\ncontent = \"hello\"\npassword = { env = \"PW\" }\n"
                  "[fake_role.r]\nhost = \"h1.test\"\nfile = \"a\"\n");
  auto result = h.plan();
  REQUIRE_FALSE(result.diagnostics.has_errors());
  const Change* role = find(result.plan, "fake_role.r");
  REQUIRE(role);
  const Json& file = role->references.at("file");
  CHECK(file.at("kind") == "fake_file");
  CHECK(file.at("name") == "a");
  CHECK(file.at("attributes").at("content") == "hello");
  CHECK(file.at("attributes").at("password") == Json{{"env", "PW"}});
  CHECK(find(result.plan, "fake_file.a")->references.empty());

  std::string saved = to_json(result.plan).dump();
  CHECK(saved.find("never-in-a-plan") == std::string::npos);
  std::string error;
  auto back = plan_from_json(Json::parse(saved), &error);
  REQUIRE(back);
  CHECK(find(*back, "fake_role.r")->references == role->references);
  CHECK(h.apply(*back).ok());

  // Without what the plan resolved, the plugin cannot apply the role: the references matter.
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\ncontent = \"hello\"\npassword = { env = \"PW\" }\n"
                  "[fake_role.r]\nhost = \"h1.test\"\nfile = \"a\"\nlevel = 2\n");
  auto update = h.plan();
  REQUIRE(find(update.plan, "fake_role.r"));
  for (Change& c : update.plan.changes) c.references = Json::object();
  CHECK_FALSE(h.apply(update.plan).ok());
}

TEST_CASE("a dependency cycle stops the plan with its path") {
  test::Harness h("cycle");
  h.load(kHosts + "[fake_file.a]\nhost = \"h1.test\"\ndepends_on = [\"fake_file.b\"]\n"
                  "[fake_file.b]\nhost = \"h1.test\"\ndepends_on = [\"fake_file.a\"]\n");
  auto result = h.plan();
  REQUIRE(result.diagnostics.has_errors());
  CHECK(result.diagnostics.all()[0].summary == "dependency cycle: fake_file.a -> fake_file.b -> fake_file.a");
}

}  // namespace
}  // namespace supctl::plan

namespace supctl::plan {
namespace {

TEST_CASE("the plan records how to reach each machine its changes run on, a password only as where it comes from") {
  test::Harness h("targets");
  h.secrets.values["WINRM_PW"] = "hunter2-winrm-secret";
  h.load(
      "[host.\"h1.test\"]\ntransport = \"winrm\"\nuser = 'CONTOSO\\svc-supctl'\npassword = { env = \"WINRM_PW\" }\n"
      "winrm = { auth = \"ntlm\" }\n"
      "[host.\"h2.test\"]\ntransport = \"lab\"\n"
      "[host.\"h3.test\"]\ntransport = \"lab\"\n"
      "[fake_file.a]\nhost = \"H1.test\"\ncontent = \"x\"\n[fake_file.b]\nhost = \"h3.test\"\ncontent = \"y\"\n");
  REQUIRE_FALSE(h.load_diagnostics().has_errors());
  auto result = h.plan();
  REQUIRE_FALSE(result.diagnostics.has_errors());
  const Plan& plan = result.plan;
  REQUIRE(plan.hosts.size() == 2);  // h2.test runs nothing
  const ops::HostTarget& h1 = plan.hosts.at("h1.test");
  CHECK(h1.name == "H1.test");
  CHECK(h1.settings == model::AttributeMap{{"password", model::Json{{"env", "WINRM_PW"}}},
                                          {"transport", "winrm"},
                                          {"user", "CONTOSO\\svc-supctl"},
                                          {"winrm", model::Json{{"auth", "ntlm"}}}});
  CHECK(plan.hosts.at("h3.test").settings == model::AttributeMap{{"transport", "lab"}});
  CHECK(to_json(plan).dump().find("hunter2") == std::string::npos);

  // Apply reads the targets from the plan alone; a machine it holds none for is never reached with defaults.
  CHECK(plan.target("h1.test").string("transport") == "winrm");
  CHECK(plan.target("H1.TEST").recorded);
  CHECK_FALSE(plan.target("nowhere.test").recorded);
  CHECK(plan.target("nowhere.test").settings.empty());
}

}  // namespace
}  // namespace supctl::plan
