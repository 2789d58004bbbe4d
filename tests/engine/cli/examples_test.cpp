// Every example under examples/, end to end on the lab estate through the real program: lab init,
// plan, apply, plan again with nothing to do; drift made in the lab found and repaired; a resource
// that leaves the manifests deleted, forgotten or refused per its kind; an injected fault that fails
// one step, skips only what depends on it, and converges once it clears.
//
// The examples are discovered in the source tree at run time, so a new example gets the full cycle
// without a change here. Drift and removal need a resource chosen by reading the example's
// manifests: the tables below hold one entry per example, and an example without one fails with a
// message that says so.

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>
#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "backends/lab/estate.h"
#include "support/counting_backend.h"
#include "support.h"

namespace supctl::cli {
namespace {

namespace fs = std::filesystem;

using test::example_names;

/// A copy of one example in a temporary directory, with every secret it references provided.
struct ExampleCopy {
  std::string name;
  fs::path dir;
  std::map<std::string, std::string> env;  ///< the environment the CLI sees: only the secrets
  std::vector<std::string> secret_values;  ///< what must never appear in any output

  ExampleCopy(std::string example, std::string_view purpose)
      : name(std::move(example)),
        dir(fs::temp_directory_path() / fmt::format("supctl-examples-{}-{}-{}", name, purpose, ::getpid())) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy(test::source_dir() / "examples" / name, dir, fs::copy_options::recursive);
    fs::remove_all(dir / ".supctl");  // a lab or state someone left in the source tree is not the example
    provide_secrets();
  }
  ~ExampleCopy() { fs::remove_all(dir); }

  std::string d() const { return dir.string(); }
  test::CliResult run(std::vector<std::string> args) const { return test::run_cli(std::move(args), false, env); }

  std::vector<fs::path> manifests() const {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".toml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  /// Removes the table that starts with `header` (up to the next table) from whichever manifest has it.
  bool remove_table(const std::string& header) const {
    for (const fs::path& file : manifests()) {
      std::string text = test::read_file(file);
      auto start = text.find(header);
      if (start == std::string::npos) continue;
      auto end = text.find("\n[", start + 1);
      text.erase(start, end == std::string::npos ? std::string::npos : end + 1 - start);
      std::ofstream(file, std::ios::binary) << text;
      return true;
    }
    return false;
  }

  std::unique_ptr<lab::Estate> estate() const {
    std::string error;
    auto estate = lab::Estate::open(dir / ".supctl" / "lab", &error);
    INFO(error);
    REQUIRE(estate);
    return estate;
  }

 private:
  // `{ env = "VAR" }`: a fake value for VAR in the injected environment. `{ file = "PATH" }` (such
  // as examples/standalone-wsus's /run/secrets/northwind-smtp): the copy's manifest is rewritten to
  // name a file this test creates under the copy, since /run/secrets is not ours to write.
  void provide_secrets() {
    static const std::regex kEnv(R"re(\benv\s*=\s*["']([A-Za-z_][A-Za-z0-9_]*)["'])re");
    static const std::regex kFile(R"re(\bfile\s*=\s*(["'])([^"']+)\1)re");
    int files = 0;
    for (const fs::path& file : manifests()) {
      std::string text = test::read_file(file);
      for (std::sregex_iterator it(text.begin(), text.end(), kEnv), end; it != end; ++it) {
        std::string var = (*it)[1];
        if (env.contains(var)) continue;
        env[var] = fmt::format("Fake-{}-never-print-me", var);
        secret_values.push_back(env[var]);
      }
      std::string rewritten;
      std::size_t last = 0;
      for (std::sregex_iterator it(text.begin(), text.end(), kFile), end; it != end; ++it) {
        fs::path secret = dir / ".secrets" / fmt::format("secret-{}", ++files);
        fs::create_directories(secret.parent_path());
        std::string value = fmt::format("Fake-file-secret-{}-never-print-me", files);
        std::ofstream(secret, std::ios::binary) << value;
        secret_values.push_back(value);
        rewritten += text.substr(last, it->position() - last) + fmt::format("file = \"{}\"", secret.generic_string());
        last = it->position() + it->length();
      }
      if (last == 0) continue;
      rewritten += text.substr(last);
      std::ofstream(file, std::ios::binary) << rewritten;
    }
  }
};

/// One row of the table apply prints after its summary line.
struct Step {
  std::string status;  ///< succeeded | failed | skipped
  std::string action;
  std::string address;
  std::string line;  ///< the whole row, without its indentation
};

std::vector<Step> apply_steps(const std::string& out) {
  std::vector<Step> steps;
  auto summary = out.find("\nApply: ");
  if (summary == std::string::npos) return steps;
  std::istringstream rows(out.substr(out.find('\n', summary + 1) + 1));
  for (std::string row; std::getline(rows, row);) {
    if (!row.starts_with("  ")) break;
    std::istringstream words(row);
    Step step;
    words >> step.status >> step.action >> step.address;
    step.line = row.substr(2);
    steps.push_back(step);
  }
  return steps;
}

