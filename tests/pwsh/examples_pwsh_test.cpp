// The examples' manifests, planned and applied by the real CLI against the test estate in real
// PowerShell: the plugins' reads, observe, diff and changes, then a plan with no changes.

#include <catch2/catch.hpp>

#include <fstream>

#include "cli/context.h"
#include "estate.h"
#include "support.h"

namespace supctl::test {
namespace {

/// The CLI with every host sent to the estate.
struct EstateCli {
  PwshEstate& estate;
  cli::Context context = cli::default_context();

  explicit EstateCli(PwshEstate& e) : estate(e) {
    context.make_backend = [this](const fs::path&, bool, std::string*) { return estate.make_backend(); };
  }
  CliResult run(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    CliResult result = run_cli_in(&context, std::move(args), false, std::move(env));
    estate.reload();
    return result;
  }
};

TEST_CASE("pwsh: examples/standalone-wsus's DMZ server: planned, applied and planned again with no changes") {
  PwshEstate estate;
  Json& hosts = estate.state["hosts"];
  hosts["dmzwsus.northwind.com"] = hosts["sup01.contoso.com"];
  fs::path dir = estate.dir() / "manifests";
  fs::create_directories(dir);
  std::string dmz = read_file(fs::path(SUPCTL_SOURCE_DIR) / "examples/standalone-wsus/dmz.toml");
  const std::string secret = "/run/secrets/northwind-smtp";
  dmz.replace(dmz.find(secret), secret.size(), (estate.dir() / "smtp-password").string());
  std::ofstream(dir / "dmz.toml") << dmz;
  std::ofstream(dir / "hierarchy.toml") << "[hierarchy]\nname = \"northwind-dmz\"\nconfigmgr = \"current-branch\"\n";
  std::ofstream(estate.dir() / "smtp-password") << "mail-secret\n";
  const std::map<std::string, std::string> env{{"NORTHWIND_DMZ_PROXY_PASSWORD", "proxy-secret"}, {"NORTHWIND_WINRM_PASSWORD", "x"}};
  EstateCli cli(estate);

  CliResult plan = cli.run({"plan", dir.string(), "--detailed-exitcode"}, env);
  INFO(plan.out << plan.err);
  CHECK(plan.code == 2);
  CHECK_THAT(plan.out, Catch::Contains("wsus_server[\"dmzwsus.northwind.com\"]"));

  CliResult apply = cli.run({"apply", dir.string(), "--auto-approve"}, env);
  INFO(apply.out << apply.err);
  REQUIRE(apply.code == 0);
  const Json& wsus = estate.state["hosts"]["dmzwsus.northwind.com"]["wsus"];
  CHECK(wsus["configuration"]["ProxyName"] == "edge-proxy.northwind.com");
  CHECK(wsus["configuration"]["ProxyUserName"] == "svc-dmz-proxy");
  CHECK(wsus["proxy_password_set"] == true);
  CHECK(wsus["email"]["SmtpServerRequiresAuthentication"] == true);
  CHECK(wsus["smtp_password_set"] == true);
  CHECK(wsus["subscription"]["NumberOfSynchronizationsPerDay"] == 4);
  CHECK(wsus["subscribed_categories"].size() == 2);
  CHECK(estate.state["hosts"]["dmzwsus.northwind.com"]["services"]["wsusservice"]["state"] == "Running");
  // No secret reaches the estate's call record or the output.
  for (const std::string& text : {apply.out, apply.err, read_file(estate.dir() / "state.json")}) {
    CHECK(text.find("proxy-secret") == std::string::npos);
    CHECK(text.find("mail-secret") == std::string::npos);
  }

  CliResult again = cli.run({"plan", dir.string(), "--detailed-exitcode"}, env);
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  CHECK_THAT(again.out, Catch::Contains("No changes."));
}

TEST_CASE("pwsh: examples/wsus-host-baseline: planned, applied and planned again with no changes") {
  PwshEstate estate;
  Json& hosts = estate.state["hosts"];
  hosts["wsus01.contoso.com"] = hosts["sup01.contoso.com"];
  hosts["wsus02.contoso.com"] = hosts["sup01.contoso.com"];
  EstateCli cli(estate);
  const fs::path copy = estate.dir() / "manifests";
  fs::copy(fs::path(SUPCTL_SOURCE_DIR) / "examples/wsus-host-baseline", copy, fs::copy_options::recursive);
  const std::string dir = copy.string();

  CliResult plan = cli.run({"plan", dir, "--detailed-exitcode"});
  INFO(plan.out << plan.err);
  CHECK(plan.code == 2);
  CliResult apply = cli.run({"apply", dir, "--auto-approve"});
  INFO(apply.out << apply.err);
  REQUIRE(apply.code == 0);
  CHECK(estate.state["hosts"]["wsus01.contoso.com"]["services"]["wsusservice"]["start_mode"] == "Auto");
  CliResult again = cli.run({"plan", dir, "--detailed-exitcode"});
  INFO(again.out << again.err);
  CHECK(again.code == 0);
}

}  // namespace
}  // namespace supctl::test
