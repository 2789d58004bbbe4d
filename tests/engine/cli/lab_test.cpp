// The lab commands and the whole flow on the lab estate, through the real program's context.

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include "backends/lab/estate.h"
#include "support.h"

namespace supctl::cli {
namespace {

namespace fs = std::filesystem;

/// A copy of examples/wsus-host-baseline in a temporary directory.
struct Baseline {
  fs::path dir = fs::temp_directory_path() / fmt::format("supctl-lab-{}", ::getpid());
  Baseline() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy_file(test::source_dir() / "examples/wsus-host-baseline/baseline.toml", dir / "baseline.toml");
  }
  ~Baseline() { fs::remove_all(dir); }
  std::string d() const { return dir.string(); }
};

TEST_CASE("lab init seeds every machine the manifests name and the services they configure") {
  Baseline b;
  auto show_before = test::run_cli({"lab", "show", b.d()});
  CHECK(show_before.code == 1);
  CHECK(show_before.err.find("there is no lab estate") != std::string::npos);
  auto init = test::run_cli({"lab", "init", b.d()});
  CHECK(init.code == 0);
  CHECK(init.out.find("Seeded the lab estate") != std::string::npos);
  CHECK(init.out.find("2 hosts") != std::string::npos);
  auto show = test::run_cli({"lab", "show", b.d()});
  CHECK(show.out.find("wsus01.contoso.com (Windows Server 2022 10.0.20348)") != std::string::npos);
  CHECK(show.out.find("service WsusService") != std::string::npos);
  CHECK(test::run_cli({"lab", "init", b.d()}).out.find("Completed the lab estate") != std::string::npos);
  CHECK(test::run_cli({"lab", "reset", b.d()}).code == 0);
  CHECK(test::run_cli({"lab", "show", b.d()}).out.find("wsus01") == std::string::npos);
}

TEST_CASE("plan and apply converge on the lab and drift made in the lab is found and repaired") {
  Baseline b;
  REQUIRE(test::run_cli({"lab", "init", b.d()}).code == 0);
  auto plan = test::run_cli({"plan", b.d(), "--detailed-exitcode"});
  INFO(plan.err);
  CHECK(plan.code == 2);
  CHECK(plan.out.find("Plan: 5 to add, 3 to change, 0 to destroy.") != std::string::npos);
  auto apply = test::run_cli({"apply", b.d(), "--auto-approve"});
  INFO(apply.out << apply.err);
  CHECK(apply.code == 0);
  CHECK(apply.out.find("Apply: 8 succeeded, 0 failed, 0 skipped.") != std::string::npos);
  CHECK(test::run_cli({"plan", b.d(), "--detailed-exitcode"}).code == 0);

  auto drift = test::run_cli({"lab", "drift", b.d(), "registry_value.wsus01_pool_queue", "data=10"});
  INFO(drift.err);
  CHECK(drift.code == 0);
  auto found = test::run_cli({"plan", b.d(), "--detailed-exitcode"});
  CHECK(found.code == 2);
  CHECK(found.out.find("~ data = 2000 -> 10") != std::string::npos);
  CHECK(found.out.find("(drift)") != std::string::npos);
  CHECK(test::run_cli({"apply", b.d(), "--auto-approve"}).code == 0);
  CHECK(test::run_cli({"plan", b.d(), "--detailed-exitcode"}).code == 0);

  auto bad = test::run_cli({"lab", "drift", b.d(), "registry_value.wsus01_pool_queue", "colour=blue"});
  CHECK(bad.code == 1);
  CHECK(bad.err == "error: 'colour=blue' is not KEY=VALUE with a KEY that registry_value has\n");
}

TEST_CASE("an injected fault fails its step with a clear error and a re-run converges once it clears") {
  Baseline b;
  REQUIRE(test::run_cli({"lab", "init", b.d()}).code == 0);
  std::string error;
  {
    auto estate = lab::Estate::open(b.dir / ".supctl" / "lab", &error);
    REQUIRE(estate);
    estate->add_fault(lab::Fault{0, "wsus02.contoso.com", "service.set", "will_not_start", "", 1});
  }
  auto apply = test::run_cli({"apply", b.d(), "--auto-approve"});
  CHECK(apply.code == 1);
  CHECK(apply.out.find("failed     update   service.wsus02_wsus on wsus02.contoso.com: service.set (failed): the service did not start") !=
        std::string::npos);
  CHECK(apply.out.find("Apply: 7 succeeded, 1 failed, 0 skipped.") != std::string::npos);
  CHECK(test::run_cli({"apply", b.d(), "--auto-approve"}).code == 0);
  CHECK(test::run_cli({"plan", b.d(), "--detailed-exitcode"}).code == 0);
}

TEST_CASE("a host that is not in the lab and one with a live transport that cannot connect are clear errors") {
  Baseline b;
  auto no_lab = test::run_cli({"plan", b.d(), "--lab"});
  CHECK(no_lab.code == 1);
  CHECK(no_lab.err.find("there is no lab estate in") != std::string::npos);
  REQUIRE(test::run_cli({"lab", "init", b.d()}).code == 0);
  std::ofstream(b.dir / "extra.toml") << "[host.\"wsus03.contoso.com\"]\ntransport = \"winrm\"\n"
                                         "[service.wsus03]\nhost = \"wsus03.contoso.com\"\nname = \"WsusService\"\n";
  auto winrm = test::run_cli({"plan", b.d()});
  CHECK(winrm.code == 1);
  // Not a lab host: the live path tries WinRM and says why it cannot connect.
  CHECK(winrm.err.find("service.get (unreachable): winrm: cannot resolve 'wsus03.contoso.com' to reach port 5986") != std::string::npos);
}

}  // namespace
}  // namespace supctl::cli

