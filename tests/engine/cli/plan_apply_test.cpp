// plan, apply, state and force-unlock through the command line, against the fake plugin and estate.

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "fakes/fake_plugin.h"
#include "plan/plan.h"
#include "state/fingerprint.h"
#include "state/state.h"
#include "support.h"

namespace supctl::cli {
namespace {

namespace fs = std::filesystem;

const std::string kManifest = R"([host."h1.test"]
transport = "lab"

[host."h2.test"]
transport = "lab"

[fake_file.app]
host = "h1.test"
content = "hello"
password = { env = "APP_PASSWORD" }

[fake_role.web]
host = "h1.test"
level = 2

[fake_file.other]
host = "h2.test"
content = "x"
)";

const std::string kSecret = "Pw-4f2c9e-never-print-me";

/// Passes batches on and notes the transport each host's target asked for when they ran.
class TargetLog final : public ops::Backend {
 public:
  TargetLog(std::unique_ptr<ops::Backend> inner, std::map<std::string, std::string>& seen) : inner_(std::move(inner)), seen_(seen) {}
  std::vector<plugin::OperationResult> run(const ops::HostTarget& host, std::span<const plugin::Operation> batch) override {
    {
      std::lock_guard lock(mutex_);
      seen_[host.name] = host.string("transport").value_or("(none)");
    }
    return inner_->run(host, batch);
  }

 private:
  std::unique_ptr<ops::Backend> inner_;
  std::map<std::string, std::string>& seen_;
  std::mutex mutex_;
};

/// A manifest directory, the fake world it describes, and a CLI context over both.
struct World {
  fs::path dir;
  test::FakeEstate estate;
  test::FakePlugin plugin;
  std::vector<const plugin::Plugin*> plugins{&plugin};
  std::map<std::string, std::string> env{{"APP_PASSWORD", kSecret}};
  std::map<std::string, std::string> transports;  ///< host -> the transport its target said, as apply ran
  Context context;

  explicit World(const std::string& name) : dir(fs::temp_directory_path() / fmt::format("supctl-cli-{}-{}", name, ::getpid())) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    write(kManifest);
    context.plugins = plugins;
    context.make_backend = [this](const fs::path&, bool, std::string*) -> std::unique_ptr<ops::Backend> {
      return std::make_unique<TargetLog>(std::make_unique<ops::RecordingBackend>([this](const std::string& host, const plugin::Operation& op) {
        return estate.handle(host, op);
      }), transports);
    };
    context.now = [] { return std::string("2026-11-21T08:00:00Z"); };
  }
  ~World() { fs::remove_all(dir); }

  void write(const std::string& toml) const { std::ofstream(dir / "main.toml", std::ios::binary) << toml; }
  test::CliResult run(std::vector<std::string> args, bool terminal = false) {
    return test::run_cli_in(&context, std::move(args), terminal, env);
  }
  std::string d() const { return dir.string(); }
  fs::path state_file() const { return dir / ".supctl" / "state.db"; }
};

TEST_CASE("plan shows the changes and --detailed-exitcode says whether there are any") {
  World w("plan");
  auto plan = w.run({"plan", w.d(), "--detailed-exitcode"});
  CHECK(plan.code == 2);
  CHECK(plan.out.find("Plan: 3 to add, 0 to change, 0 to destroy.") != std::string::npos);
  CHECK(plan.out.find("(sensitive)") != std::string::npos);
  CHECK_FALSE(fs::exists(w.state_file()));  // plan never creates or locks the state

  auto apply = w.run({"apply", w.d(), "--auto-approve"});
  CHECK(apply.code == 0);
  CHECK(apply.out.find("Apply: 3 succeeded, 0 failed, 0 skipped.") != std::string::npos);
  auto again = w.run({"plan", w.d(), "--detailed-exitcode"});
  CHECK(again.code == 0);
  CHECK(again.out.find("No changes. The hosts match the manifests.") != std::string::npos);
  CHECK(w.run({"plan", w.d()}).code == 0);
}

TEST_CASE("plan formats json and markdown") {
  World w("formats");
  auto json = nlohmann::json::parse(w.run({"plan", w.d(), "--format", "json"}).out);
  CHECK(json["format_version"] == 3);
  CHECK(json["hosts"] == nlohmann::json{{"h1.test", {{"transport", "lab"}}}, {"h2.test", {{"transport", "lab"}}}});
  CHECK(json["summary"]["add"] == 3);
  auto markdown = w.run({"plan", w.d(), "--format", "markdown"});
  CHECK(markdown.out.find("**Plan: 3 to add, 0 to change, 0 to destroy.**") != std::string::npos);
  CHECK(markdown.out.find("<details>") != std::string::npos);
}

