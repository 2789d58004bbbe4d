// The session protocol over the local transport and the fake powershell (tests/support/
// fake_powershell.cpp), which speaks it as the bootstrap does: frames, nonces, one process for many
// requests, deaths, timeouts, the idle timeout, and the limit of requests per process.

#include "backends/powershell/session.h"

#include <signal.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "backends/powershell/local.h"
#include "backends/powershell/protocol.h"
#include "support.h"
#include "support/fake_powershell_client.h"

namespace supctl::powershell {
namespace {

namespace fs = std::filesystem;
using plugin::FailureKind;
using namespace std::chrono_literals;

/// The fake as `pwsh` on a PATH of its own, logging to `log`.
struct SessionFixture {
  fs::path dir;
  LocalSettings settings;

  SessionFixture() {
    std::string pattern = (fs::temp_directory_path() / "supctl-session-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    fs::create_directory(dir / "bin");
    fs::create_symlink(SUPCTL_FAKE_POWERSHELL, dir / "bin" / "pwsh");
    settings.host = "sup01.contoso.com";
    settings.environment = {{"PATH", (dir / "bin").string()},
                            {"FAKE_POWERSHELL_RECORD", (dir / "record").string()},
                            {"FAKE_POWERSHELL_LOG", (dir / "log").string()}};
  }
  ~SessionFixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::vector<std::string> log(std::string_view word) const { return test::fake_log(dir / "log", word); }
  /// The process ids that the fake logged as started, in order.
  std::vector<std::string> pids() const {
    std::vector<std::string> out;
    for (const std::string& line : log("start")) out.push_back(line.substr(6));
    return out;
  }
};

/// Waits up to `limit` for `done`.
template <typename Done>
bool eventually(Done done, std::chrono::milliseconds limit = 10s) {
  const auto until = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST_CASE("session: a request frame is a fixed header, the script and the JSON, and round-trips exactly", "[session]") {
  const std::string nonce(kNonceSize, 'a');
  CHECK(request_frame(nonce, "Get-Date", "{\"a\":1}", 900) ==
        "SUPCTL R aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 0000000008 0000000007 0000000900\nGet-Date{\"a\":1}");
  CHECK(request_frame(nonce, "", "", 0).size() == kFrameHeaderSize);
  CHECK(stop_frame() == "SUPCTL S 00000000000000000000000000000000 0000000000 0000000000 0000000000\n");
  CHECK(new_nonce().size() == kNonceSize);
  CHECK(new_nonce() != new_nonce());

  // Through a real process: NULs, line breaks, a frame header and non-ASCII inside the parts.
  SessionFixture fixture;
  LocalTransport transport(fixture.settings);
  Session session(transport, "sup01.contoso.com");
  const std::string script = std::string("# ✓\0 nul\r\n", 12) + stop_frame() + "fake: echo\n";
  const std::string json = std::string("{\"v\":\"\0\",\"w\":\"", 14) + request_frame(nonce, "x", "y", 1) + "\"}";
  Outcome outcome = session.run(script, json, 20s);
  REQUIRE(outcome.failure == FailureKind::kNone);
  CHECK(outcome.stdout_text == json);
  CHECK(test::read_file(fixture.dir / "record") ==
        test::expected_record(bootstrap_arguments(), bootstrap_script(), script, json, 1));
}

TEST_CASE("session: an end line in a value, even with a nonce, does not end the response", "[session]") {
  SessionFixture fixture;
  LocalTransport transport(fixture.settings);
  Session session(transport, "sup01.contoso.com");
  std::string forged = "{\"v\":\"x\n";
  for (const std::string& guess : {std::string(kNonceSize, '0'), new_nonce()}) {
    forged += response_end(guess) + "\n" + response_begin(guess) + "\n";
  }
  forged += std::string(kResultEnd) + "\n--- supctl response end ---\n\"}";
  Outcome outcome = session.run("fake: echo", forged, 20s);
  REQUIRE(outcome.failure == FailureKind::kNone);
  CHECK(outcome.stdout_text == forged);
  // The session is in step: the next request gets its own response.
  Outcome next = session.run("fake: stdout next", "{}", 20s);
  CHECK(next.stdout_text == "next");
}

TEST_CASE("session: many requests go through one process", "[session]") {
  SessionFixture fixture;
  LocalTransport transport(fixture.settings);
  {
    Session session(transport, "sup01.contoso.com");
    for (int i = 1; i <= 25; ++i) {
      Outcome outcome = session.run("fake: echo", "{\"n\":" + std::to_string(i) + "}", 20s);
      REQUIRE(outcome.failure == FailureKind::kNone);
      CHECK(outcome.stdout_text == "{\"n\":" + std::to_string(i) + "}");
    }
    CHECK(session.stats() == SessionStats{1, 25});
  }
  CHECK(fixture.log("start").size() == 1);
  CHECK(fixture.log("request").size() == 25);
  // The destructor ended it with the stop frame.
  CHECK(fixture.log("exit") == std::vector<std::string>{"exit " + fixture.pids().at(0) + " stop"});
}

TEST_CASE("session: a process killed mid-request fails that request and the next one starts a new process", "[session]") {
  SessionFixture fixture;
  LocalTransport transport(fixture.settings);
  Session session(transport, "sup01.contoso.com");
  REQUIRE(session.run("", "{}", 20s).failure == FailureKind::kNone);

  std::thread killer([&] {
    REQUIRE(eventually([&] { return fixture.log("request").size() == 2; }));
    ::kill(std::stoi(fixture.pids().at(0)), SIGKILL);
  });
  Outcome killed = session.run("fake: sleep 30", "{}", 20s);
  killer.join();
  CHECK(killed.failure == FailureKind::kFailed);
  CHECK(killed.error ==
        "local: PowerShell ('" + (fixture.dir / "bin" / "pwsh").string() +
            "') for 'sup01.contoso.com' was ended by signal 9 (SIGKILL); supctl starts it again for the next request");

  Outcome next = session.run("", "{}", 20s);
  CHECK(next.failure == FailureKind::kNone);
  CHECK(fixture.pids().size() == 2);
  CHECK(session.stats() == SessionStats{2, 3});
}

TEST_CASE("session: after a second death requests fail at once with the same explanation", "[session]") {
  SessionFixture fixture;
  LocalTransport transport(fixture.settings);
  Session session(transport, "sup01.contoso.com");
  Outcome first = session.run("fake: exit 7", "{}", 20s);
  CHECK(first.error ==
        "local: PowerShell on 'sup01.contoso.com' ended during the request with exit code 7; supctl starts it again "
        "for the next request");
  Outcome second = session.run("fake: exit 8", "{}", 20s);
  const std::string explanation =
      "local: PowerShell on 'sup01.contoso.com' ended during the request with exit code 8; it has now ended twice "
      "in this command, so supctl does not start it again";
  CHECK(second.error == explanation);
  const auto start = Clock::now();
  Outcome third = session.run("", "{}", 20s);
  CHECK(Clock::now() - start < 100ms);
  CHECK(third.failure == FailureKind::kFailed);
  CHECK(third.error == explanation);
  CHECK(fixture.log("start").size() == 2);
  CHECK(session.stats() == SessionStats{2, 2});
}

TEST_CASE("session: the idle timeout ends a process nobody talks to, and the next request starts another", "[session]") {
  SessionFixture fixture;
  LocalTransport transport(fixture.settings);
  Session session(transport, "sup01.contoso.com", SessionSettings{.idle_timeout = 1s});
  REQUIRE(session.run("", "{}", 20s).failure == FailureKind::kNone);
  CHECK(eventually([&] { return fixture.log("exit").size() == 1; }, 5s));
  CHECK(fixture.log("exit") == std::vector<std::string>{"exit " + fixture.pids().at(0) + " idle"});
  CHECK(session.run("", "{}", 20s).failure == FailureKind::kNone);
  CHECK(session.stats() == SessionStats{2, 2});
}

TEST_CASE("session: max_requests_per_session = 1 is one process per request, each stopped cleanly", "[session]") {
  SessionFixture fixture;
  LocalTransport transport(fixture.settings);
  {
    Session session(transport, "sup01.contoso.com", SessionSettings{.max_requests_per_session = 1});
    for (int i = 0; i < 3; ++i) REQUIRE(session.run("", "{}", 20s).failure == FailureKind::kNone);
    CHECK(session.stats() == SessionStats{3, 3});
  }
  CHECK(fixture.log("start").size() == 3);
  CHECK(fixture.log("exit").size() == 3);
  for (const std::string& line : fixture.log("exit")) CHECK(line.ends_with(" stop"));
}

}  // namespace
}  // namespace supctl::powershell