namespace supctl::cli {
namespace {

TEST_CASE("resources that leave the manifests are deleted or forgotten without false drift") {
  Baseline b;
  REQUIRE(test::run_cli({"lab", "init", b.d()}).code == 0);
  REQUIRE(test::run_cli({"apply", b.d(), "--auto-approve"}).code == 0);
  std::string manifest = test::read_file(b.dir / "baseline.toml");
  auto cut = [&](const std::string& header) {
    auto start = manifest.find(header);
    REQUIRE(start != std::string::npos);
    auto end = manifest.find("\n[", start + 1);
    manifest.erase(start, end == std::string::npos ? std::string::npos : end + 1 - start);
  };
  cut("[registry_value.wsus02_content_dir]");
  cut("[service.wsus02_wsus]");
  std::ofstream(b.dir / "baseline.toml") << manifest;
  auto plan = test::run_cli({"plan", b.d(), "--detailed-exitcode"});
  CHECK(plan.code == 2);
  CHECK(plan.out.find("Drift") == std::string::npos);
  CHECK(plan.out.find("# registry_value.wsus02_content_dir will be destroyed (removed from manifest) on wsus02.contoso.com") !=
        std::string::npos);
  CHECK(plan.out.find("# service.wsus02_wsus will be forgotten") != std::string::npos);
  CHECK(plan.out.find("Plan: 0 to add, 0 to change, 1 to destroy.") != std::string::npos);
  CHECK(test::run_cli({"apply", b.d(), "--auto-approve"}).code == 0);
  CHECK(test::run_cli({"plan", b.d(), "--detailed-exitcode"}).code == 0);
  auto show = test::run_cli({"lab", "show", b.d()});
  CHECK(show.out.find("service WsusService                  delayed    running") != std::string::npos);  // forgotten, still there
}

}  // namespace
}  // namespace supctl::cli

namespace supctl::cli {
namespace {

TEST_CASE("the derived lab runs the Windows Server of each declared WSUS version") {
  fs::path dir = fs::temp_directory_path() / fmt::format("supctl-lab-os-{}", ::getpid());
  fs::remove_all(dir);
  for (const char* example : {"contoso", "legacy-2007"}) {
    fs::create_directories(dir / example);
    for (const auto& entry : fs::directory_iterator(test::source_dir() / "examples" / example)) {
      fs::copy_file(entry.path(), dir / example / entry.path().filename());
    }
    REQUIRE(test::run_cli({"lab", "init", (dir / example).string()}).code == 0);
  }
  auto contoso = test::run_cli({"lab", "show", (dir / "contoso").string()}).out;
  CHECK(contoso.find("pr2wsus.contoso.com (Windows Server 2019 10.0.17763)") != std::string::npos);
  CHECK(contoso.find("pr1wsus.contoso.com (Windows Server 2022 10.0.20348)") != std::string::npos);
  auto legacy = test::run_cli({"lab", "show", (dir / "legacy-2007").string()}).out;
  CHECK(legacy.find("wsus-a.fabrikam.com (Windows Server 2008 R2 6.1.7601)") != std::string::npos);
  CHECK(legacy.find("ch1site.fabrikam.com (Windows Server 2008 R2 6.1.7601)") != std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace supctl::cli
