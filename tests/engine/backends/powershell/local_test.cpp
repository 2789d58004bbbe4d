#include "backends/powershell/local.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "backends/powershell/protocol.h"
#include "backends/powershell/session.h"
#include "support/fake_powershell_client.h"

namespace {

namespace fs = std::filesystem;
using supctl::plugin::FailureKind;
using supctl::powershell::bootstrap_arguments;
using supctl::powershell::bootstrap_script;
using supctl::powershell::Channel;
using supctl::powershell::LocalSettings;
using supctl::powershell::LocalTransport;
using supctl::powershell::Outcome;
using supctl::powershell::Session;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const fs::path kFake = SUPCTL_FAKE_POWERSHELL;

/// A directory of its own under /tmp, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "supctl-local-test-XXXXXX").string();
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
using supctl::test::fake_log;

/// A directory holding the fake as `pwsh`, and settings whose PATH is that directory only.
struct LocalFixture {
  TempDir dir;
  LocalSettings settings;

  LocalFixture() {
    fs::create_directory(dir.path() / "bin");
    fs::create_symlink(kFake, dir.path() / "bin" / "pwsh");
    settings.host = "sup01.contoso.com";
    settings.environment = {{"PATH", (dir.path() / "bin").string()},
                            {"FAKE_POWERSHELL_RECORD", (dir.path() / "record").string()},
                            {"FAKE_POWERSHELL_LOG", (dir.path() / "log").string()}};
  }
  fs::path record() const { return dir.path() / "record"; }
  std::vector<std::string> log(std::string_view word) const { return fake_log(dir.path() / "log", word); }
};

}  // namespace

TEST_CASE("local: a request reaches pwsh byte for byte and its response comes back exactly", "[local]") {
  LocalFixture fixture;
  std::string script = "Write-Output 'Grüße aus Köln ✓ 日本語 𝄞'\n";
  while (script.size() < 3 * 1024 * 1024)
    script += "# line of padding: \u00e9\u00e8\u00ea " + std::to_string(script.size()) + "\n";
  const std::string json = R"({"name":"WSUS Überwachung","path":"C:\\Program Files\\Update Services","n":[1,2,3]})";
  std::string out;
  for (std::size_t i = 0; out.size() < 6 * 1024 * 1024; ++i) out += static_cast<char>(i % 256);
  write_file(fixture.dir.path() / "out", out);
  fixture.settings.environment["FAKE_POWERSHELL_REPLY_STDOUT"] = (fixture.dir.path() / "out").string();

  LocalTransport transport(fixture.settings);
  CHECK(transport.name() == "local");
  Session session(transport, "sup01.contoso.com");
  Outcome outcome = session.run(script, json, 20s);
  INFO(outcome.error << outcome.stderr_text);
  REQUIRE(outcome.failure == FailureKind::kNone);
  CHECK(outcome.exit_code == 0);
  REQUIRE(outcome.stdout_text.size() == out.size());
  CHECK((outcome.stdout_text == out));
  CHECK(outcome.stderr_text.empty());
  const std::string record = read_file(fixture.record());
  const std::string expected = expected_record(bootstrap_arguments(), bootstrap_script(), script, json, 1);
  REQUIRE(record.size() == expected.size());
  CHECK((record == expected));
}

TEST_CASE("local: a process that dies mid-request fails it with its exit code and decoded stderr", "[local]") {
  LocalFixture fixture;
  const std::string err =
      "#< CLIXML\r\n<Objs Version=\"1.1.0.1\"><S S=\"Error\">Zugriff verweigert_x000D__x000A_</S></Objs>";
  write_file(fixture.dir.path() / "err", err);
  write_file(fixture.dir.path() / "exit", "3\n");
  fixture.settings.environment["FAKE_POWERSHELL_REPLY_STDERR"] = (fixture.dir.path() / "err").string();
  fixture.settings.environment["FAKE_POWERSHELL_REPLY_EXIT"] = (fixture.dir.path() / "exit").string();

  LocalTransport transport(fixture.settings);
  Session session(transport, "sup01.contoso.com");
  Outcome outcome = session.run("exit 3", "{}", 20s);
  CHECK(outcome.failure == FailureKind::kFailed);
  CHECK(outcome.error ==
        "local: PowerShell on 'sup01.contoso.com' ended during the request with exit code 3; stderr: Zugriff "
        "verweigert; supctl starts it again for the next request");
}