std::string summary_line(const std::vector<Step>& steps) {
  std::map<std::string, int> count;
  for (const Step& s : steps) ++count[s.status];
  return fmt::format("Apply: {} succeeded, {} failed, {} skipped.", count["succeeded"], count["failed"],
                     count["skipped"]);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// lab init, plan (changes), apply (every step succeeds), plan again (no changes, no drift).
void converge(const ExampleCopy& copy) {
  auto init = copy.run({"lab", "init", copy.d()});
  INFO("lab init examples/" << copy.name << ":\n" << init.out << init.err);
  REQUIRE(init.code == 0);
  REQUIRE(init.out.starts_with("Seeded the lab estate"));

  auto plan = copy.run({"plan", copy.d(), "--lab"});
  INFO("plan --lab:\n" << plan.out << plan.err);
  REQUIRE(plan.code == 0);
  REQUIRE(has(plan.out, "\nPlan: "));
  REQUIRE_FALSE(has(plan.out, "No changes."));

  auto apply = copy.run({"apply", copy.d(), "--lab", "--auto-approve"});
  INFO("apply --lab --auto-approve:\n" << apply.out << apply.err);
  std::vector<Step> steps = apply_steps(apply.out);
  REQUIRE_FALSE(steps.empty());
  for (const Step& step : steps) {
    INFO(step.line);
    CHECK(step.status == "succeeded");
  }
  REQUIRE(apply.code == 0);
  REQUIRE(has(apply.out, fmt::format("\nApply: {} succeeded, 0 failed, 0 skipped.\n", steps.size())));

  auto again = copy.run({"plan", copy.d(), "--lab", "--detailed-exitcode"});
  INFO("plan --lab --detailed-exitcode:\n" << again.out << again.err);
  REQUIRE(again.code == 0);
  REQUIRE(has(again.out, "No changes. The hosts match the manifests."));
  REQUIRE_FALSE(has(again.out, "Drift"));

  for (const std::string& secret : copy.secret_values) {
    for (const auto* r : {&init, &plan, &apply, &again}) {
      CHECK_FALSE(has(r->out + r->err, secret));
    }
  }
}

/// Plan again with --detailed-exitcode: exit 0, no changes.
void check_converged(const ExampleCopy& copy) {
  auto plan = copy.run({"plan", copy.d(), "--lab", "--detailed-exitcode"});
  INFO("plan --lab --detailed-exitcode:\n" << plan.out << plan.err);
  CHECK(plan.code == 0);
  CHECK(has(plan.out, "No changes. The hosts match the manifests."));
}

TEST_CASE("every example goes from lab init to a converged lab in one apply", "[examples]") {
  const std::vector<std::string> names = example_names();
  REQUIRE(names.size() >= 4);
  for (const std::string& name : names) {
    DYNAMIC_SECTION("examples/" << name) {
      ExampleCopy copy(name, "cycle");
      converge(copy);
    }
  }
}

TEST_CASE("the plan of examples/contoso names every machine each change runs on", "[examples]") {
  ExampleCopy copy("contoso", "hosts");
  REQUIRE(copy.run({"lab", "init", copy.d()}).code == 0);
  const fs::path saved = copy.dir / "plan.json";
  auto plan = copy.run({"plan", copy.d(), "--lab", "--out", saved.string()});
  INFO(plan.out << plan.err);
  REQUIRE(plan.code == 0);
  // A SUP whose connection account supctl puts in the groups: the groups on the SUP's own server,
  // the role through its site's SMS Provider; a secondary site's SUP through its parent's.
  CHECK(has(plan.out, "# software_update_point[\"cassup.contoso.com\"] will be created (new) on cas01.contoso.com and cassup.contoso.com\n"));
  CHECK(has(plan.out, "# software_update_point[\"se1site.contoso.com\"] will be created (new) on pr1site.contoso.com\n"));
  CHECK(has(plan.out, "# site_system[\"cassup.contoso.com\"] will be created (new) on cas01.contoso.com\n"));
  CHECK(has(plan.out, "# site.SE1 will be read on pr1site.contoso.com\n"));
  // The saved plan keeps them, for apply and for reviewers' tools.
  const model::Json json = model::Json::parse(test::read_file(saved));
  bool found = false;
  for (const model::Json& change : json["resource_changes"]) {
    if (change["address"] != "software_update_point[\"cassup.contoso.com\"]") continue;
    found = true;
    CHECK(change["host"] == "cas01.contoso.com");
    CHECK(change["also_on"] == model::Json::array({"cassup.contoso.com"}));
  }
  CHECK(found);
}

TEST_CASE("plan reads each host of examples/contoso in one request, and apply sends one per wave", "[examples]") {
  ExampleCopy copy("contoso", "waves");
  REQUIRE(copy.run({"lab", "init", copy.d()}).code == 0);
  test::RequestCounts counts;
  const cli::Context context = test::counting_context(counts);
  auto plan = test::run_cli_in(&context, {"plan", copy.d(), "--lab", "--detailed-exitcode"}, false, copy.env);
  INFO(plan.out << plan.err);
  REQUIRE(plan.code == 2);
  // Every machine that holds something to read, once: the SMS Providers, the SUPs' own servers.
  const std::map<std::string, int> once{{"cas01.contoso.com", 1},   {"cassup.contoso.com", 1}, {"pr1site.contoso.com", 1},
                                        {"pr1wsus.contoso.com", 1}, {"pr2site.contoso.com", 1}, {"pr2wsus.contoso.com", 1},
                                        {"se1site.contoso.com", 1}};
  CHECK(counts.requests == once);
  CHECK(counts.polls.empty());

  counts.requests.clear();
  auto apply = test::run_cli_in(&context, {"apply", copy.d(), "--lab", "--auto-approve"}, false, copy.env);
  INFO(apply.out << apply.err);
  REQUIRE(apply.code == 0);
  for (const auto& [host, n] : counts.requests) UNSCOPED_INFO(host << ": " << n << " requests, " << counts.polls[host] << " polls");
  // apply reads every host once (its plan), then goes in five waves of dependencies:
  //   1. accounts (cas01), WSUS (cassup, pr1wsus, pr2wsus), pr1wsus's registry and W3SVC;
  //   2. site systems (cas01, pr1site, pr2site: each needs the proxy account its proxy names), WsusService on pr1wsus (it depends on WSUS);
  //   3. SUP cassup;
  //   4. sync.CAS (after its site's SUPs), SUPs pr1wsus and pr2wsus (after the parent site's SUP);
  //   5. SUP se1site (after PR1's), sync.PR1.
  // Each wave is one request per host it touches, every change of the wave in it with its read-back.
  // A SUP goes in two legs, the group memberships on its own server first, then the role through
  // the SMS Provider, and is read back (on both) once the install tracker has seen the role install.
  const std::map<std::string, int> expected{
      {"cas01.contoso.com", 1 + 1 + 1 + 2 + 1},  // read; accounts; site system; SUP cassup's role and read-back; sync.CAS
      {"cassup.contoso.com", 1 + 1 + 2},         // read; WSUS; SUP cassup's memberships and read-back
      {"pr1site.contoso.com", 1 + 1 + 2 + 2},    // read; site system; SUP pr1wsus's role and read-back; SUP se1site and sync.PR1, read-back
      {"pr1wsus.contoso.com", 1 + 1 + 1 + 2},    // read; wave 1; WsusService; SUP pr1wsus's memberships and read-back
      {"pr2site.contoso.com", 1 + 1 + 2},        // read; site system; SUP pr2wsus's role and read-back
      {"pr2wsus.contoso.com", 1 + 1 + 2},        // read; WSUS; SUP pr2wsus's memberships and read-back
      {"se1site.contoso.com", 1 + 1},            // read; SUP se1site's read-back (the role's key)
  };
  CHECK(counts.requests == expected);
  // The install tracker's log reads come on top: one mark before each role and polls until it shows.
  for (const char* provider : {"cas01.contoso.com", "pr1site.contoso.com", "pr2site.contoso.com"}) CHECK(counts.polls[provider] >= 2);
}

// ---- Drift: one resource per example changed in the lab, behind supctl's back.

struct Drift {
  std::string address;
  std::string assignment;  ///< KEY=VALUE for `supctl lab drift`
  std::string host;        ///< where plan reads the resource
  std::string line;        ///< the drift section's line: ~ KEY = APPLIED -> FOUND
};

const std::map<std::string, Drift>& drifts() {
  static const std::map<std::string, Drift> kDrifts{
      // A SUP's HTTP port changed in the console of PR1.
      {"contoso",
       {R"(software_update_point["pr1wsus.contoso.com"])", "wsus_iis_port=8540", "pr1site.contoso.com",
        "~ wsus_iis_port = 8530 -> 8540"}},
      // The Internet-based SUP's HTTPS port.
      {"legacy-2007",
       {R"(software_update_point["inetsup.fabrikam.com"])", "wsus_iis_ssl_port=8531", "cen01.fabrikam.com",
        "~ wsus_iis_ssl_port = 443 -> 8531"}},
      // A multi_string registry value loses an item.
      {"standalone-wsus",
       {"registry_value.dmzwsus_role", R"(data=["upstream"])", "dmzwsus.northwind.com",
        R"(~ data = ["upstream","dmz"] -> ["upstream"])"}},
      // A service's startup type.
      {"wsus-host-baseline",
       {"service.wsus02_wsus", "startup=manual", "wsus02.contoso.com", R"(~ startup = "delayed" -> "manual")"}},
  };
  return kDrifts;
}

TEST_CASE("drift made in the lab on every example is found by plan and repaired by apply", "[examples]") {
  for (const std::string& name : example_names()) {
    DYNAMIC_SECTION("examples/" << name) {
      auto found_drift = drifts().find(name);
      if (found_drift == drifts().end()) {
        FAIL("examples/" << name
                         << " has no drift scenario: add one to drifts() in tests/engine/cli/examples_test.cpp");
      }
      const Drift& drift = found_drift->second;
      ExampleCopy copy(name, "drift");
      converge(copy);

      auto change = copy.run({"lab", "drift", copy.d(), drift.address, drift.assignment});
      INFO("lab drift " << drift.address << " " << drift.assignment << ":\n" << change.out << change.err);
      REQUIRE(change.code == 0);

      auto found = copy.run({"plan", copy.d(), "--lab", "--detailed-exitcode"});
      INFO("plan after the drift:\n" << found.out << found.err);
      CHECK(found.code == 2);
      CHECK(has(found.out, "Drift: objects changed outside supctl\n"));
      CHECK(has(found.out, fmt::format("  ~ {} on {}\n    {}\n", drift.address, drift.host, drift.line)));
      // On its host, and on the other machines its operations run on (a SUP's own server).
      CHECK(has(found.out, fmt::format("# {} will be updated in place (drift) on {}", drift.address, drift.host)));
      CHECK(has(found.out, "Plan: 0 to add, 1 to change, 0 to destroy.\n"));

      auto repair = copy.run({"apply", copy.d(), "--lab", "--auto-approve"});
      INFO("apply after the drift:\n" << repair.out << repair.err);
      CHECK(repair.code == 0);
      CHECK(has(repair.out, "Apply: 1 succeeded, 0 failed, 0 skipped.\n"));
      CHECK(has(repair.out, fmt::format("succeeded  update   {} on {}\n", drift.address, drift.host)));
      check_converged(copy);
    }
  }
}

// ---- Removal: a resource leaves the manifests.

enum class Outcome {
  kDeleted,       ///< created by supctl, so deleted from its host
  kForgotten,     ///< adopted (a service lab init put in place), so forgotten; the host keeps it
  kNeedsConsent,  ///< a role: apply refuses without --allow-destroy and nothing changes
};

struct Removal {
  std::string header;  ///< the manifest table to cut
  std::string address;
  std::string host;  ///< where plan reads it
  Outcome outcome;
  std::function<bool(const lab::Estate&)> on_host;  ///< whether the thing is still there
};

bool same_text(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

/// Whether the SMS Provider on `provider` still holds the SUP role of `fqdn`.
std::function<bool(const lab::Estate&)> sup_role(std::string provider, std::string fqdn) {
  return [provider, fqdn](const lab::Estate& estate) {
    for (const auto& [key, document] : estate.documents(provider, "configmgr.sup")) {
      if (same_text(key, fqdn)) return true;
    }
    return false;
  };
}

std::function<bool(const lab::Estate&)> registry_value(std::string host, std::string key, std::string name) {
  return [=](const lab::Estate& estate) { return estate.value(host, key, name).has_value(); };
}

std::function<bool(const lab::Estate&)> service(std::string host, std::string name) {
  return [=](const lab::Estate& estate) { return estate.service(host, name).has_value(); };
}

const std::map<std::string, std::vector<Removal>>& removals() {
  static const std::map<std::string, std::vector<Removal>> kRemovals{
      {"contoso",
       {{"[registry_value.pr1wsus_wsus_pool_queue]", "registry_value.pr1wsus_wsus_pool_queue", "pr1wsus.contoso.com",
         Outcome::kDeleted,
         registry_value("pr1wsus.contoso.com", R"(HKLM\SOFTWARE\Contoso\WSUS)", "WsusPoolQueueLength")},
        {R"([software_update_point."se1site.contoso.com"])", R"(software_update_point["se1site.contoso.com"])",
         "pr1site.contoso.com", Outcome::kNeedsConsent, sup_role("pr1site.contoso.com", "se1site.contoso.com")}}},
      {"legacy-2007",
       {{R"([software_update_point."wsus-c.fabrikam.com"])", R"(software_update_point["wsus-c.fabrikam.com"])",
         "cen01.fabrikam.com", Outcome::kNeedsConsent, sup_role("cen01.fabrikam.com", "wsus-c.fabrikam.com")}}},
      {"standalone-wsus",
       {{"[service.dmzwsus_wsus]", "service.dmzwsus_wsus", "dmzwsus.northwind.com", Outcome::kForgotten,
         service("dmzwsus.northwind.com", "WsusService")}}},
      {"wsus-host-baseline",
       {{"[registry_value.wsus01_owners]", "registry_value.wsus01_owners", "wsus01.contoso.com", Outcome::kDeleted,
         registry_value("wsus01.contoso.com", R"(HKLM\SOFTWARE\Contoso\WSUS)", "Owners")},
        {"[service.wsus01_w3svc]", "service.wsus01_w3svc", "wsus01.contoso.com", Outcome::kForgotten,
         service("wsus01.contoso.com", "W3SVC")}}},
  };
  return kRemovals;
}

void check_removal(const ExampleCopy& copy, const Removal& removal) {
  INFO("removed " << removal.address << " from the manifests of examples/" << copy.name);
  REQUIRE(copy.remove_table(removal.header));
  REQUIRE(removal.on_host(*copy.estate()));

  auto plan = copy.run({"plan", copy.d(), "--lab", "--detailed-exitcode"});
  INFO("plan:\n" << plan.out << plan.err);
  CHECK(plan.code == 2);
  CHECK_FALSE(has(plan.out, "Drift"));
  const std::string destroyed =
      fmt::format("# {} will be destroyed (removed from manifest) on {}\n", removal.address, removal.host);
  const std::string forgotten = fmt::format(
      "# {} will be forgotten (the host keeps it) (removed from manifest) on {}\n", removal.address, removal.host);
  const std::string consent = "# ! needs --allow-destroy or allow_destroy = true\n";

  switch (removal.outcome) {
    case Outcome::kDeleted: {
      CHECK(has(plan.out, destroyed));
      CHECK_FALSE(has(plan.out, consent));
      CHECK(has(plan.out, "Plan: 0 to add, 0 to change, 1 to destroy.\n"));
      auto apply = copy.run({"apply", copy.d(), "--lab", "--auto-approve"});
      INFO("apply:\n" << apply.out << apply.err);
      CHECK(apply.code == 0);
      CHECK(has(apply.out, fmt::format("succeeded  delete   {} on {}\n", removal.address, removal.host)));
      CHECK_FALSE(removal.on_host(*copy.estate()));
      break;
    }
    case Outcome::kForgotten: {
      CHECK(has(plan.out, forgotten));
      CHECK(has(plan.out, "Plan: 0 to add, 0 to change, 0 to destroy.\n1 to forget"));
      auto apply = copy.run({"apply", copy.d(), "--lab", "--auto-approve"});
      INFO("apply:\n" << apply.out << apply.err);
      CHECK(apply.code == 0);
      CHECK(has(apply.out, fmt::format("succeeded  forget   {} on {}\n", removal.address, removal.host)));
      CHECK(removal.on_host(*copy.estate()));  // the host keeps it
      break;
    }
    case Outcome::kNeedsConsent: {
      CHECK(has(plan.out, destroyed));
      CHECK(has(plan.out, consent));
      CHECK(has(plan.out, "Plan: 0 to add, 0 to change, 1 to destroy.\n"));
      auto refused = copy.run({"apply", copy.d(), "--lab", "--auto-approve"});
      INFO("apply without --allow-destroy:\n" << refused.out << refused.err);
      REQUIRE(refused.code == 1);  // the rest would only describe the deletion that happened instead
      CHECK(has(refused.out,
                fmt::format("failed     delete   {} on {}: {} would delete a {}: that needs --allow-destroy or "
                            "allow_destroy = true\n",
                            removal.address, removal.host, removal.address,
                            removal.address.substr(0, removal.address.find('[')))));
      CHECK(has(refused.out, "Apply: 0 succeeded, 1 failed, 0 skipped.\n"));
      // Nothing changed: the role is on its host, the state still has it, and plan says the same.
      CHECK(removal.on_host(*copy.estate()));
      CHECK(copy.run({"state", "show", removal.address, "--dir", copy.d()}).code == 0);
      auto still = copy.run({"plan", copy.d(), "--lab", "--detailed-exitcode"});
      CHECK(still.code == 2);
      CHECK(has(still.out, destroyed));

      auto consented = copy.run({"apply", copy.d(), "--lab", "--auto-approve", "--allow-destroy"});
      INFO("apply --allow-destroy:\n" << consented.out << consented.err);
      CHECK(consented.code == 0);
      CHECK(has(consented.out, fmt::format("succeeded  delete   {} on {}\n", removal.address, removal.host)));
      CHECK_FALSE(removal.on_host(*copy.estate()));
      break;
    }
  }
  CHECK(copy.run({"state", "show", removal.address, "--dir", copy.d()}).code == 1);  // no longer in the state
  check_converged(copy);
}

TEST_CASE("a resource removed from an example is deleted forgotten or refused per its kind", "[examples]") {
  for (const std::string& name : example_names()) {
    DYNAMIC_SECTION("examples/" << name) {
      auto found = removals().find(name);
      if (found == removals().end()) {
        FAIL("examples/" << name
                         << " has no removal scenario: add one to removals() in tests/engine/cli/examples_test.cpp");
      }
      ExampleCopy copy(name, "removal");
      converge(copy);
      for (const Removal& removal : found->second) check_removal(copy, removal);
    }
  }
}

// ---- Faults: one host of an example with several hosts fails one operation.

struct FaultCase {
  std::string example;
  lab::Fault fault;
  std::string address;  ///< the step the fault fails
  std::string action;
};

const std::vector<FaultCase>& fault_cases() {
  static const std::vector<FaultCase> kCases{
      {"contoso",
       lab::Fault{0, "pr2wsus.contoso.com", "wsus.install", "failed",
                  "WSUS setup failed: 0x80070070 there is not enough space on the disk E:", -1},
       R"(wsus_server["pr2wsus.contoso.com"])", "create"},
      {"legacy-2007",
       lab::Fault{0, "wsus-b.fabrikam.com", "wsus.install", "failed",
                  "WSUS setup failed: 0x80070070 there is not enough space on the disk D:", -1},
       R"(wsus_server["wsus-b.fabrikam.com"])", "create"},
  };
  return kCases;
}

/// Every resource that depends on `address`, directly or through others, from `supctl graph`.
std::set<std::string> dependents(const ExampleCopy& copy, const std::string& address) {
  auto graph = copy.run({"graph", copy.d(), "--format", "json"});
  INFO(graph.err);
  REQUIRE(graph.code == 0);
  auto json = nlohmann::json::parse(graph.out);
  std::set<std::string> out;
  std::vector<std::string> todo{address};
  while (!todo.empty()) {
    std::string to = todo.back();
    todo.pop_back();
    for (const auto& edge : json["edges"]) {
      std::string from = edge["from"];
      if (edge["to"] == to && out.insert(from).second) todo.push_back(from);
    }
  }
  return out;
}

TEST_CASE("a fault on one host fails its step skips only its dependents and converges once cleared", "[examples]") {
  for (const FaultCase& c : fault_cases()) {
    DYNAMIC_SECTION("examples/" << c.example << ": " << c.fault.operation << " on " << c.fault.host) {
      REQUIRE(fs::is_directory(test::source_dir() / "examples" / c.example));
      ExampleCopy copy(c.example, "fault");
      auto init = copy.run({"lab", "init", copy.d()});
      INFO(init.err);
      REQUIRE(init.code == 0);
      std::int64_t id = 0;
      {
        auto estate = copy.estate();
        REQUIRE(estate->hosts().size() >= 2);
        id = estate->add_fault(c.fault);
      }
      const std::set<std::string> after = dependents(copy, c.address);

      auto apply = copy.run({"apply", copy.d(), "--lab", "--auto-approve"});
      INFO("apply with the fault:\n" << apply.out << apply.err);
      CHECK(apply.code == 1);
      std::vector<Step> steps = apply_steps(apply.out);
      REQUIRE_FALSE(steps.empty());
      CHECK(has(apply.out, "\n" + summary_line(steps) + "\n"));
      CHECK(has(apply.out, fmt::format("  failed     {:<8} {} on {}: {} (failed): {}\n", c.action, c.address,
                                       c.fault.host, c.fault.operation, c.fault.message)));
      int skipped = 0, succeeded = 0;
      for (const Step& step : steps) {
        INFO(step.line);
        if (step.address == c.address) {
          CHECK(step.status == "failed");
        } else if (after.contains(step.address)) {
          CHECK(step.status == "skipped");
          CHECK(has(step.line, ": skipped: it depends on "));
          ++skipped;
        } else {
          CHECK(step.status == "succeeded");
          ++succeeded;
        }
      }
      CHECK(skipped > 0);    // the fault has dependents to skip...
      CHECK(succeeded > 0);  // ...and independent steps to finish

      {
        auto estate = copy.estate();
        REQUIRE(estate->remove_fault(id));
      }
      auto again = copy.run({"apply", copy.d(), "--lab", "--auto-approve"});
      INFO("apply once the fault cleared:\n" << again.out << again.err);
      CHECK(again.code == 0);
      std::vector<Step> rerun = apply_steps(again.out);
      CHECK(rerun.size() == static_cast<std::size_t>(1 + skipped));  // the failed step and the skipped ones
      for (const Step& step : rerun) {
        INFO(step.line);
        CHECK(step.status == "succeeded");
      }
      check_converged(copy);
    }
  }
}

// ---- supctl verify: the installs proven from the logs, the proxies checked, on every example.

TEST_CASE("a rotated proxy account password reaches the standalone WSUS server that keeps it", "[examples]") {
  ExampleCopy copy("standalone-wsus", "rotate");
  converge(copy);
  const std::string server = "wsus_server[\"dmzwsus.northwind.com\"]";
  copy.env["NORTHWIND_DMZ_PROXY_PASSWORD"] = "Rotated-proxy-password-never-print-me";
  copy.secret_values.push_back(copy.env["NORTHWIND_DMZ_PROXY_PASSWORD"]);

  fs::path saved = copy.dir / "rotate.plan";
  auto plan = copy.run({"plan", copy.d(), "--lab", "--out", saved.string()});
  INFO("plan --lab --out:\n" << plan.out << plan.err);
  REQUIRE(plan.code == 0);
  CHECK(has(plan.out, "~ account.dmz_proxy"));
  CHECK(has(plan.out, "~ " + server));
  CHECK(has(plan.out, "~ proxy.account.password = (sensitive)"));
  CHECK(has(plan.out, "Plan: 0 to add, 2 to change, 0 to destroy."));
  auto markdown = copy.run({"plan", copy.d(), "--lab", "--format", "markdown"});
  CHECK(has(markdown.out, "proxy.account.password"));

  // The saved plan knows where the passed secret comes from, and applies...
  auto apply = copy.run({"apply", copy.d(), "--lab", "--plan", saved.string()});
  INFO("apply --plan:\n" << apply.out << apply.err);
  CHECK(apply.code == 0);
  CHECK(has(apply.out, "Apply: 2 succeeded, 0 failed, 0 skipped."));
  check_converged(copy);
  // ConfigMgr was given the new password too (Set-CMAccount on an existing account).
  auto password_sets = [&] {
    auto account = copy.estate()->document("nw1site.northwind.com", "configmgr.account", "NORTHWIND\\svc-dmz-proxy");
    REQUIRE(account);
    CHECK_FALSE(has(account->dump(), "never-print-me"));
    return account->value("password_sets", 0);
  };
  CHECK(password_sets() == 2);

  // ...and a plan saved before the next rotation is refused after it.
  copy.env["NORTHWIND_DMZ_PROXY_PASSWORD"] = "Rotated-again-never-print-me";
  copy.secret_values.push_back(copy.env["NORTHWIND_DMZ_PROXY_PASSWORD"]);
  REQUIRE(copy.run({"plan", copy.d(), "--lab", "--out", saved.string()}).code == 0);
  copy.env["NORTHWIND_DMZ_PROXY_PASSWORD"] = "Rotated-a-third-time-never-print-me";
  copy.secret_values.push_back(copy.env["NORTHWIND_DMZ_PROXY_PASSWORD"]);
  auto stale = copy.run({"apply", copy.d(), "--lab", "--plan", saved.string()});
  CHECK(stale.code == 1);
  CHECK(has(stale.err, "changed since the plan was made"));
  REQUIRE(copy.run({"apply", copy.d(), "--lab", "--auto-approve"}).code == 0);
  check_converged(copy);
  CHECK(password_sets() == 3);  // the refused plan set nothing

  std::string everything = plan.out + plan.err + markdown.out + apply.out + apply.err + stale.out + stale.err +
                           test::read_file(saved);
  for (const auto& entry : fs::directory_iterator(copy.dir / ".supctl")) {
    if (entry.is_regular_file()) everything += test::read_file(entry.path());
  }
  for (const std::string& secret : copy.secret_values) CHECK_FALSE(has(everything, secret));
}

TEST_CASE("supctl verify fails before apply and passes after it on every example", "[examples][verify]") {
  for (const std::string& name : example_names()) {
    DYNAMIC_SECTION("examples/" << name) {
      ExampleCopy copy(name, "verify");
      REQUIRE(copy.run({"lab", "init", copy.d()}).code == 0);
      const bool has_sup = [&] {
        for (const fs::path& file : copy.manifests()) {
          if (has(test::read_file(file), "[software_update_point.")) return true;
        }
        return false;
      }();
      auto before = copy.run({"verify", copy.d(), "--lab"});
      INFO("verify before apply:\n" << before.out << before.err);
      if (has_sup) {
        CHECK(before.code == 1);
        CHECK(has(before.out, "not in the logs: none of its 13 milestones is there"));
      } else {
        CHECK(before.code == 0);
        CHECK(has(before.err, "Nothing to verify: the manifests declare no software update point."));
      }
      auto apply = copy.run({"apply", copy.d(), "--lab", "--auto-approve"});
      REQUIRE(apply.code == 0);
      if (has_sup) CHECK(has(apply.err, "proven by 13 milestones in SMSProv.log, SiteComp.log, SUPSetup.log and WCM.log"));
      auto after = copy.run({"verify", copy.d(), "--lab"});
      INFO("verify after apply:\n" << after.out << after.err);
      CHECK(after.code == 0);
      CHECK(has(after.out, " 0 failed.\n"));
      auto json = copy.run({"verify", copy.d(), "--lab", "--format", "json"});
      CHECK(json.code == 0);
      auto parsed = model::Json::parse(json.out, nullptr, false);
      REQUIRE_FALSE(parsed.is_discarded());
      CHECK(parsed["passed"] == true);
      CHECK(parsed["summary"]["failed"] == 0);
      for (const std::string& secret : copy.secret_values) {
        for (const auto* r : {&before, &apply, &after, &json}) {
          CHECK_FALSE(has(r->out + r->err, secret));
        }
      }
    }
  }
}

TEST_CASE("supctl verify reports a WinHTTP and a WSUS proxy that differ from the site system's", "[examples][verify]") {
  ExampleCopy copy("contoso", "verify-proxy");
  REQUIRE(copy.run({"lab", "init", copy.d()}).code == 0);
  REQUIRE(copy.run({"apply", copy.d(), "--lab", "--auto-approve"}).code == 0);
  {
    auto estate = copy.estate();
    // SYSTEM's WinHTTP reset to direct access on PR1's SUP (netsh winhttp reset proxy).
    REQUIRE(estate->delete_value("pr1wsus.contoso.com", "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections",
                                 "WinHttpSettings"));
    // Someone changed the proxy port in the WSUS console on PR2's SUP.
    auto wsus = *estate->document("pr2wsus.contoso.com", "wsus", "server");
    wsus["configuration"]["proxy"]["port"] = 3128;
    estate->put_document("pr2wsus.contoso.com", "wsus", "server", wsus);
  }
  auto verify = copy.run({"verify", copy.d(), "--lab"});
  INFO(verify.out << verify.err);
  CHECK(verify.code == 1);
  CHECK(has(verify.out, "FAIL software_update_point[\"pr1wsus.contoso.com\"] [winhttp-proxy]\n"
                        "  WinHTTP uses direct access (no proxy server), not 'proxy.contoso.com:8080' on pr1wsus.contoso.com: the site "
                        "system's proxy is 'proxy.contoso.com:8080'\n"));
  CHECK(has(verify.out, "= help: as an administrator on pr1wsus.contoso.com run: netsh winhttp set proxy "
                        "proxy-server=\"proxy.contoso.com:8080\" bypass-list=\"<local>\""));
  CHECK(has(verify.out, "FAIL software_update_point[\"pr2wsus.contoso.com\"] [wsus-proxy]\n"
                        "  WSUS on pr2wsus.contoso.com uses proxy 'proxy.contoso.com:3128' as 'CONTOSO\\svc-cm-proxy', but the software "
                        "update point uses the site system's proxy 'proxy.contoso.com:8080' as 'CONTOSO\\svc-cm-proxy'\n"));
  // The WCM.log lines about that server's proxy are quoted, and the help points at WCM.log.
  CHECK(has(verify.out, "Proxy settings set on WSUS Server PR2WSUS.CONTOSO.COM: proxy server proxy.contoso.com, port 8080."));
  CHECK(has(verify.out, "look at WCM.log on pr2site.contoso.com"));
  CHECK(has(verify.out, "\nVerify: 10 passed, 2 failed.\n"));

  // The same checks as JUnit XML, for CI systems: a test case each, the two failures as failures.
  auto junit = copy.run({"verify", copy.d(), "--lab", "--format", "junit"});
  CHECK(junit.code == 1);
  pugi::xml_document document;
  REQUIRE(document.load_string(junit.out.c_str()));
  auto suite = document.child("testsuites").child("testsuite");
  CHECK(suite.attribute("tests").as_int() == 12);
  CHECK(suite.attribute("failures").as_int() == 2);
  int cases = 0;
  std::vector<std::string> failed;
  for (auto testcase : suite.children("testcase")) {
    ++cases;
    if (auto failure = testcase.child("failure")) {
      failed.push_back(std::string(testcase.attribute("classname").value()) + " " + failure.attribute("type").value());
      CHECK(std::string(failure.text().get()).find("help: ") != std::string::npos);
    } else {
      CHECK(testcase.child("system-out"));
    }
  }
  CHECK(cases == 12);
  CHECK(failed == std::vector<std::string>{"software_update_point[\"pr1wsus.contoso.com\"] winhttp-proxy",
                                           "software_update_point[\"pr2wsus.contoso.com\"] wsus-proxy"});
}

TEST_CASE("supctl apply fails honestly when the lab injects an install fault and verify agrees", "[examples][verify]") {
  ExampleCopy copy("contoso", "verify-fault");
  REQUIRE(copy.run({"lab", "init", copy.d()}).code == 0);
  copy.estate()->add_fault(lab::Fault{0, "pr2wsus.contoso.com", "configmgr.role_setup", "failed", "", 1});
  auto apply = copy.run({"apply", copy.d(), "--lab", "--auto-approve"});
  INFO(apply.out << apply.err);
  CHECK(apply.code == 1);
  CHECK(has(apply.out, "  failed     create   software_update_point[\"pr2wsus.contoso.com\"] on pr2site.contoso.com: the software update "
                       "point role on pr2wsus.contoso.com: failed at 'prerequisites installed' (SUPSetup.log on pr2wsus.contoso.com): "
                       "ERROR: Failed to install Pre Req SqlNativeClient"));
  // Progress on stderr: each milestone as it showed, then the failure.
  CHECK(has(apply.err, "pr2site.contoso.com: software_update_point[\"pr2wsus.contoso.com\"]: SUPSetup.log on pr2wsus.contoso.com: role "
                       "setup started ("));
  auto verify = copy.run({"verify", copy.d(), "--lab"});
  INFO(verify.out);
  CHECK(verify.code == 1);
  CHECK(has(verify.out, "FAIL software_update_point[\"pr2wsus.contoso.com\"] [install-log]\n  the software update point role on "
                        "pr2wsus.contoso.com: failed at 'prerequisites installed'"));
  // Fixed (the fault was used once): a re-run installs the role, and verify judges the latest attempt.
  auto again = copy.run({"apply", copy.d(), "--lab", "--auto-approve"});
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  auto now = copy.run({"verify", copy.d(), "--lab"});
  INFO(now.out);
  CHECK(now.code == 0);
}

TEST_CASE("supctl verify judges a SUP by the WCM.log lines about its own server", "[examples][verify]") {
  ExampleCopy copy("contoso", "verify-other");
  REQUIRE(copy.run({"lab", "init", copy.d()}).code == 0);
  REQUIRE(copy.run({"apply", copy.d(), "--lab", "--auto-approve"}).code == 0);
  // Another site system of PR1 that WSUS refuses: pr1wsus's install stays proven.
  copy.estate()->append_log("pr1site.contoso.com", "WCM.log",
                            "<![LOG[Failed to connect to WSUS server PR1OTHER.CONTOSO.COM: System.Net.WebException: The request failed "
                            "with HTTP status 401: Unauthorized.]LOG]!><time=\"09:00:00.000+000\" date=\"11-21-2026\" "
                            "component=\"SMS_WSUS_CONFIGURATION_MANAGER\" context=\"\" type=\"3\" thread=\"5080\" file=\"\">");
  auto other = copy.run({"verify", copy.d(), "--lab"});
  INFO(other.out);
  CHECK(other.code == 0);
  // The same line about pr1wsus itself is a failure of its install, with the access hint.
  copy.estate()->append_log("pr1site.contoso.com", "WCM.log",
                            "<![LOG[Failed to connect to WSUS server PR1WSUS.CONTOSO.COM: System.Net.WebException: The request failed "
                            "with HTTP status 401: Unauthorized.]LOG]!><time=\"09:00:01.000+000\" date=\"11-21-2026\" "
                            "component=\"SMS_WSUS_CONFIGURATION_MANAGER\" context=\"\" type=\"3\" thread=\"5080\" file=\"\">");
  auto own = copy.run({"verify", copy.d(), "--lab"});
  INFO(own.out);
  CHECK(own.code == 1);
  CHECK(has(own.out, "FAIL software_update_point[\"pr1wsus.contoso.com\"] [install-log]\n  the software update point role on "
                     "pr1wsus.contoso.com: failed at 'no unhealthy WSUS components' (WCM.log on pr1site.contoso.com)"));
  CHECK(has(own.out, "put it in the local Administrators and WSUS Administrators groups there"));
}

TEST_CASE("supctl verify refuses a timeout that is not a duration", "[examples][verify]") {
  auto bad = test::run_cli({"verify", (test::source_dir() / "examples/contoso").string(), "--lab", "--timeout", "soon"});
  CHECK(bad.code == 1);
  CHECK(bad.err == "error: --timeout 'soon' is not a duration such as '30m', '90s' or '0'\n");
  auto apply = test::run_cli({"apply", (test::source_dir() / "examples/contoso").string(), "--lab", "--install-timeout", "-5"});
  CHECK(apply.code == 1);
  CHECK(apply.err == "error: --install-timeout '-5' is not a duration such as '30m', '90s' or '0'\n");
}

}  // namespace
}  // namespace supctl::cli
