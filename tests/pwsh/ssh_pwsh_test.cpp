// The ssh transport end to end against real PowerShell 7 on the far side: a private OpenSSH server
// listens on 127.0.0.11 and 127.0.0.12, the addresses of cas01 and sup01 in the test estate
// (tests/pwsh/estate/seed.json), and runs the estate's `powershell` (tests/pwsh/estate/powershell:
// real pwsh with the estate loaded, then supctl's own bootstrap). The estate tells which host it is
// from SSH_CONNECTION: the address the client connected to. The real CLI (default context, real
// transports) plans, applies and plans again over it, and the estate's state file and call record
// show what happened on which host.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <thread>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "backends/powershell/script.h"
#include "backends/powershell/ssh.h"
#include "backends/powershell/backend.h"
#include "backends/powershell/session.h"
#include "contoso.h"
#include "estate.h"
#include "plugin/operation.h"
#include "model/text.h"
#include "plugins/plugins.h"
#include "support.h"
#include "support/counting_backend.h"
#include "support/loopback_sshd.h"

namespace supctl::test {
namespace {

namespace fs = std::filesystem;
using model::Json;
using namespace std::chrono_literals;

const std::string kCas = "cas01.contoso.com";
const std::string kSup = "sup01.contoso.com";
const std::string kCasAddress = "127.0.0.11";
const std::string kSupAddress = "127.0.0.12";

void write_text(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

/// The far side's PATH after the directory with its `powershell`: the estate's, then this one.
std::string estate_path() {
  const char* path = std::getenv("PATH");
  return std::string(SUPCTL_ESTATE_BIN) + ":" + (path ? path : "/usr/bin:/bin");
}

/// Debian's sshd (support/loopback_sshd.h) on both estate addresses, whose sessions run the estate:
/// PATH starts with a directory where `powershell` is the estate's wrapper, and the SUPCTL_*
/// variables point it at this server's state, seeded from the estate's, and call record (SetEnv).
class EstateSshd : public LoopbackSshd {
 public:
  /// `state` is the estate to start from (seed.json when null); each host in it that has an
  /// `address` should be one of `addresses`.
  explicit EstateSshd(std::vector<std::string> addresses = {kCasAddress, kSupAddress}, Json state = nullptr)
      : LoopbackSshd({.prefix = "supctl-pwsh-sshd",
                      .addresses = std::move(addresses),
                      // The ssh transport runs `powershell`; the estate's bin directory has only `pwsh`.
                      .powershell = fs::path(SUPCTL_SOURCE_DIR) / "tests/pwsh/estate/powershell",
                      .path = estate_path(),
                      .environment = {{"LANG", "C.UTF-8"},
                                      {"SUPCTL_PWSH", SUPCTL_PWSH},
                                      {"SUPCTL_ESTATE_MODULES", SUPCTL_ESTATE_MODULES}},
                      .environment_files = {{"SUPCTL_ESTATE", "state.json"},
                                            {"SUPCTL_ESTATE_CALLS", "calls.jsonl"},
                                            {"SUPCTL_ESTATE_PROCESSES", "processes.txt"}}}) {
    if (state.is_null()) {
      fs::copy_file(fs::path(SUPCTL_SOURCE_DIR) / "tests/pwsh/estate/seed.json", state_path());
    } else {
      write_text(state_path(), state.dump(2));
    }
  }

  fs::path state_path() const { return dir() / "state.json"; }
  fs::path calls_path() const { return dir() / "calls.jsonl"; }
  /// PowerShell processes the estate ran in on this server, as its wrapper counts them.
  std::size_t processes() const { return PwshEstate::lines_of(dir() / "processes.txt"); }
  /// The same for the host at one address (the wrapper notes the ssh connection's server address).
  std::size_t processes_at(const std::string& address) const {
    std::ifstream in(dir() / "processes.txt");
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) n += line.find(" " + address + " ") != std::string::npos;
    return n;
  }

  Json state() const { return Json::parse(read_file(state_path())); }
  /// The estate's call record: {host, module, cmdlet, set, bound} per cmdlet call, in order.
  std::vector<Json> calls() const { return read_calls(calls_path()); }
};

/// A manifest directory: the two estate hosts over ssh through `server`, two registry values and
/// WSUS's service on sup01, and one registry value on cas01 (so that both addresses are used).
fs::path write_manifests(const EstateSshd& server) {
  const fs::path dir = server.dir() / "manifests";
  fs::create_directories(dir);
  std::string text = R"([hierarchy]
name = "ssh-estate"
configmgr = "current-branch"
)";
  for (const auto& [host, address] : {std::pair{kCas, kCasAddress}, std::pair{kSup, kSupAddress}}) {
    text += fmt::format(R"(
[host."{0}"]
transport = "ssh"
address = "{1}"

[host."{0}".ssh]
port = {2}
user = "{3}"
identity_file = "{4}"
known_hosts_file = "{5}"
)",
                        host, address, server.port(), server.user(), server.client_key().string(), server.known_hosts().string());
  }
  text += R"(
[registry_value.sup01_content_dir]
host = "sup01.contoso.com"
key = 'HKLM\SOFTWARE\Microsoft\Update Services\Server\Setup'
name = "ContentDir"
type = "string"
data = 'D:\WSUS'

[registry_value.sup01_pool_queue]
host = "sup01.contoso.com"
key = 'HKLM\SOFTWARE\Contoso\WSUS'
name = "WsusPoolQueueLength"
type = "dword"
data = 2000

[service.sup01_wsus]
host = "sup01.contoso.com"
name = "WsusService"
startup = "automatic"
state = "running"

[registry_value.cas01_marker]
host = "cas01.contoso.com"
key = 'HKLM\SOFTWARE\Contoso\Supctl'
name = "ReachedOver"
type = "string"
data = "ssh"
)";
  write_text(dir / "main.toml", text);
  return dir;
}