TEST_CASE("local: powershell.exe is preferred to pwsh", "[local]") {
  LocalFixture fixture;
  const fs::path windows = fixture.dir.path() / "bin" / "powershell.exe";
  write_file(windows, "#!/bin/sh\nFAKE_POWERSHELL_LOG='" + (fixture.dir.path() / "exe.log").string() + "' exec '" +
                          kFake.string() + "' \"$@\"\n");
  fs::permissions(windows, fs::perms::owner_all);
  LocalTransport transport(fixture.settings);
  Session session(transport, "sup01.contoso.com");
  CHECK(session.run("", "{}", 20s).failure == FailureKind::kNone);
  CHECK(fake_log(fixture.dir.path() / "exe.log", "start").size() == 1);
  CHECK(fixture.log("start").empty());
}

TEST_CASE("local: without PowerShell on PATH the error names the transport and both programs", "[local]") {
  LocalFixture fixture;
  fixture.settings.environment["PATH"] = (fixture.dir.path() / "empty").string();
  LocalTransport transport(fixture.settings);
  Outcome outcome = Session(transport, "sup01.contoso.com").run("", "{}", 20s);
  CHECK(outcome.failure == FailureKind::kUnreachable);
  CHECK(outcome.error ==
        "local: cannot run PowerShell for 'sup01.contoso.com': neither 'powershell.exe' nor 'pwsh' is on PATH ('" +
            (fixture.dir.path() / "empty").string() +
            "'); check that PowerShell is installed (Windows PowerShell, or PowerShell 7 as pwsh) and on PATH");
}

TEST_CASE("local: a request past its timeout is stopped, its process group killed, and reported as a timeout", "[local]") {
  LocalFixture fixture;
  LocalTransport transport(fixture.settings);
  Session session(transport, "sup01.contoso.com");
  const auto start = Clock::now();
  Outcome outcome = session.run("fake: sleep 30", "{}", 400ms);
  CHECK(Clock::now() - start < 5s);
  CHECK(outcome.failure == FailureKind::kTimeout);
  CHECK(outcome.error ==
        "local: the request to PowerShell on 'sup01.contoso.com' did not finish within 0.4 s; supctl ended that "
        "PowerShell process (the next request starts a new one); check what the script waits for, or allow it more "
        "time");
  REQUIRE(fixture.log("start").size() == 1);
  const pid_t pid = std::stoi(fixture.log("start")[0].substr(6));
  CHECK(::kill(-pid, 0) == -1);  // the group is gone, the child reaped
  CHECK(errno == ESRCH);
  // The next request starts a new process.
  CHECK(session.run("", "{}", 20s).failure == FailureKind::kNone);
  CHECK(fixture.log("start").size() == 2);
}

TEST_CASE("local: the fake refuses what a transport must never send", "[local]") {
  LocalFixture fixture;
  LocalTransport transport(fixture.settings);

  Outcome failure;
  std::unique_ptr<Channel> wrong = transport.open({"-Command", "Get-Date"}, Clock::now() + 20s, &failure);
  REQUIRE(wrong);
  std::string out;
  CHECK(wrong->read(out, Clock::now() + 20s) == Channel::Status::kEnded);
  Outcome refused = wrong->end();
  CHECK(refused.exit_code == 64);
  CHECK(refused.stderr_text ==
        "fake_powershell: expected -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand <base64>, got "
        "'-Command' 'Get-Date'\n");

  std::unique_ptr<Channel> unframed = transport.open(bootstrap_arguments(), Clock::now() + 20s, &failure);
  REQUIRE(unframed);
  CHECK(unframed->write(std::string(100, 'x'), Clock::now() + 20s) != Channel::Status::kTimedOut);
  CHECK(unframed->read(out, Clock::now() + 20s) == Channel::Status::kEnded);
  Outcome no_frame = unframed->end();
  CHECK(no_frame.exit_code == 65);
  CHECK(no_frame.stderr_text == "fake_powershell: stdin holds no request frame\n");
  CHECK_FALSE(fs::exists(fixture.record()));
}
