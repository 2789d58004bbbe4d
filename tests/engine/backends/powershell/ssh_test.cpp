#include "backends/powershell/ssh.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "backends/powershell/process.h"
#include "backends/powershell/script.h"
#include "backends/powershell/session.h"
#include "support.h"

#include "support/fake_powershell_client.h"
#include "support/loopback_sshd.h"

namespace {

namespace fs = std::filesystem;
using supctl::plugin::FailureKind;
using supctl::powershell::bootstrap_arguments;
using supctl::powershell::bootstrap_script;
using supctl::powershell::classify_ssh_log;
using supctl::powershell::Outcome;
using supctl::powershell::Session;
using supctl::powershell::SshProblem;
using supctl::powershell::SshSettings;
using supctl::powershell::SshTransport;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const fs::path kFake = SUPCTL_FAKE_POWERSHELL;
constexpr std::string_view kHost = "win01.contoso.com";

// ---- helpers shared in spirit with local_test.cpp -------------------------------------------

class TempDir {
 public:
  explicit TempDir(std::string_view prefix) {
    std::string pattern = "/tmp/" + std::string(prefix) + "-XXXXXX";  // short: sshd and ssh sockets live here
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

using supctl::test::expected_record;

/// One request through a session of its own over `transport`.
Outcome run_once(SshTransport& transport, std::string_view script, std::chrono::milliseconds timeout = 20s) {
  return Session(transport, std::string(kHost)).run(script, "{}", timeout);
}

// ---- a private OpenSSH server (support/loopback_sshd.h) ---------------------------------------

using supctl::test::free_port;
using supctl::test::key_of;

/// The private sshd on 127.0.0.1, where `powershell` is the fake, which records what it got in
/// record(), and one more key pair that the server does not authorize (other_key).
class SshServer : public supctl::test::LoopbackSshd {
 public:
  /// `environment`: more variables for the far side (SetEnv), e.g. FAKE_POWERSHELL_SLEEP.
  explicit SshServer(std::map<std::string, std::string> environment = {})
      : LoopbackSshd({.prefix = "supctl-sshd",
                      .addresses = {"127.0.0.1"},
                      .powershell = kFake,
                      .more_keys = {"other_key"},
                      .environment = std::move(environment),
                      .environment_files = {{"FAKE_POWERSHELL_RECORD", "record"}}}) {}

  fs::path record() const { return dir() / "record"; }

  /// Settings that reach this server as the authorized user, checking its host key.
  SshSettings settings() const {
    SshSettings settings = LoopbackSshd::settings(std::string(kHost), "127.0.0.1");
    settings.config_file = "none";                             // not the user's ~/.ssh/config
    settings.environment = {{"SSH_AUTH_SOCK", std::nullopt}};  // nor the user's agent
    settings.retry_delays = {50ms, 100ms};
    return settings;
  }
};

/// Whether a fake started by this server still runs (found by its record path in its environment).
bool far_side_running(const SshServer& server) {
  const std::string marker = "FAKE_POWERSHELL_RECORD=" + server.record().string();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    std::string environment = read_file(entry.path() / "environ");
    if (environment.find(marker + '\0') != std::string::npos) {
      std::string stat = read_file(entry.path() / "stat");
      std::size_t paren = stat.rfind(')');
      if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z') return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("ssh: the command line", "[ssh]") {
  SshSettings settings;
  settings.host = "win01.contoso.com";
  settings.port = 2222;
  settings.user = "CONTOSO\\svc-supctl";
  settings.identity_file = "/home/ops/.ssh/id_supctl";
  settings.known_hosts_file = "/etc/supctl/known hosts";
  SshTransport transport(settings);
  const std::vector<std::string> sent = bootstrap_arguments();
  const std::string control = transport.control_directory().string();
  REQUIRE(control.starts_with("/"));
  CHECK((fs::status(control).permissions() & fs::perms::all) == fs::perms::owner_all);

  std::vector<std::string> expected{"-T",
                                    "-o",
                                    "BatchMode=yes",
                                    "-o",
                                    "ConnectTimeout=7",
                                    "-p",
                                    "2222",
                                    "-l",
                                    "CONTOSO\\svc-supctl",
                                    "-i",
                                    "/home/ops/.ssh/id_supctl",
                                    "-o",
                                    "IdentitiesOnly=yes",
                                    "-o",
                                    "UserKnownHostsFile=\"/etc/supctl/known hosts\"",
                                    "-o",
                                    "StrictHostKeyChecking=yes",
                                    "-o",
                                    "ControlMaster=auto",
                                    "-o",
                                    "ControlPath=" + control + "/%C",
                                    "-o",
                                    "ControlPersist=60",
                                    "-E",
                                    control + "/ssh-1.log",
                                    "--",
                                    "win01.contoso.com",
                                    "powershell"};
  expected.insert(expected.end(), sent.begin(), sent.end());
  CHECK(transport.command_line(sent, 7s, control + "/ssh-1.log") == expected);

  // Without the optional settings only ssh's own choices remain; host key checking is never relaxed.
  SshSettings plain;
  plain.host = "win02.contoso.com";
  plain.address = "10.0.0.2";
  SshTransport plain_transport(plain);
  std::vector<std::string> args = plain_transport.command_line(sent, 10s, "/tmp/x.log");
  std::string joined;
  for (const std::string& arg : args) joined += arg + " ";
  const std::string plain_control = plain_transport.control_directory().string();
  CHECK(joined == "-T -o BatchMode=yes -o ConnectTimeout=10 -o ControlMaster=auto -o ControlPath=" + plain_control +
                      "/%C -o ControlPersist=60 -E /tmp/x.log -- 10.0.0.2 powershell -NoProfile -NonInteractive "
                      "-ExecutionPolicy Bypass -EncodedCommand " +
                      sent.back() + " ");
}

TEST_CASE("ssh: ssh's own messages are told apart", "[ssh]") {
  using Kind = SshProblem::Kind;
  CHECK(classify_ssh_log("").kind == Kind::kNone);
  CHECK(classify_ssh_log("Warning: Identity file /x not accessible: No such file or directory.\n").kind == Kind::kNone);
  CHECK(classify_ssh_log("ssh: connect to host 10.0.0.9 port 22: Connection refused\r\n").kind == Kind::kConnect);
  CHECK(classify_ssh_log("ssh: Could not resolve hostname nope.invalid: Name or service not known\n").kind ==
        Kind::kConnect);
  CHECK(classify_ssh_log("ssh: connect to host 10.0.0.9 port 22: No route to host\n").kind == Kind::kConnect);
  CHECK(classify_ssh_log("kex_exchange_identification: read: Connection reset by peer\n").kind == Kind::kConnect);
  CHECK(classify_ssh_log("ssh: connect to host 10.0.0.9 port 22: Connection timed out\n").kind ==
        Kind::kConnectTimeout);
  CHECK(classify_ssh_log("Connection timed out during banner exchange\n").kind == Kind::kConnectTimeout);
  CHECK(classify_ssh_log("ops@10.0.0.9: Permission denied (publickey,password).\n").kind == Kind::kAuth);
  SshProblem changed = classify_ssh_log(
      "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
      "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
      "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
      "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n"
      "Host key verification failed.\n");
  CHECK(changed.kind == Kind::kHostKey);
  CHECK(changed.message == "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @");
  // Lost in the middle of a run: the script may have run, so this is never retried.
  SshProblem lost = classify_ssh_log(
      "Read from remote host 10.0.0.9: Connection reset by peer\r\n"
      "client_loop: send disconnect: Broken pipe\n");
  CHECK(lost.kind == Kind::kOther);
  CHECK(lost.message ==
        "Read from remote host 10.0.0.9: Connection reset by peer; client_loop: send disconnect: Broken pipe");
}

TEST_CASE("ssh: an argument that a remote shell would interpret is refused before connecting", "[ssh]") {
  SshSettings settings;
  settings.host = "win01.contoso.com";
  SshTransport transport(settings);
  std::vector<std::string> sent = bootstrap_arguments();
  sent.back() += "&calc";
  Outcome outcome;
  CHECK(transport.open(sent, Clock::now() + 20s, &outcome) == nullptr);
  CHECK(outcome.failure == FailureKind::kFailed);
  CHECK(outcome.error.starts_with("ssh to 'win01.contoso.com': the PowerShell argument '"));
}

TEST_CASE("ssh: a request reaches powershell on the far side byte for byte", "[ssh]") {
  SshServer server;
  std::string script = "Write-Output 'Grüße aus Köln ✓ 日本語 𝄞'\n";
  while (script.size() < 3 * 1024 * 1024)
    script += "# padding \u00e9\u00e8\u00ea " + std::to_string(script.size()) + "\n";
  const std::string json = R"({"name":"WSUS Überwachung","path":"C:\\Program Files\\Update Services"})";
  {
    SshTransport transport(server.settings());
    CHECK(transport.name() == "ssh");
    Session session(transport, std::string(kHost));
    Outcome outcome = session.run(script, json, 20s);
    INFO(outcome.error << outcome.stderr_text << server.log());
    REQUIRE(outcome.failure == FailureKind::kNone);
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.stdout_text.starts_with("{\"fake_powershell\":true,\"script_bytes\":" + std::to_string(script.size()) +
                                          ",\"json_bytes\":" + std::to_string(json.size()) + ",\"request\":1,"));
    CHECK(outcome.stderr_text.empty());  // ssh's own messages went to its log
  }
  const std::string record = read_file(server.record());
  const std::string expected = expected_record(bootstrap_arguments(), bootstrap_script(), script, json, 1);
  REQUIRE(record.size() == expected.size());
  CHECK((record == expected));
}

TEST_CASE("ssh: responses, stderr and the exit code of a dead session come back exactly", "[ssh]") {
  TempDir replies("supctl-ssh-replies");
  SshServer server(
      std::map<std::string, std::string>{{"FAKE_POWERSHELL_REPLY_STDOUT", (replies.path() / "out").string()},
                                         {"FAKE_POWERSHELL_REPLY_STDERR", (replies.path() / "err").string()},
                                         {"FAKE_POWERSHELL_REPLY_EXIT", (replies.path() / "exit").string()}});
  std::string out;
  for (std::size_t i = 0; out.size() < 4 * 1024 * 1024; ++i) out += static_cast<char>(i % 256);
  write_file(replies.path() / "out", out);
  write_file(replies.path() / "err", "");
  write_file(replies.path() / "exit", "");

  SshTransport transport(server.settings());
  Session session(transport, std::string(kHost));
  Outcome outcome = session.run("", "{}", 20s);
  INFO(outcome.error << server.log());
  REQUIRE(outcome.failure == FailureKind::kNone);
  REQUIRE(outcome.stdout_text.size() == out.size());
  CHECK((outcome.stdout_text == out));
  CHECK(outcome.stderr_text.empty());

  write_file(replies.path() / "out", "{\"ok\":true}\n");
  write_file(replies.path() / "err",
             "#< CLIXML\r\n<Objs Version=\"1.1.0.1\"><S S=\"Error\">Zugriff verweigert ✗_x000D__x000A_</S></Objs>");
  write_file(replies.path() / "exit", "3");
  Outcome died = session.run("exit 3", "{}", 20s);
  CHECK(died.failure == FailureKind::kFailed);
  CHECK(died.error ==
        "ssh: PowerShell on 'win01.contoso.com' ended during the request with exit code 3; stderr: Zugriff verweigert "
        "✗; supctl starts it again for the next request");

  // 255 is also ssh's own failure status: with no message of ssh's, it is PowerShell's.
  write_file(replies.path() / "err", "boom\n");
  write_file(replies.path() / "exit", "255");
  Outcome high = run_once(transport, "exit 255");
  CHECK(high.failure == FailureKind::kFailed);
  CHECK(high.error ==
        "ssh: PowerShell on 'win01.contoso.com' ended during the request with exit code 255; stderr: boom; supctl "
        "starts it again for the next request");
}

TEST_CASE("ssh: a host key that does not match is refused and nothing runs", "[ssh]") {
  SshServer server;
  SshSettings settings = server.settings();
  TempDir other("supctl-ssh-keys");
  const fs::path wrong = other.path() / "known_hosts";
  write_file(wrong,
             "[127.0.0.1]:" + std::to_string(server.port()) + " " + key_of(server.dir() / "other_key.pub") + "\n");
  settings.known_hosts_file = wrong.string();

  SshTransport transport(settings);
  const auto start = Clock::now();
  Outcome outcome = run_once(transport, "");
  CHECK(Clock::now() - start < 5s);  // not retried
  CHECK(outcome.failure == FailureKind::kUnreachable);
  INFO(outcome.error);
  CHECK(outcome.error.starts_with("ssh to 'win01.contoso.com' at '127.0.0.1' port " + std::to_string(server.port()) +
                                  " as '"));
  CHECK(outcome.error.find("the host key was refused (@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @)") !=
        std::string::npos);
  CHECK(outcome.error.find("check the host key") != std::string::npos);
  CHECK(outcome.error.find("'" + wrong.string() + "'") != std::string::npos);
  CHECK(outcome.error.find("StrictHostKeyChecking") == std::string::npos);  // never suggests turning it off
  CHECK(outcome.stdout_text.empty());
  CHECK_FALSE(fs::exists(server.record()));
  CHECK(server.logged("Accepted publickey") == 0);

  // A host key that is not known at all is refused the same way, never accepted on first use.
  const fs::path empty = other.path() / "empty_known_hosts";
  write_file(empty, "");
  settings.known_hosts_file = empty.string();
  SshTransport unknown_transport(settings);
  Outcome unknown = run_once(unknown_transport, "");
  CHECK(unknown.failure == FailureKind::kUnreachable);
  INFO(unknown.error);
  CHECK(unknown.error.find("the host key was refused (Host key verification failed.); check the host key") !=
        std::string::npos);
  CHECK(read_file(empty).empty());
  CHECK_FALSE(fs::exists(server.record()));
}

TEST_CASE("ssh: a key the server does not authorize is access denied, without retries", "[ssh]") {
  SshServer server;
  SshSettings settings = server.settings();
  settings.identity_file = (server.dir() / "other_key").string();
  SshTransport transport(settings);
  const std::size_t connections = server.logged("Connection from 127.0.0.1");  // the readiness probe
  Outcome outcome = run_once(transport, "");
  CHECK(outcome.failure == FailureKind::kAccessDenied);
  INFO(outcome.error);
  CHECK(outcome.error.find("the login was refused (") != std::string::npos);
  CHECK(outcome.error.find(": Permission denied (publickey).)") != std::string::npos);
  CHECK(outcome.error.find("the key '" + settings.identity_file + "' is authorized") != std::string::npos);
  CHECK(outcome.error.find("passwords are never used (BatchMode)") != std::string::npos);
  CHECK_FALSE(fs::exists(server.record()));
  CHECK(server.logged("Connection from 127.0.0.1") == connections + 1);
}

TEST_CASE("ssh: a closed port is unreachable after the retries", "[ssh]") {
  TempDir dir("supctl-ssh-closed");
  SshSettings settings;
  settings.host = std::string(kHost);
  settings.address = "127.0.0.1";
  settings.port = free_port();
  settings.known_hosts_file = (dir.path() / "known_hosts").string();
  settings.config_file = "none";
  settings.retry_delays = {100ms, 200ms};
  SshTransport transport(settings);
  const auto start = Clock::now();
  Outcome outcome = run_once(transport, "");
  const auto took = Clock::now() - start;
  CHECK(took >= 300ms);  // both pauses were taken
  CHECK(took < 10s);
  CHECK(outcome.failure == FailureKind::kUnreachable);
  CHECK(outcome.error ==
        "ssh to 'win01.contoso.com' at '127.0.0.1' port " + std::to_string(*settings.port) +
            ": no connection (ssh: connect to host 127.0.0.1 port " + std::to_string(*settings.port) +
            ": Connection refused); check that the host is up and its name resolves, that the "
            "OpenSSH server (sshd) runs there and listens on that port, and that no firewall blocks it (3 attempts)");
}

TEST_CASE("ssh: a request past its timeout is stopped on both sides", "[ssh]") {
  SshServer server(std::map<std::string, std::string>{{"FAKE_POWERSHELL_SLEEP", "30"}});
  SshTransport transport(server.settings());
  const auto start = Clock::now();
  Outcome outcome = run_once(transport, "Start-Sleep 30", 1500ms);
  CHECK(Clock::now() - start < 6s);
  CHECK(outcome.failure == FailureKind::kTimeout);
  CHECK(outcome.error ==
        "ssh: the request to PowerShell on 'win01.contoso.com' did not finish within 1.5 s; supctl ended that "
        "PowerShell process (the next request starts a new one); check what the script waits for, or allow it more "
        "time");
  CHECK(fs::exists(server.record()));  // it had started

  // The far side's powershell ends too once its session is gone: polled, bounded.
  const auto until = Clock::now() + 5s;
  while (far_side_running(server) && Clock::now() < until) ::usleep(20'000);
  CHECK_FALSE(far_side_running(server));
}

TEST_CASE("ssh: one ssh process carries many requests, and the next session reuses the connection", "[ssh]") {
  SshServer server;
  fs::path control;
  {
    SshTransport transport(server.settings());
    control = transport.control_directory();
    CHECK_FALSE(transport.master_running());

    Session session(transport, std::string(kHost));
    for (int i = 1; i <= 5; ++i) {
      Outcome outcome = session.run("", "{}", 20s);
      INFO(outcome.error << server.log());
      REQUIRE(outcome.failure == FailureKind::kNone);
      CHECK(outcome.stdout_text.find(",\"request\":" + std::to_string(i) + ",") != std::string::npos);
    }
    CHECK(session.stats().processes == 1);
    REQUIRE(transport.master_running());
    std::vector<fs::path> sockets;
    for (const auto& entry : fs::directory_iterator(control)) {
      if (entry.is_socket()) sockets.push_back(entry.path());
    }
    REQUIRE(sockets.size() == 1);
    struct stat before {};
    REQUIRE(::stat(sockets.front().c_str(), &before) == 0);

    session.stop();
    Outcome second = session.run("", "{}", 20s);
    REQUIRE(second.failure == FailureKind::kNone);
    CHECK(second.stdout_text.find(",\"request\":1,") != std::string::npos);  // a new process
    struct stat after {};
    REQUIRE(::stat(sockets.front().c_str(), &after) == 0);
    CHECK(after.st_ino == before.st_ino);  // the same master, not a new one
    // The server saw one login for the two processes.
    CHECK(server.logged("Accepted publickey") == 1);
  }
  CHECK_FALSE(fs::exists(control));  // the master was stopped and its directory removed
}

namespace {

/// A result document as the assembled script prints it (script.h), one result per operation.
std::string result_document(const std::string& results) {
  return fmt::format("{}\n{{\"supctl\":1,\"results\":[{}]}}\n{}\n", supctl::powershell::kResultBegin, results,
                     supctl::powershell::kResultEnd);
}

TEST_CASE("ssh: supctl plan reads a host over ssh through the assembled script", "[ssh]") {
  TempDir replies("supctl-ssh-cli");
  SshServer server(std::map<std::string, std::string>{{"FAKE_POWERSHELL_REPLY_STDOUT", (replies.path() / "out").string()}});
  TempDir dir("supctl-ssh-manifests");
  write_file(dir.path() / "main.toml",
             fmt::format("[hierarchy]\nname = \"test\"\nconfigmgr = \"current-branch\"\n\n[host.\"{}\"]\ntransport = \"ssh\"\naddress = \"127.0.0.1\"\n"
                         "ssh = {{ port = {}, user = \"{}\", identity_file = \"{}\", known_hosts_file = \"{}\" }}\n\n"
                         "[registry_key.marker]\nhost = \"{}\"\nkey = 'HKLM\\SOFTWARE\\Contoso\\Marker'\n",
                         kHost, server.port(), server.settings().user, server.settings().identity_file, server.known_hosts().string(), kHost));

  // The read: the key is absent on the far side.
  write_file(replies.path() / "out", "profile noise\n" + result_document(R"({"ok":true,"value":{"exists":false,"key":"HKLM\\SOFTWARE\\Contoso\\Marker"}})"));
  auto plan = supctl::test::run_cli({"plan", dir.path().string(), "--detailed-exitcode"});
  INFO(plan.out << plan.err << server.log());
  CHECK(plan.code == 2);
  CHECK(plan.out.find("# registry_key.marker will be created (new) on " + std::string(kHost)) != std::string::npos);
  // What arrived on the far side is the assembled script with the operation's parameters as data.
  std::string record = read_file(server.record());
  CHECK(record.find("function SupctlOp_") != std::string::npos);
  CHECK(record.find(R"("operation":"registry.get_key")") != std::string::npos);
  CHECK(record.find(R"(HKLM\\SOFTWARE\\Contoso\\Marker)") != std::string::npos);

  // A failed read on the far side is reported with the host's words, and nothing is planned.
  write_file(replies.path() / "out", result_document(R"({"ok":false,"kind":"access_denied","error":"Requested registry access is not allowed."})"));
  auto denied = supctl::test::run_cli({"plan", dir.path().string()});
  CHECK(denied.code == 1);
  CHECK(denied.err.find("registry.get_key (access_denied): Requested registry access is not allowed.") != std::string::npos);
}

TEST_CASE("ssh: supctl apply changes a host over ssh and proves it by reading it back", "[ssh]") {
  TempDir replies("supctl-ssh-conversation");
  SshServer server(std::map<std::string, std::string>{{"FAKE_POWERSHELL_REPLY_SEQUENCE", replies.path().string()}});
  TempDir dir("supctl-ssh-apply");
  write_file(dir.path() / "main.toml",
             fmt::format("[hierarchy]\nname = \"test\"\nconfigmgr = \"current-branch\"\n\n[host.\"{}\"]\ntransport = \"ssh\"\naddress = \"127.0.0.1\"\n"
                         "ssh = {{ port = {}, user = \"{}\", identity_file = \"{}\", known_hosts_file = \"{}\" }}\n\n"
                         "[registry_key.marker]\nhost = \"{}\"\nkey = 'HKLM\\SOFTWARE\\Contoso\\Marker'\n",
                         kHost, server.port(), server.settings().user, server.settings().identity_file, server.known_hosts().string(), kHost));
  const std::string key_present = R"({"ok":true,"value":{"exists":true,"key":"HKLM\\SOFTWARE\\Contoso\\Marker"}})";
  const std::string absent = result_document(R"({"ok":true,"value":{"exists":false,"key":"HKLM\\SOFTWARE\\Contoso\\Marker"}})");
  // The conversation: the plan's read; the change and the read-back that proves it, in one
  // request; the next plan's read.
  write_file(replies.path() / "1", absent);
  write_file(replies.path() / "2", result_document(R"({"ok":true,"value":{}},)" + key_present));
  write_file(replies.path() / "3", result_document(key_present));
  auto apply = supctl::test::run_cli({"apply", dir.path().string(), "--auto-approve"});
  INFO(apply.out << apply.err << server.log());
  CHECK(apply.code == 0);
  CHECK(apply.out.find("succeeded  create   registry_key.marker on " + std::string(kHost)) != std::string::npos);
  // Two requests in one session: the read, then the change with its read-back (the last one recorded).
  CHECK(read_file(replies.path() / "count") == "2");
  CHECK(read_file(server.record()).ends_with("request 2\n"));
  const std::string last = read_file(server.record());
  CHECK(last.find(R"("operation":"registry.create_key")") < last.find(R"("operation":"registry.get_key")"));
  CHECK(last.find(R"("chain":1)") != std::string::npos);
  auto again = supctl::test::run_cli({"plan", dir.path().string(), "--detailed-exitcode"});
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  CHECK(read_file(replies.path() / "count") == "3");
}

}  // namespace