/// A member of a JSON object; null when it is not an object or has no such member.
Json member(const Json& object, const std::string& name) {
  if (!object.is_object()) return nullptr;
  auto found = object.find(name);
  return found == object.end() ? Json(nullptr) : *found;
}

/// A registry value of an estate host as its state file holds it ({name, kind, data}); null when
/// absent. The estate keys registry keys and value names in lower case.
Json registry_value(const Json& state, const std::string& host, const std::string& key, const std::string& name) {
  Json entry = member(member(member(member(state, "hosts"), host), "registry"), model::lower(key));
  return member(member(entry, "values"), model::lower(name));
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

TEST_CASE("pwsh: ssh: plan, apply and plan again over a loopback sshd running the estate in real pwsh") {
  EstateSshd server;
  const fs::path dir = write_manifests(server);
  auto logins = [&] { return server.logged("Accepted publickey for " + server.user()); };
  // Connections to each address, beyond the readiness probes'.
  auto connections_to = [&](const std::string& address) {
    return server.logged("on " + address + " port " + std::to_string(server.port()) + " ");
  };
  const std::size_t probes_cas = connections_to(kCasAddress), probes_sup = connections_to(kSupAddress);

  auto validate = run_cli({"validate", dir.string()});
  INFO(validate.out << validate.err);
  REQUIRE(validate.code == 0);

  // The commands count the requests each host gets; the estate counts the PowerShell processes.
  test::RequestCounts counts;
  const cli::Context context = test::counting_context(counts);
  auto run_counted = [&](std::vector<std::string> args) {
    counts.requests.clear();
    return run_cli_in(&context, std::move(args));
  };
  const std::size_t processes_cas = server.processes_at(kCasAddress), processes_sup = server.processes_at(kSupAddress);

  // The plan reads both hosts, each through its own address, and proposes every change.
  auto plan = run_counted({"plan", dir.string(), "--detailed-exitcode"});
  INFO("plan:\n" << plan.out << plan.err << "\nsshd:\n" << server.log());
  REQUIRE(plan.code == 2);
  CHECK(contains(plan.out, "# registry_value.sup01_content_dir will be created (new) on sup01.contoso.com"));
  CHECK(contains(plan.out, "# registry_value.sup01_pool_queue will be created (new) on sup01.contoso.com"));
  CHECK(contains(plan.out, "# registry_value.cas01_marker will be created (new) on cas01.contoso.com"));
  CHECK(contains(plan.out, "# service.sup01_wsus will be updated in place"));
  CHECK(contains(plan.out, R"(~ startup = "manual" -> "automatic")"));  // as the estate seeds WsusService
  CHECK(contains(plan.out, R"(~ state = "stopped" -> "running")"));
  CHECK(contains(plan.out, "Plan: 3 to add, 1 to change, 0 to destroy."));
  CHECK(connections_to(kCasAddress) == probes_cas + 1);
  CHECK(connections_to(kSupAddress) == probes_sup + 1);
  CHECK(logins() == 2);  // one per host
  CHECK(registry_value(server.state(), kSup, "HKLM\\SOFTWARE\\Contoso\\WSUS", "WsusPoolQueueLength").is_null());
  // One request and one PowerShell process per host.
  CHECK(counts.requests == std::map<std::string, int>{{kCas, 1}, {kSup, 1}});
  CHECK(server.processes_at(kCasAddress) == processes_cas + 1);
  CHECK(server.processes_at(kSupAddress) == processes_sup + 1);

  // Both hosts at once, each in one PowerShell process: its read, then its one wave of changes
  // (independent of each other), each change with its read-back, in one request.
  auto apply = run_counted({"apply", dir.string(), "--auto-approve"});
  INFO("apply:\n" << apply.out << apply.err);
  REQUIRE(apply.code == 0);
  CHECK(contains(apply.out, "Apply: 4 succeeded, 0 failed, 0 skipped."));
  CHECK(contains(apply.out, "succeeded  create   registry_value.sup01_content_dir on sup01.contoso.com"));
  CHECK(contains(apply.out, "succeeded  create   registry_value.sup01_pool_queue on sup01.contoso.com"));
  CHECK(contains(apply.out, "succeeded  update   service.sup01_wsus on sup01.contoso.com"));
  CHECK(contains(apply.out, "succeeded  create   registry_value.cas01_marker on cas01.contoso.com"));
  // Every round trip of the apply (read, changes, read-backs) went over one login per host.
  CHECK(logins() == 4);
  CHECK(counts.requests == std::map<std::string, int>{{kCas, 2}, {kSup, 2}});
  CHECK(server.processes_at(kCasAddress) == processes_cas + 2);
  CHECK(server.processes_at(kSupAddress) == processes_sup + 2);

  // The estate holds the changes, each on the host whose address was connected to.
  const Json state = server.state();
  INFO(member(state, "hosts").dump(1));
  Json content_dir = registry_value(state, kSup, "HKLM\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup", "ContentDir");
  CHECK(member(content_dir, "kind") == "String");
  CHECK(member(content_dir, "data") == "D:\\WSUS");
  Json pool_queue = registry_value(state, kSup, "HKLM\\SOFTWARE\\Contoso\\WSUS", "WsusPoolQueueLength");
  CHECK(member(pool_queue, "kind") == "DWord");
  CHECK(member(pool_queue, "data") == 2000);
  Json marker = registry_value(state, kCas, "HKLM\\SOFTWARE\\Contoso\\Supctl", "ReachedOver");
  CHECK(member(marker, "kind") == "String");
  CHECK(member(marker, "data") == "ssh");
  CHECK(registry_value(state, kSup, "HKLM\\SOFTWARE\\Contoso\\Supctl", "ReachedOver").is_null());
  CHECK(registry_value(state, kCas, "HKLM\\SOFTWARE\\Contoso\\WSUS", "WsusPoolQueueLength").is_null());
  const Json services = member(member(member(state, "hosts"), kSup), "services");
  CHECK(member(member(services, "wsusservice"), "start_mode") == "Auto");
  CHECK(member(member(services, "wsusservice"), "state") == "Running");
  CHECK(member(member(services, "w3svc"), "state") == "Running");  // WsusService's dependency, untouched

  // The cmdlets ran in pwsh on the far side, as sup01 (cas01's registry value calls no cmdlet).
  const std::vector<Json> calls = server.calls();
  REQUIRE_FALSE(calls.empty());
  std::map<std::string, int> by_cmdlet;
  for (const Json& call : calls) {
    INFO(call.dump());
    CHECK(member(call, "host") == kSup);
    ++by_cmdlet[call.value("cmdlet", "")];
  }
  CHECK(by_cmdlet["Get-CimInstance"] >= 3);  // the plan's read, apply's read and its read-back
  CHECK(by_cmdlet["Set-Service"] == 1);
  CHECK(by_cmdlet["Start-Service"] == 1);
  for (const Json& call : calls) {
    if (member(call, "cmdlet") == "Set-Service") {
      CHECK(member(member(call, "bound"), "Name") == "WsusService");
      CHECK(member(member(call, "bound"), "StartupType") == "Automatic");
    }
  }

  // Nothing left to do.
  const std::size_t calls_before = calls.size();
  auto again = run_cli({"plan", dir.string(), "--detailed-exitcode"});
  INFO("second plan:\n" << again.out << again.err);
  CHECK(again.code == 0);
  CHECK(contains(again.out, "No changes."));
  CHECK(logins() == 6);
  CHECK(server.calls().size() == calls_before + 1);  // its read of WsusService

}

TEST_CASE("pwsh: ssh: many requests go through one ssh process and one real pwsh") {
  EstateSshd server;
  {
    powershell::PowerShellBackend backend(
        powershell::fragment_lookup(plugins::powershell_fragments()),
        [&](const ops::HostTarget& host, std::string*) -> std::unique_ptr<powershell::Transport> {
          return std::make_unique<powershell::SshTransport>(server.settings(host.name, kSupAddress));
        });
    for (int i = 0; i < 15; ++i) {
      std::vector<plugin::Operation> batch{{"registry.set_value",
                                           {{"key", "HKLM\\SOFTWARE\\Contoso\\Ssh"}, {"name", fmt::format("V{}", i)}, {"type", "dword"}, {"data", i}}}};
      auto results = backend.run(ops::HostTarget{kSup, {}}, batch);
      INFO(results.at(0).error << "\nsshd:\n" << server.log());
      REQUIRE(results.at(0).ok());
    }
    CHECK(backend.stats() == std::map<std::string, powershell::SessionStats>{{kSup, {1, 15}}});
  }
  CHECK(server.processes() == 1);
  CHECK(server.logged("Accepted publickey for " + server.user()) == 1);
  CHECK(member(registry_value(server.state(), kSup, "HKLM\\SOFTWARE\\Contoso\\Ssh", "V14"), "data") == 14);
}

TEST_CASE("pwsh: ssh: real PowerShell's own failures come back through the transport in its words") {
  EstateSshd server;
  powershell::SshTransport transport(server.settings(kSup, kSupAddress));
  {  // WsusService runs, so W3SVC, which it depends on, cannot be stopped.
    Json state = server.state();
    state["hosts"][kSup]["services"]["wsusservice"]["state"] = "Running";
    write_text(server.state_path(), state.dump(2));
  }

  // A fragment's failure: the runner's result document, over ssh, with the fragment's words.
  powershell::PowerShellBackend backend(powershell::fragment_lookup(plugins::powershell_fragments()),
                                        [&](const ops::HostTarget& host, std::string*) -> std::unique_ptr<powershell::Transport> {
                                          return std::make_unique<powershell::SshTransport>(
                                              server.settings(host.name, host.name == kCas ? kCasAddress : kSupAddress));
                                        });
  std::vector<plugin::Operation> batch{{"service.set", {{"name", "W3SVC"}, {"state", "stopped"}}},
                                      {"service.get", {{"name", "W3SVC"}}}};
  auto results = backend.run(ops::HostTarget{kSup, {}}, batch);
  REQUIRE(results.size() == 2);
  INFO(results[0].error);
  CHECK_FALSE(results[0].ok());
  CHECK_THAT(results[0].error, Catch::Contains("'WsusService' depend on it"));
  REQUIRE(results[1].ok());
  CHECK(results[1].value["state"] == "running");

  // A failure outside the runner (here: a script that does not parse) answers that request with
  // PowerShell's own words, and the session goes on.
  powershell::Session session(transport, kSup);
  powershell::Outcome outcome = session.run("this is ( not parsed", "{}", 30s);
  INFO(outcome.error << "\nstdout: " << outcome.stdout_text << "\nstderr: " << outcome.stderr_text);
  REQUIRE(outcome.failure == plugin::FailureKind::kNone);
  auto failed = powershell::parse_outcome(1, outcome);
  REQUIRE(failed.size() == 1);
  INFO(failed[0].error);
  CHECK(failed[0].failure == plugin::FailureKind::kFailed);
  CHECK_THAT(failed[0].error, Catch::StartsWith("the script could not run the batch: "));
  CHECK_THAT(failed[0].error, Catch::Contains("Missing closing ')' in expression."));

  // Such a failure in another language reaches supctl as ASCII (JSON escapes), whatever the
  // console's code page: a Windows without a console answers in its ANSI code page.
  powershell::Outcome german = session.run("throw 'Zugriff verweigert: Gr\u00f6\u00dfe'", "{}", 30s);
  REQUIRE(german.failure == plugin::FailureKind::kNone);
  CHECK(std::all_of(german.stdout_text.begin(), german.stdout_text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
  auto words = powershell::parse_outcome(1, german);
  REQUIRE(words.size() == 1);
  CHECK_THAT(words[0].error, Catch::Contains("Zugriff verweigert: Gr\u00f6\u00dfe"));

  // `exit` ends the process: the request fails with the exit code and PowerShell's stderr, and the
  // next request runs in a new process.
  powershell::Outcome exited = session.run("[Console]::Error.WriteLine('going away'); exit 4", "{}", 30s);
  CHECK(exited.failure == plugin::FailureKind::kFailed);
  CHECK(exited.error ==
        "ssh: PowerShell on 'sup01.contoso.com' ended during the request with exit code 4; stderr: going away; supctl "
        "starts it again for the next request");
  powershell::Outcome again = session.run("[Console]::Out.Write('fine')", "{}", 30s);
  CHECK(again.failure == plugin::FailureKind::kNone);
  CHECK(again.stdout_text == "fine");
  CHECK(session.stats() == powershell::SessionStats{2, 4});
}

}  // namespace
}  // namespace supctl::test

namespace supctl::test {
namespace {

TEST_CASE("pwsh: ssh: a request past its timeout is ended on the server too, not only the ssh client") {
  EstateSshd server;
  powershell::SshTransport transport(server.settings(kSup, kSupAddress));
  powershell::Session session(transport, kSup);
  powershell::Outcome warm = session.run("[Console]::Out.Write('warm')", "{}", 60s);
  REQUIRE(warm.failure == plugin::FailureKind::kNone);
  // The PowerShell process on the far side, as the estate's wrapper noted it ("<pid> <ssh connection>").
  long pid = 0;
  {
    std::ifstream in(server.dir() / "processes.txt");
    in >> pid;
  }
  REQUIRE(pid > 0);
  REQUIRE(::kill(static_cast<pid_t>(pid), 0) == 0);

  powershell::Outcome hung = session.run("Start-Sleep -Seconds 600", "{}", 3s);
  CHECK(hung.failure == plugin::FailureKind::kTimeout);
  // sshd keeps a command whose client went away: supctl ended it there itself.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
    if (!gone) std::this_thread::sleep_for(100ms);
  }
  CHECK(gone);
  // The next request runs in a new process.
  powershell::Outcome next = session.run("[Console]::Out.Write('again')", "{}", 60s);
  CHECK(next.failure == plugin::FailureKind::kNone);
  CHECK(next.stdout_text == "again");
}

// ---- examples/contoso applied for real: seven machines, each its own loopback address.

/// examples/contoso's machines and the loopback address each answers on.
const std::vector<std::pair<std::string, std::string>>& contoso_machines() {
  static const std::vector<std::pair<std::string, std::string>> kMachines{
      {"cas01.contoso.com", "127.0.0.21"},   {"cassup.contoso.com", "127.0.0.22"}, {"pr1site.contoso.com", "127.0.0.23"},
      {"pr1wsus.contoso.com", "127.0.0.24"}, {"pr2site.contoso.com", "127.0.0.25"}, {"pr2wsus.contoso.com", "127.0.0.26"},
      {"se1site.contoso.com", "127.0.0.27"}};
  return kMachines;
}

/// The contoso hierarchy before supctl (contoso.h), each machine at its address; pr2wsus runs
/// Windows Server 2019, whose WSUS its wsus_server names.
Json contoso_estate() {
  PwshEstate estate;
  seed_contoso(estate);
  estate.state["hosts"]["pr2wsus.contoso.com"]["wsus_version"] = "10.0.17763.1";
  for (const auto& [machine, address] : contoso_machines()) estate.state["hosts"][machine]["address"] = address;
  return estate.state;
}

/// examples/contoso as it is, but every machine reached over ssh through `server`.
fs::path contoso_over_ssh(const EstateSshd& server) {
  const fs::path dir = server.dir() / "contoso";
  fs::copy(fs::path(SUPCTL_SOURCE_DIR) / "examples/contoso", dir);
  // hosts.toml's own host tables (WinRM to cassup, ssh on port 22 to pr1wsus) give way to the
  // loopback server's; its registry values and services stay.
  std::string hosts = read_file(dir / "hosts.toml");
  const std::size_t values = hosts.find("[registry_value.");
  REQUIRE(values != std::string::npos);
  std::string text;
  for (const auto& [machine, address] : contoso_machines()) {
    text += fmt::format(R"([host."{0}"]
transport = "ssh"
address = "{1}"
ssh = {{ port = {2}, user = "{3}", identity_file = "{4}", known_hosts_file = "{5}" }}

)",
                        machine, address, server.port(), server.user(), server.client_key().string(), server.known_hosts().string());
  }
  write_text(dir / "hosts.toml", text + hosts.substr(values));
  return dir;
}

TEST_CASE("pwsh: ssh: examples/contoso applied in real pwsh: one process per machine, one request per wave") {
  std::vector<std::string> addresses;
  for (const auto& machine : contoso_machines()) addresses.push_back(machine.second);
  EstateSshd server(addresses, contoso_estate());
  const fs::path dir = contoso_over_ssh(server);
  const std::map<std::string, std::string> secrets{{"CONTOSO_WSUS_CONNECT_PASSWORD", "wsus-connect-secret"},
                                                   {"CONTOSO_PROXY_PASSWORD", "proxy-secret"}};
  test::RequestCounts counts;
  const cli::Context context = test::counting_context(counts);
  // The PowerShell processes each machine ran since `since`, as the estate's wrapper counts them.
  auto processes = [&](const std::map<std::string, std::size_t>& since) {
    std::map<std::string, int> out;
    for (const auto& [machine, address] : contoso_machines()) out[machine] = int(server.processes_at(address) - since.at(machine));
    return out;
  };
  auto now = [&] {
    std::map<std::string, std::size_t> out;
    for (const auto& [machine, address] : contoso_machines()) out[machine] = server.processes_at(address);
    return out;
  };
  std::map<std::string, int> once;
  for (const auto& machine : contoso_machines()) once[machine.first] = 1;

  auto before = now();
  auto plan = run_cli_in(&context, {"plan", dir.string(), "--detailed-exitcode"}, false, secrets);
  INFO("plan:\n" << plan.out << plan.err << "\nsshd:\n" << server.log());
  REQUIRE(plan.code == 2);
  CHECK(counts.requests == once);
  CHECK(processes(before) == once);

  counts.requests.clear();
  counts.polls.clear();
  before = now();
  auto apply = run_cli_in(&context, {"apply", dir.string(), "--auto-approve"}, false, secrets);
  INFO("apply:\n" << apply.out << apply.err);
  REQUIRE(apply.code == 0);
  CHECK(contains(apply.out, " 0 failed, 0 skipped."));
  for (const char* sup : {"cassup.contoso.com", "pr1wsus.contoso.com", "pr2wsus.contoso.com", "se1site.contoso.com"}) {
    CHECK(contains(apply.out, fmt::format("succeeded  create   software_update_point[\"{}\"]", sup)));
  }
  // The same requests as the lab's apply of contoso (examples_test.cpp): apply's read, then one
  // request per dependency wave a machine has changes in, each change with its read-back.
  for (const auto& [host, n] : counts.requests) UNSCOPED_INFO(host << ": " << n << " requests, " << counts.polls[host] << " polls");
  const std::map<std::string, int> expected{{"cas01.contoso.com", 6},   {"cassup.contoso.com", 4}, {"pr1site.contoso.com", 6},
                                            {"pr1wsus.contoso.com", 5}, {"pr2site.contoso.com", 4}, {"pr2wsus.contoso.com", 4},
                                            {"se1site.contoso.com", 2}};
  CHECK(counts.requests == expected);
  // The install tracker's reads of SiteComp.log, SUPSetup.log and WCM.log come on top, in the same
  // processes: one PowerShell per machine for the whole apply.
  for (const char* site_server : {"cas01.contoso.com", "pr1site.contoso.com", "pr2site.contoso.com"}) CHECK(counts.polls[site_server] >= 2);
  CHECK(processes(before) == once);

  // The roles installed on their servers, as the estate's logs tell the tracker.
  const Json state = server.state();
  for (const char* sup : {"cassup.contoso.com", "pr1wsus.contoso.com", "pr2wsus.contoso.com", "se1site.contoso.com"}) {
    INFO(sup);
    CHECK(member(member(member(member(state, "hosts"), sup), "registry"),
                 "hklm\\software\\microsoft\\sms\\operations management\\sms server role\\sms software update point")
              .is_object());
  }
  // No secret came back in supctl's output, or went into a cmdlet call's record or a server's log
  // (New-CMAccount gets it as a SecureString).
  std::string server_side = read_file(server.calls_path());
  for (const auto& entry : fs::recursive_directory_iterator(server.dir() / "logs")) {
    if (entry.is_regular_file()) server_side += read_file(entry.path());
  }
  CHECK(contains(server_side, "Installation was successful."));
  for (const std::string& secret : {std::string("wsus-connect-secret"), std::string("proxy-secret")}) {
    CHECK_FALSE(contains(apply.out + apply.err, secret));
    CHECK_FALSE(contains(server_side, secret));
  }

  // Nothing left to do, read again in one process per machine.
  counts.requests.clear();
  before = now();
  auto again = run_cli_in(&context, {"plan", dir.string(), "--detailed-exitcode"}, false, secrets);
  INFO("second plan:\n" << again.out << again.err);
  CHECK(again.code == 0);
  CHECK(contains(again.out, "No changes."));
  CHECK(counts.requests == once);
  CHECK(processes(before) == once);
}

}  // namespace
}  // namespace supctl::test
