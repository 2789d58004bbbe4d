#include "backends/powershell/local.h"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "support/fake_powershell_client.h"

namespace {

namespace fs = std::filesystem;
using supctl::model::FailureKind;
using supctl::powershell::Invocation;
using supctl::powershell::kPayloadSentinel;
using supctl::powershell::LocalSettings;
using supctl::powershell::LocalTransport;
using supctl::powershell::Outcome;
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
using supctl::test::invocation;
using supctl::test::kBootstrap;

/// A directory holding the fake as `pwsh`, and settings whose PATH is that directory only.
struct LocalFixture {
  TempDir dir;
  LocalSettings settings;

  LocalFixture() {
    fs::create_directory(dir.path() / "bin");
    fs::create_symlink(kFake, dir.path() / "bin" / "pwsh");
    settings.host = "sup01.contoso.com";
    settings.environment = {{"PATH", (dir.path() / "bin").string()},
                            {"FAKE_POWERSHELL_RECORD", (dir.path() / "record").string()}};
  }
  fs::path record() const { return dir.path() / "record"; }
};

}  // namespace

TEST_CASE("local: runs pwsh from PATH and hands it the payload byte for byte", "[local]") {
  LocalFixture fixture;
  std::string script = "Write-Output 'Grüße aus Köln ✓ 日本語 𝄞'\n";
  while (script.size() < 3 * 1024 * 1024)
    script += "# line of padding: \u00e9\u00e8\u00ea " + std::to_string(script.size()) + "\n";
  const std::string json = R"({"name":"WSUS Überwachung","path":"C:\\Program Files\\Update Services","n":[1,2,3]})";
  Invocation sent = invocation(kBootstrap, script, json);

  LocalTransport transport(fixture.settings);
  CHECK(transport.name() == "local");
  Outcome outcome = transport.run(sent);
  INFO(outcome.error << outcome.stderr_text);
  REQUIRE(outcome.failure == FailureKind::kNone);
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.stdout_text == "{\"fake_powershell\":true,\"script_bytes\":" + std::to_string(script.size()) +
                                   ",\"json_bytes\":" + std::to_string(json.size()) + "}\n");
  CHECK(outcome.stderr_text.empty());
  const std::string record = read_file(fixture.record());
  const std::string expected = expected_record(sent, kBootstrap, script, json);
  REQUIRE(record.size() == expected.size());
  CHECK((record == expected));
}

TEST_CASE("local: stdout, stderr and the exit code come back exactly", "[local]") {
  LocalFixture fixture;
  std::string out;
  for (std::size_t i = 0; out.size() < 6 * 1024 * 1024; ++i) out += static_cast<char>(i % 256);
  const std::string err =
      "#< CLIXML\r\n<Objs Version=\"1.1.0.1\"><S S=\"Error\">Zugriff verweigert_x000D__x000A_</S></Objs>";
  write_file(fixture.dir.path() / "out", out);
  write_file(fixture.dir.path() / "err", err);
  write_file(fixture.dir.path() / "exit", "3\n");
  fixture.settings.environment["FAKE_POWERSHELL_REPLY_STDOUT"] = (fixture.dir.path() / "out").string();
  fixture.settings.environment["FAKE_POWERSHELL_REPLY_STDERR"] = (fixture.dir.path() / "err").string();
  fixture.settings.environment["FAKE_POWERSHELL_REPLY_EXIT"] = (fixture.dir.path() / "exit").string();

  LocalTransport transport(fixture.settings);
  Outcome outcome = transport.run(invocation(kBootstrap, "exit 3", "{}"));
  REQUIRE(outcome.failure == FailureKind::kNone);
  CHECK(outcome.exit_code == 3);
  REQUIRE(outcome.stdout_text.size() == out.size());
  CHECK((outcome.stdout_text == out));
  CHECK(outcome.stderr_text == err);

  write_file(fixture.dir.path() / "exit", "0");
  CHECK(transport.run(invocation(kBootstrap, "exit 0", "{}")).exit_code == 0);
}

TEST_CASE("local: powershell.exe is preferred to pwsh", "[local]") {
  LocalFixture fixture;
  const fs::path windows = fixture.dir.path() / "bin" / "powershell.exe";
  write_file(windows, "#!/bin/sh\nprintf 'powershell.exe'\n");
  fs::permissions(windows, fs::perms::owner_all);
  Outcome outcome = LocalTransport(fixture.settings).run(invocation(kBootstrap, "", "{}"));
  CHECK(outcome.failure == FailureKind::kNone);
  CHECK(outcome.stdout_text == "powershell.exe");
}

TEST_CASE("local: without PowerShell on PATH the error names the transport and both programs", "[local]") {
  LocalFixture fixture;
  fixture.settings.environment["PATH"] = (fixture.dir.path() / "empty").string();
  Outcome outcome = LocalTransport(fixture.settings).run(invocation(kBootstrap, "", "{}"));
  CHECK(outcome.failure == FailureKind::kUnreachable);
  CHECK(outcome.error ==
        "local: cannot run PowerShell for 'sup01.contoso.com': neither 'powershell.exe' nor 'pwsh' is on PATH ('" +
            (fixture.dir.path() / "empty").string() +
            "'); check that PowerShell is installed (Windows PowerShell, or PowerShell 7 as pwsh) and on PATH");
}

TEST_CASE("local: a run past its timeout is stopped and reported as a timeout", "[local]") {
  LocalFixture fixture;
  fixture.settings.environment["FAKE_POWERSHELL_SLEEP"] = "30";
  Invocation sent = invocation(kBootstrap, "Start-Sleep 30", "{}");
  sent.timeout = 400ms;
  const auto start = Clock::now();
  Outcome outcome = LocalTransport(fixture.settings).run(sent);
  CHECK(Clock::now() - start < 5s);
  CHECK(outcome.failure == FailureKind::kTimeout);
  CHECK(outcome.error == "local: PowerShell ('" + (fixture.dir.path() / "bin" / "pwsh").string() +
                             "') for 'sup01.contoso.com' did not finish within 0.4 s and was stopped; check what the "
                             "script waits for, or allow it more time");
  CHECK(fs::exists(fixture.record()));  // it had started
}

TEST_CASE("local: the fake refuses what a transport must never send", "[local]") {
  LocalFixture fixture;
  LocalTransport transport(fixture.settings);

  Invocation wrong_arguments = invocation(kBootstrap, "", "{}");
  wrong_arguments.arguments = {"-Command", "Get-Date"};
  Outcome refused = transport.run(wrong_arguments);
  CHECK(refused.exit_code == 64);
  CHECK(refused.stderr_text ==
        "fake_powershell: expected -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand <base64>, got "
        "'-Command' 'Get-Date'\n");

  Invocation no_sentinel = invocation(kBootstrap, "", "{}");
  no_sentinel.stdin_payload = "Get-Date";
  Outcome no_split = transport.run(no_sentinel);
  CHECK(no_split.exit_code == 65);
  CHECK(no_split.stderr_text == "fake_powershell: stdin holds no four-NUL sentinel between script and JSON\n");
  CHECK_FALSE(fs::exists(fixture.record()));
}