TEST_CASE("apply --plan applies exactly the saved plan and refuses a stale one") {
  World w("saved");
  fs::path file = w.dir / "plan.json";
  REQUIRE(w.run({"plan", w.d(), "--out", file.string()}).code == 0);
  struct stat info {};
  REQUIRE(::stat(file.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(test::read_file(file).find(kSecret) == std::string::npos);

  // The first apply of a plan made before there was a state works and creates it...
  auto first = w.run({"apply", w.d(), "--plan", file.string()});
  CHECK(first.code == 0);
  CHECK(first.out.find("Apply: 3 succeeded") != std::string::npos);
  // ...and the same file is then stale: the state moved.
  auto again = w.run({"apply", w.d(), "--plan", file.string()});
  CHECK(again.code == 1);
  CHECK(again.err.find("is stale: the plan was made against another state") != std::string::npos);

  // A saved plan is applied as it was reviewed: manifests edited since do not change it (as in
  // Terraform); the next plan picks the edit up.
  std::string changed = kManifest;
  changed.replace(changed.find("content = \"hello\""), 17, "content = \"hello again\"");
  w.write(changed);
  REQUIRE(w.run({"plan", w.d(), "--out", file.string()}).code == 0);
  w.write(changed + "\n[fake_file.late]\nhost = \"h2.test\"\n");
  auto edited = w.run({"apply", w.d(), "--plan", file.string()});
  CHECK(edited.code == 0);
  CHECK(edited.out.find("Apply: 1 succeeded, 0 failed, 0 skipped.") != std::string::npos);
  CHECK(w.estate.get("h1.test", "fake_file.app")->at("content") == "hello again");
  CHECK_FALSE(w.estate.get("h2.test", "fake_file.late"));
  w.write(kManifest);

  w.env["APP_PASSWORD"] = "rotated";
  REQUIRE(w.run({"plan", w.d(), "--out", file.string()}).code == 0);
  w.env["APP_PASSWORD"] = "rotated-again";
  auto secret = w.run({"apply", w.d(), "--plan", file.string()});
  CHECK(secret.code == 1);
  CHECK(secret.err.find("the secret of fake_file.app.password changed since the plan was made") != std::string::npos);

  auto json = nlohmann::json::parse(test::read_file(file));
  json["plugin_api_version"] = 99;
  std::ofstream(file) << json.dump();
  auto api = w.run({"apply", w.d(), "--plan", file.string()});
  CHECK(api.err.find("the plan was made with plugin API version 99") != std::string::npos);

  std::ofstream(file) << "not json";
  auto garbage = w.run({"apply", w.d(), "--plan", file.string()});
  CHECK(garbage.code == 1);
  CHECK(garbage.err.find("is not a supctl plan") != std::string::npos);
}

TEST_CASE("apply --plan reads the plan and the secrets, not the manifests: deleted or broken, they are not needed") {
  World w("planonly");
  fs::path file = w.dir / "plan.json";
  REQUIRE(w.run({"plan", w.d(), "--out", file.string()}).code == 0);
  w.transports.clear();  // the plan's reads

  SECTION("deleted") { fs::remove(w.dir / "main.toml"); }
  SECTION("broken") { w.write("this is [not toml\n"); }
  SECTION("pointing the hosts elsewhere") {
    std::string elsewhere = kManifest;
    elsewhere.replace(elsewhere.find("transport = \"lab\""), 17, "transport = \"ssh\"");
    w.write(elsewhere);
  }

  auto apply = w.run({"apply", w.d(), "--plan", file.string()});
  INFO(apply.err);
  CHECK(apply.code == 0);
  CHECK(apply.out.find("Apply: 3 succeeded, 0 failed, 0 skipped.") != std::string::npos);
  CHECK(w.estate.get("h1.test", "fake_file.app"));
  CHECK(w.estate.get("h2.test", "fake_file.other"));
  // Each host was reached as the plan said when it was made.
  CHECK(w.transports == std::map<std::string, std::string>{{"h1.test", "lab"}, {"h2.test", "lab"}});
  CHECK(w.estate.secrets_seen() == std::set<std::string>{kSecret});
}

TEST_CASE("a saved plan with a host target taken out or a secret written in is refused and nothing changes") {
  World w("tampered");
  fs::path file = w.dir / "plan.json";
  REQUIRE(w.run({"plan", w.d(), "--out", file.string()}).code == 0);
  w.transports.clear();  // the plan's reads
  auto json = nlohmann::json::parse(test::read_file(file));

  SECTION("a target taken out") {
    json["hosts"].erase("h1.test");
    std::ofstream(file, std::ios::trunc) << json.dump(2);
    auto apply = w.run({"apply", w.d(), "--plan", file.string()});
    CHECK(apply.code == 1);
    CHECK(apply.err == fmt::format("error: '{}' is not a supctl plan: resource_changes[0].host: 'h1.test' has no entry in 'hosts', "
                                   "so apply cannot know how to reach it; make the plan again with 'supctl plan --out FILE'\n",
                                   file.string()));
  }
  SECTION("no targets at all") {
    json.erase("hosts");
    std::ofstream(file, std::ios::trunc) << json.dump(2);
    auto apply = w.run({"apply", w.d(), "--plan", file.string()});
    CHECK(apply.code == 1);
    CHECK(apply.err == fmt::format("error: '{}' is not a supctl plan: missing key 'hosts'\n", file.string()));
  }
  SECTION("a password written in") {
    json["hosts"]["h1.test"]["password"] = kSecret;
    std::ofstream(file, std::ios::trunc) << json.dump(2);
    auto apply = w.run({"apply", w.d(), "--plan", file.string()});
    CHECK(apply.code == 1);
    CHECK(apply.err.find("hosts[\"h1.test\"].password: expected a secret reference") != std::string::npos);
    CHECK(apply.err.find(kSecret) == std::string::npos);
  }
  SECTION("a setting of the wrong type, which a transport would choke on") {
    json["hosts"]["h1.test"]["winrm"] = {{"port", "5986"}};
    std::ofstream(file, std::ios::trunc) << json.dump(2);
    auto apply = w.run({"apply", w.d(), "--plan", file.string()});
    CHECK(apply.code == 1);
    CHECK(apply.err == fmt::format("error: '{}' is not a supctl plan: hosts[\"h1.test\"].winrm.port: expected an integer, found a string\n"
                                   "  = nothing was changed: make a new plan with 'supctl plan --out {}'\n",
                                   file.string(), file.string()));
  }
  SECTION("a setting supctl does not know, or a transport it does not have") {
    const bool unknown = GENERATE(true, false);
    if (unknown) json["hosts"]["h2.test"]["proxy_command"] = "nc evil 22";
    else json["hosts"]["h2.test"]["transport"] = "telnet";
    std::ofstream(file, std::ios::trunc) << json.dump(2);
    auto apply = w.run({"apply", w.d(), "--plan", file.string()});
    CHECK(apply.code == 1);
    CHECK(apply.err.find(unknown ? "hosts[\"h2.test\"].proxy_command: not a setting supctl knows"
                                 : "hosts[\"h2.test\"].transport: expected one of") != std::string::npos);
  }
  SECTION("a password written into a list") {
    json["hosts"]["h1.test"]["winrm"] = {{"extra", {{{"password", kSecret}}}}};
    std::ofstream(file, std::ios::trunc) << json.dump(2);
    auto apply = w.run({"apply", w.d(), "--plan", file.string()});
    CHECK(apply.code == 1);
    CHECK(apply.err.find("hosts[\"h1.test\"].winrm.extra[0].password: expected a secret reference") != std::string::npos);
    CHECK(apply.err.find(kSecret) == std::string::npos);
  }
  SECTION("a plan of the format before targets") {
    json["format_version"] = 1;
    std::ofstream(file, std::ios::trunc) << json.dump(2);
    auto apply = w.run({"apply", w.d(), "--plan", file.string()});
    CHECK(apply.code == 1);
    CHECK(apply.err.find("this plan was written in format 1; this supctl reads format 3: make it again with 'supctl plan --out FILE'") !=
          std::string::npos);
  }
  SECTION("a plan made before scrypt fingerprints") {
    json["format_version"] = 2;
    std::ofstream(file, std::ios::trunc) << json.dump(2);
    auto apply = w.run({"apply", w.d(), "--plan", file.string()});
    CHECK(apply.code == 1);
    CHECK(apply.err.find("this plan was written in format 2, whose secret fingerprints (HMAC-SHA256) are no longer made; this "
                         "supctl reads format 3: make it again with 'supctl plan --out FILE'") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(w.state_file()));
  CHECK_FALSE(w.estate.get("h1.test", "fake_file.app"));
  CHECK(w.transports.empty());
}

TEST_CASE("apply --plan never starts a new state in the wrong place") {
  World w("wrongdir");
  fs::path file = w.dir / "plan.json";
  REQUIRE(w.run({"apply", w.d(), "--auto-approve"}).code == 0);  // a state with a lineage
  w.write(kManifest + "\n[fake_file.more]\nhost = \"h2.test\"\ncontent = \"y\"\n");
  REQUIRE(w.run({"plan", w.d(), "--out", file.string()}).code == 0);
  fs::path elsewhere = w.dir / "elsewhere";
  fs::create_directories(elsewhere);

  SECTION("another directory, whose state does not exist") {
    auto apply = w.run({"apply", elsewhere.string(), "--plan", file.string()});
    CHECK(apply.code == 1);
    CHECK(apply.err.find(fmt::format("error: the plan '{}' was made against a state, but there is none at '{}'", file.string(),
                                     (elsewhere / ".supctl" / "state.db").string())) != std::string::npos);
    CHECK_FALSE(fs::exists(elsewhere / ".supctl"));
  }
  SECTION("a directory that does not exist") {
    auto apply = w.run({"apply", (w.dir / "typo").string(), "--plan", file.string()});
    CHECK(apply.code == 1);
    CHECK(apply.err.find("is not a directory; nothing was changed") != std::string::npos);
    CHECK_FALSE(fs::exists(w.dir / "typo"));
  }
  CHECK_FALSE(w.estate.get("h2.test", "fake_file.more"));
  // From the right directory it applies.
  CHECK(w.run({"apply", w.d(), "--plan", file.string()}).code == 0);
  CHECK(w.estate.get("h2.test", "fake_file.more"));
}

TEST_CASE("apply never prompts without a terminal and asks for yes with one") {
  World w("prompt");
  auto refused = w.run({"apply", w.d()});
  CHECK(refused.code == 1);
  CHECK(refused.err.find("apply needs --auto-approve when standard input is not a terminal; nothing was changed") != std::string::npos);
  CHECK_FALSE(w.estate.get("h1.test", "fake_file.app"));

  std::istringstream no("no\n");
  w.context.in = &no;
  w.context.in_is_terminal = true;
  auto cancelled = w.run({"apply", w.d()});
  CHECK(cancelled.code == 1);
  CHECK(cancelled.err.find("Apply cancelled; nothing was changed.") != std::string::npos);
  CHECK_FALSE(w.estate.get("h1.test", "fake_file.app"));

  std::istringstream yes("yes\n");
  w.context.in = &yes;
  auto approved = w.run({"apply", w.d()});
  CHECK(approved.code == 0);
  CHECK(approved.out.find("Apply these changes? Only 'yes' is accepted:") != std::string::npos);
  CHECK(w.estate.get("h1.test", "fake_file.app"));
}

TEST_CASE("a failed step makes apply exit 1 with the table of what happened") {
  World w("failure");
  w.estate.fail_puts_to("fake_file.app");
  auto result = w.run({"apply", w.d(), "--auto-approve"});
  CHECK(result.code == 1);
  CHECK(result.out.find("Apply: 1 succeeded, 1 failed, 1 skipped.") != std::string::npos);
  CHECK(result.out.find("  failed     create   fake_file.app on h1.test: fake.put (failed): install failed: the fake says no") !=
        std::string::npos);
  CHECK(result.out.find("  skipped    create   fake_role.web on h1.test: skipped: it depends on fake_file.app, which did not succeed") !=
        std::string::npos);
}

TEST_CASE("state list show and rm") {
  World w("state");
  REQUIRE(w.run({"apply", w.d(), "--auto-approve"}).code == 0);
  std::string state = w.state_file().string();
  auto list = w.run({"state", "list", "--state", state});
  CHECK(list.code == 0);
  CHECK(list.out.find("fake_file.app") != std::string::npos);
  CHECK(list.out.find("created") != std::string::npos);
  auto show = w.run({"state", "show", "fake_file.app", "--dir", w.d()});
  CHECK(show.code == 0);
  auto json = nlohmann::json::parse(show.out);
  CHECK(json["attributes"]["content"] == "hello");
  CHECK(json["attributes"]["password"] == nlohmann::json{{"env", "APP_PASSWORD"}});
  REQUIRE(json["secrets"].size() == 1);
  CHECK(json["secrets"][0]["attribute"] == "password");
  CHECK(json["secrets"][0]["fingerprint"] == "scrypt (N=2^14, r=8, p=1) with the state's salt");
  CHECK(json["secrets"][0]["recorded_at"] == json["updated_at"]);
  CHECK(show.out.find(kSecret) == std::string::npos);
  CHECK(show.out.find("scrypt:ln") == std::string::npos);  // whether one is recorded, never its value

  auto rm = w.run({"state", "rm", "fake_file.other", "--state", state});
  CHECK(rm.code == 0);
  CHECK(rm.out == "Removed fake_file.other from the state: supctl forgets it; the host keeps it.\n");
  CHECK(w.estate.get("h2.test", "fake_file.other"));
  CHECK(w.run({"state", "rm", "fake_file.other", "--state", state}).code == 1);
  CHECK(w.run({"state", "show", "not an address", "--state", state}).err.find("is not a resource address") != std::string::npos);
  auto missing = w.run({"state", "list", "--state", (w.dir / "nope.db").string()});
  CHECK(missing.code == 1);
  CHECK(missing.err.find("there is no state at") != std::string::npos);

  // Forgotten, then declared again: plan adopts what is on the host (no create).
  auto plan = w.run({"plan", w.d(), "--detailed-exitcode"});
  CHECK(plan.code == 0);
}

// A child process runs `apply` and blocks inside its first mutation, holding the lock.
TEST_CASE("a second apply fails at once naming the lock holder and nothing is corrupted") {
  World w("twoapply");
  int to_parent[2], to_child[2];
  REQUIRE(::pipe(to_parent) == 0);
  REQUIRE(::pipe(to_child) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    w.estate.hold_mutations_after(0, [&] {
      char c = 'h';
      (void)!::write(to_parent[1], &c, 1);
      (void)!::read(to_child[0], &c, 1);  // until the parent lets go
    });
    auto result = w.run({"apply", w.d(), "--auto-approve", "--parallelism", "1"});
    std::ofstream(w.dir / "child.log") << result.out << result.err;
    ::_exit(result.code);
  }
  ::close(to_parent[1]);  // so that a child that ends early gives end-of-file, not a hang
  ::close(to_child[0]);
  char c;
  INFO(test::read_file(w.dir / "child.log"));
  REQUIRE(::read(to_parent[0], &c, 1) == 1);  // the child is inside apply, holding the lock
  auto second = w.run({"apply", w.d(), "--auto-approve"});
  CHECK(second.code == 1);
  CHECK(second.err.find(fmt::format("(pid {}) for apply", child)) != std::string::npos);
  CHECK(second.err.find("lock ID") != std::string::npos);
  CHECK(w.run({"plan", w.d()}).code == 0);  // plan takes no lock
  c = 'g';
  REQUIRE(::write(to_child[1], &c, 1) == 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  std::string error;
  auto store = state::StateStore::open(w.state_file(), &error);
  REQUIRE(store);
  CHECK(store->resources().size() == 3);
  CHECK_FALSE(store->current_lock());
  CHECK(store->runs().back().status == "succeeded");
}

TEST_CASE("an apply killed between steps leaves a readable journal and the next apply converges") {
  World w("sigkill");
  fs::path estate_file = w.dir / "estate.json";
  int to_parent[2];
  REQUIRE(::pipe(to_parent) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    w.estate.persist_to(estate_file);
    w.estate.hold_mutations_after(2, [&] {
      char c = 'k';
      (void)!::write(to_parent[1], &c, 1);
      ::pause();  // killed here, in the middle of the apply
    });
    auto result = w.run({"apply", w.d(), "--auto-approve", "--parallelism", "1"});
    ::_exit(result.code);
  }
  ::close(to_parent[1]);
  char c;
  REQUIRE(::read(to_parent[0], &c, 1) == 1);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFSIGNALED(status));

  std::string error;
  {
    auto store = state::StateStore::open(w.state_file(), &error);
    REQUIRE(store);
    REQUIRE(store->runs().size() == 1);
    CHECK(store->runs()[0].status == "running");
    int succeeded = 0, started = 0;
    for (const auto& e : store->journal_entries()) {
      succeeded += e.status == "succeeded";
      started += e.status == "started";
    }
    CHECK(succeeded == 2);
    CHECK(started == 3);  // the third step had started when the process died
    CHECK(store->resources().size() == 2);
    auto lock = store->current_lock();
    REQUIRE(lock);
    CHECK(lock->stale);
    REQUIRE(w.run({"force-unlock", lock->id, "--dir", w.d()}).code == 0);
  }
  REQUIRE(w.estate.load_from(estate_file));
  auto plan = w.run({"plan", w.d(), "--detailed-exitcode"});
  CHECK(plan.code == 2);
  CHECK(plan.out.find("Plan: 1 to add, 0 to change, 0 to destroy.") != std::string::npos);
  CHECK(w.run({"apply", w.d(), "--auto-approve"}).code == 0);
  CHECK(w.run({"plan", w.d(), "--detailed-exitcode"}).code == 0);
}

TEST_CASE("force-unlock with a wrong ID says so") {
  World w("unlock");
  REQUIRE(w.run({"apply", w.d(), "--auto-approve"}).code == 0);
  auto wrong = w.run({"force-unlock", "0123456789abcdef", "--dir", w.d()});
  CHECK(wrong.code == 1);
  CHECK(wrong.err.find("there is no lock") != std::string::npos);
}

/// The fingerprint recorded for fake_file.app's password.
std::string recorded_fingerprint(const World& w) {
  std::string error;
  auto store = state::StateStore::open(w.state_file(), &error);
  REQUIRE(store);
  auto record = store->resource(model::Address{"fake_file", "app"});
  REQUIRE(record);
  return record->fingerprints.at("password");
}

TEST_CASE("with a state key, fingerprints are keyed, and a run with another key or none stops before it compares") {
  World w("state-key");
  w.env["SUPCTL_STATE_KEY"] = "the right key";
  REQUIRE(w.run({"apply", w.d(), "--auto-approve"}).code == 0);
  CHECK(recorded_fingerprint(w).starts_with("scrypt+key:ln=14,r=8,p=1:"));
  CHECK(w.run({"plan", w.d(), "--detailed-exitcode"}).code == 0);

  w.env["SUPCTL_STATE_KEY"] = "a wrong key";
  auto wrong = w.run({"plan", w.d(), "--detailed-exitcode"});
  CHECK(wrong.code == 1);
  CHECK(wrong.err.find("this run's state key is not the one the state's secret fingerprints were made with") != std::string::npos);
  CHECK(wrong.out.find("password") == std::string::npos);  // never "every password changed"
  w.env.erase("SUPCTL_STATE_KEY");
  auto none = w.run({"apply", w.d(), "--auto-approve"});
  CHECK(none.code == 1);
  CHECK(none.err.find("this run has none: set SUPCTL_STATE_KEY (or the hierarchy's state_key)") != std::string::npos);
  CHECK(none.err.find("nothing was compared or changed") != std::string::npos);
  CHECK(none.err.find("the right key") == std::string::npos);
}

TEST_CASE("plan --format json names each fingerprint as recorded, never its value, and cannot be applied") {
  World w("json-fingerprints");
  REQUIRE(w.run({"apply", w.d(), "--auto-approve"}).code == 0);
  w.env["APP_PASSWORD"] = "rotated";
  auto json = w.run({"plan", w.d(), "--format", "json"});
  REQUIRE(json.code == 0);
  CHECK(json.out.find("scrypt") == std::string::npos);
  auto parsed = nlohmann::json::parse(json.out);
  REQUIRE(parsed["resource_changes"].size() == 1);
  CHECK(parsed["resource_changes"][0]["fingerprints"]["password"] == "(recorded)");
  fs::path file = w.dir / "printed.json";
  std::ofstream(file) << json.out;
  auto apply = w.run({"apply", w.d(), "--plan", file.string()});
  CHECK(apply.code == 1);
  CHECK(apply.err.find("this is a plan printed by 'plan --format json', which leaves fingerprints out") != std::string::npos);
  fs::path saved = w.dir / "saved.json";
  REQUIRE(w.run({"plan", w.d(), "--out", saved.string()}).code == 0);
  CHECK(test::read_file(saved).find("\"password\": \"scrypt:ln=14,r=8,p=1:") != std::string::npos);
}

TEST_CASE("a plan saved under a state key is not applied without it") {
  World w("state-key-saved");
  REQUIRE(w.run({"apply", w.d(), "--auto-approve"}).code == 0);  // no key: plain scrypt, no key check yet
  fs::path file = w.dir / "plan.json";
  w.env["SUPCTL_STATE_KEY"] = "a key";
  REQUIRE(w.run({"plan", w.d(), "--out", file.string()}).code == 0);
  CHECK(nlohmann::json::parse(test::read_file(file))["resource_changes"].empty());  // the unkeyed fingerprint still matches
  std::string changed = kManifest;
  changed.replace(changed.find("content = \"hello\""), 17, "content = \"hello again\"");
  w.write(changed);
  REQUIRE(w.run({"plan", w.d(), "--out", file.string()}).code == 0);
  w.env.erase("SUPCTL_STATE_KEY");
  auto apply = w.run({"apply", w.d(), "--plan", file.string()});
  CHECK(apply.code == 1);
  CHECK(apply.err.find("is stale: the plan was made with a state key, and this run has none") != std::string::npos);
  w.env["SUPCTL_STATE_KEY"] = "another key";
  auto other = w.run({"apply", w.d(), "--plan", file.string()});
  CHECK(other.code == 1);
  CHECK(other.err.find("is stale: the plan was made with another state key than this run's") != std::string::npos);
  w.env["SUPCTL_STATE_KEY"] = "a key";
  CHECK(w.run({"apply", w.d(), "--plan", file.string()}).code == 0);
  CHECK(recorded_fingerprint(w).starts_with("scrypt+key:"));
}

TEST_CASE("a fingerprint of the old kind still says the secret is unchanged, and apply replaces it") {
  World w("old-fingerprint");
  REQUIRE(w.run({"apply", w.d(), "--auto-approve"}).code == 0);
  {
    // Rewrite the recorded fingerprint as supctl 0.1.0 before scrypt made it: HMAC-SHA256 under
    // the state's fingerprint_key (state_test holds that function to Python's hmac).
    std::string error;
    auto store = state::StateStore::open(w.state_file(), &error);
    REQUIRE(store);
    auto record = store->resource(model::Address{"fake_file", "app"});
    REQUIRE(record);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(w.state_file().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* select = nullptr;
    sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'fingerprint_key'", -1, &select, nullptr);
    REQUIRE(sqlite3_step(select) == SQLITE_ROW);
    std::string key_hex = reinterpret_cast<const char*>(sqlite3_column_text(select, 0));
    sqlite3_finalize(select);
    sqlite3_close(db);
    std::vector<unsigned char> key;
    for (std::size_t i = 0; i < key_hex.size(); i += 2) key.push_back(static_cast<unsigned char>(std::stoi(key_hex.substr(i, 2), nullptr, 16)));
    auto digest = state::hmac_sha256(key, {reinterpret_cast<const unsigned char*>(kSecret.data()), kSecret.size()});
    record->fingerprints["password"] = state::format_fingerprint(state::Fingerprint::Kind::kHmac, {}, digest);
    REQUIRE(record->fingerprints["password"].size() == 64);
    REQUIRE(store->put_resource(*record, &error));
  }
  auto plan = w.run({"plan", w.d(), "--detailed-exitcode"});
  CHECK(plan.code == 0);  // recognised: no rotation
  CHECK(recorded_fingerprint(w).size() == 64);
  auto shown = nlohmann::json::parse(w.run({"state", "show", "fake_file.app", "--dir", w.d()}).out);
  CHECK(shown["secrets"][0]["fingerprint"].get<std::string>().starts_with("HMAC-SHA256, the old kind: replaced"));

  // The next apply that sends the secret records it the new way.
  std::string changed = kManifest;
  changed.replace(changed.find("content = \"hello\""), 17, "content = \"hello again\"");
  w.write(changed);
  REQUIRE(w.run({"apply", w.d(), "--auto-approve"}).code == 0);
  CHECK(recorded_fingerprint(w).starts_with("scrypt:ln=14,r=8,p=1:"));
  CHECK(w.run({"plan", w.d(), "--detailed-exitcode"}).code == 0);
}

TEST_CASE("no output of a run with secrets contains them") {
  World w("grep");
  std::string everything;
  for (const char* format : {"text", "json", "markdown"}) {
    auto r = w.run({"plan", w.d(), "--format", format, "--out", (w.dir / "p.json").string()});
    everything += r.out + r.err + test::read_file(w.dir / "p.json");
  }
  auto apply = w.run({"apply", w.d(), "--auto-approve"});
  everything += apply.out + apply.err;
  w.env["APP_PASSWORD"] = kSecret + "-rotated";
  auto rotate = w.run({"apply", w.d(), "--auto-approve"});
  everything += rotate.out + rotate.err;
  auto show = w.run({"state", "show", "fake_file.app", "--dir", w.d()});
  everything += show.out;
  for (const auto& entry : fs::directory_iterator(w.dir / ".supctl")) everything += test::read_file(entry.path());
  CHECK(rotate.out.find("~ password = (sensitive)") != std::string::npos);
  CHECK(everything.find(kSecret) == std::string::npos);
  CHECK(w.estate.secrets_seen().contains(kSecret + "-rotated"));  // it did reach the host
}

TEST_CASE("graph prints dot mermaid and json") {
  World w("graph");
  auto dot = w.run({"graph", w.d()});
  CHECK(dot.code == 0);
  CHECK(dot.out.find("\"fake_role.web\" -> \"fake_file.app\" [label=\"same host\"];") != std::string::npos);
  CHECK(w.run({"graph", w.d(), "--format", "mermaid"}).out.starts_with("flowchart RL"));
  auto json = nlohmann::json::parse(w.run({"graph", w.d(), "--format", "json"}).out);
  CHECK(json["vertices"].size() == 5);
  w.write(kManifest + "\n[fake_file.loop]\nhost = \"h1.test\"\ndepends_on = [\"fake_role.web\"]\n" +
          "[fake_file.loop2]\nhost = \"h1.test\"\ndepends_on = [\"fake_file.loop\"]\n");
  // fake_role.web depends on every file of h1.test, so the loop closes through depends_on.
  auto cycle = w.run({"graph", w.d()});
  CHECK(cycle.code == 1);
  CHECK(cycle.err.find("dependency cycle: fake_file.loop -> fake_role.web -> fake_file.loop") != std::string::npos);
}

}  // namespace
}  // namespace supctl::cli

namespace supctl::cli {
namespace {

TEST_CASE("SUPCTL_STATE moves the state and --state overrides it") {
  World w("stateenv");
  fs::path elsewhere = w.dir / "elsewhere" / "s.db";
  w.env["SUPCTL_STATE"] = elsewhere.string();
  REQUIRE(w.run({"apply", w.d(), "--auto-approve"}).code == 0);
  CHECK(fs::exists(elsewhere));
  CHECK_FALSE(fs::exists(w.state_file()));
  CHECK(w.run({"state", "list"}).out.find("fake_file.app") != std::string::npos);
  auto explicit_state = w.run({"state", "list", "--state", (w.dir / "other.db").string()});
  CHECK(explicit_state.code == 1);  // --state wins, and there is no state there
}

TEST_CASE("a malformed --lock-timeout or --parallelism is refused before anything runs") {
  World w("flags");
  auto timeout = w.run({"apply", w.d(), "--auto-approve", "--lock-timeout", "soon"});
  CHECK(timeout.code == 1);
  CHECK(timeout.err == "error: --lock-timeout 'soon' is not a duration such as '30s', '5m' or '0'\n");
  CHECK(w.run({"apply", w.d(), "--auto-approve", "--parallelism", "0"}).err == "error: --parallelism must be at least 1\n");
  CHECK(w.run({"plan", w.d(), "--target", "not-an-address"}).err ==
        "error: --target 'not-an-address' is not a resource address (KIND.NAME or KIND[\"NAME\"])\n");
  CHECK_FALSE(fs::exists(w.state_file()));
}

}  // namespace
}  // namespace supctl::cli

namespace supctl::cli {
namespace {

TEST_CASE("an apply whose lock is taken from it stops before its next wave") {
  World w("lostlock");
  std::string manifest = kManifest;
  const std::string role = "[fake_role.web]\nhost = \"h1.test\"\nlevel = 2\n";
  REQUIRE(manifest.find(role) != std::string::npos);
  manifest.replace(manifest.find(role), role.size(), role + "depends_on = ['fake_file.app']\n");
  w.write(manifest);
  // Inside the first wave, someone removes the lock (force-unlock, or a database that dropped the session).
  w.estate.hold_mutations_after(0, [&] {
    std::string error;
    auto other = state::StateStore::open(w.state_file(), &error);
    REQUIRE(other);
    auto lock = other->current_lock();
    REQUIRE(lock);
    REQUIRE(other->force_unlock(lock->id, &error));
  });
  auto apply = w.run({"apply", w.d(), "--auto-approve", "--parallelism", "1"});
  CHECK(apply.code == 1);
  CHECK(apply.out.find("the state's lock was lost") != std::string::npos);
  std::string error;
  auto store = state::StateStore::open(w.state_file(), &error);
  REQUIRE(store);
  CHECK_FALSE(store->resource(model::Address{"fake_role", "web"}));  // the second wave never ran
  CHECK(store->resource(model::Address{"fake_file", "app"}));
}

}  // namespace
}  // namespace supctl::cli
