#include "verify/tracker.h"

#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/base64.h"

namespace supctl::verify {
namespace {

using namespace std::chrono_literals;
using model::Json;
using plugin::LogSource;
using std::chrono::milliseconds;

// ---------------------------------------------------------------------------------------------
// The fakes: a clock that moves only when the tracker sleeps, and hosts whose logs are strings.
// ---------------------------------------------------------------------------------------------

/// Time that moves only when the tracker sleeps. What the test scheduled for a moment happens as
/// the clock passes it, before the sleep returns (so the next poll sees it).
class FakeClock final : public ops::Clock {
 public:
  /// Starts away from zero: the tracker may only count differences.
  explicit FakeClock(milliseconds origin = 5h) : origin_(origin), now_(origin) {}

  milliseconds now() const override { return now_; }
  void sleep(milliseconds duration) override {
    slept_.push_back(duration);
    now_ += duration;
    run_due();
  }

  /// `action` runs once the clock is `after` past its origin.
  void at(milliseconds after, std::function<void()> action) { schedule_.push_back({origin_ + after, std::move(action)}); }

  milliseconds elapsed() const { return now_ - origin_; }
  const std::vector<milliseconds>& slept() const { return slept_; }
  std::size_t sleeps() const { return slept_.size(); }

 private:
  struct Planned {
    milliseconds when;
    std::function<void()> action;
  };

  void run_due() {
    std::stable_sort(schedule_.begin(), schedule_.end(), [](const Planned& a, const Planned& b) { return a.when < b.when; });
    std::vector<Planned> due;
    auto first_later = std::find_if(schedule_.begin(), schedule_.end(), [this](const Planned& p) { return p.when > now_; });
    std::move(schedule_.begin(), first_later, std::back_inserter(due));
    schedule_.erase(schedule_.begin(), first_later);
    for (Planned& p : due) p.action();
  }

  milliseconds origin_;
  milliseconds now_;
  std::vector<milliseconds> slept_;
  std::vector<Planned> schedule_;
};

std::string rolled_name(const std::string& log) {
  auto dot = log.rfind('.');
  return (dot == std::string::npos ? log : log.substr(0, dot)) + ".lo_";
}

/// Hosts whose logs are byte strings, read with `logs.read` exactly as plugins/host/operations.h states
/// it, with the rolling over the lab never does. Records every round trip.
class FakeLogs final : public ops::Backend {
 public:
  /// One round trip.
  struct Call {
    std::string host;
    std::size_t poll = 0;  ///< how many times the clock had slept when it came
    std::vector<Json> params;
    std::vector<plugin::OperationResult> results;
  };

  explicit FakeLogs(const FakeClock& clock) : clock_(clock) {}

  void append(const std::string& host, const std::string& log, std::string_view bytes) { files_[{host, log}] += bytes; }
  /// The log rolls over: what it holds becomes its .lo_ and `fresh` is the new log.
  void roll_over(const std::string& host, const std::string& log, std::string_view fresh) {
    files_[{host, rolled_name(log)}] = files_[{host, log}];
    files_[{host, log}] = std::string(fresh);
  }
  /// Every operation on the host fails with `error` until recover().
  void fail(const std::string& host, std::string error) { down_[host] = std::move(error); }
  void recover(const std::string& host) { down_.erase(host); }

  std::size_t size(const std::string& host, const std::string& log) const {
    auto it = files_.find({host, log});
    return it == files_.end() ? 0 : it->second.size();
  }
  const std::vector<Call>& calls() const { return calls_; }
  void forget_calls() { calls_.clear(); }
  int round_trips(const std::string& host) const {
    return static_cast<int>(std::count_if(calls_.begin(), calls_.end(), [&host](const Call& c) { return c.host == host; }));
  }
  /// The reads of one log on one host, in order, as (params, result) pairs.
  std::vector<std::pair<Json, plugin::OperationResult>> reads_of(const std::string& host, const std::string& log) const {
    std::vector<std::pair<Json, plugin::OperationResult>> out;
    for (const Call& c : calls_) {
      if (c.host != host) continue;
      for (std::size_t i = 0; i < c.params.size(); ++i) {
        if (c.params[i].value("log", std::string()) == log) out.emplace_back(c.params[i], c.results[i]);
      }
    }
    return out;
  }

  std::vector<plugin::OperationResult> run(const ops::HostTarget& host, std::span<const plugin::Operation> batch) override {
    Call call{host.name, clock_.sleeps(), {}, {}};
    for (const plugin::Operation& op : batch) {
      call.params.push_back(op.params);
      auto down = down_.find(host.name);
      call.results.push_back(down != down_.end() ? plugin::OperationResult{plugin::FailureKind::kUnreachable, nullptr, down->second}
                                                 : read(host.name, op));
    }
    calls_.push_back(call);
    return call.results;
  }

 private:
  static plugin::OperationResult failed(std::string error) { return {plugin::FailureKind::kFailed, nullptr, std::move(error)}; }

  plugin::OperationResult read(const std::string& host, const plugin::Operation& op) const {
    if (op.name != "logs.read") return failed(fmt::format("{}: not an operation this fake knows", op.name));
    const Json& p = op.params;
    if (!p.is_object() || !p.contains("log") || !p["log"].is_string()) return failed("logs.read: the parameter 'log' is missing or not a string");
    const std::string log = p["log"].get<std::string>();
    const std::string name = p.value("rolled", false) ? rolled_name(log) : log;
    const std::int64_t offset = p.value("offset", std::int64_t{0});
    const std::int64_t max_bytes = std::max<std::int64_t>(1, p.value("max_bytes", std::int64_t{8} << 20));
    auto file = files_.find({host, name});
    const bool exists = file != files_.end();
    const std::string all = exists ? file->second : std::string();
    const auto total = static_cast<std::int64_t>(all.size());
    Json result{{"exists", exists},
                {"path", exists ? "D:\\SMS\\Logs\\" + name : std::string()},
                {"size", total},
                {"encoding", all.starts_with("\xFF\xFE") ? "utf-16le" : "utf-8"}};
    if (offset < 0) {
      result.update(Json{{"offset", total}, {"next_offset", total}, {"data", ""}, {"rotated", false}, {"previous", ""}});
      return {plugin::FailureKind::kNone, std::move(result), {}};
    }
    std::int64_t from = offset;
    bool rotated = false;
    std::string previous;
    if (from > total) {  // shorter than where the reader was: it rolled over, the rest of the old one is in .lo_
      rotated = true;
      auto old = files_.find({host, rolled_name(log)});
      if (old != files_.end() && offset < static_cast<std::int64_t>(old->second.size())) previous = old->second.substr(static_cast<std::size_t>(offset));
      from = 0;
    }
    const std::int64_t count = std::min(max_bytes, total - from);
    result.update(Json{{"offset", from},
                       {"next_offset", from + count},
                       {"data", model::base64_encode(std::string_view(all).substr(static_cast<std::size_t>(from), static_cast<std::size_t>(count)))},
                       {"rotated", rotated},
                       {"previous", model::base64_encode(previous)}});
    return {plugin::FailureKind::kNone, std::move(result), {}};
  }

  const FakeClock& clock_;
  std::map<std::pair<std::string, std::string>, std::string> files_;  ///< (host, file name) -> bytes
  std::map<std::string, std::string> down_;                           ///< host -> the error its operations fail with
  std::vector<Call> calls_;
};

// ---------------------------------------------------------------------------------------------
// The chain: a software update point's install as plugins/configmgr/evidence.cpp describes it, cut
// to eight milestones over two hosts and three logs.
// ---------------------------------------------------------------------------------------------

const std::string kSite = "pr1cas.contoso.com";   // SiteComp.log and WCM.log; its name sorts before kWsus
const std::string kWsus = "pr1wsus.contoso.com";  // SUPSetup.log
const std::string kSubject = "the software update point role on pr1wsus.contoso.com";

constexpr std::size_t kInstalling = 0, kServiceInstalled = 1, kSetupStarted = 2, kPrereqs = 3, kInstalled = 4, kRan = 5,
                      kServiceRemoved = 6, kHealthy = 7;

const std::string kPrereqHint = "install the missing prerequisite on pr1wsus.contoso.com (SUPSetup.log names it), then run supctl apply again";
const std::string kInstalledHint = "read SUPSetup.log on pr1wsus.contoso.com from 'SMSWSUS Setup Started' on";
const std::string kRanHint = "the role setup failed on pr1wsus.contoso.com: SUPSetup.log there says why";
const std::string kWcmHint = "ConfigMgr connects to WSUS on pr1wsus.contoso.com as the site server's account: put it in the WSUS Administrators group there";
const std::string kTimeoutHint = "SiteComp.log on the site server shows Site Component Manager's progress, SUPSetup.log on pr1wsus.contoso.com the role setup";

plugin::InstallChain sup_chain(const std::string& site = kSite) {
  const LogSource sitecomp{site, "SiteComp.log", "SMS_SITE_COMPONENT_MANAGER"};
  const LogSource setup{kWsus, "SUPSetup.log", ""};
  const LogSource wcm{site, "WCM.log", "SMS_WSUS_CONFIGURATION_MANAGER"};
  plugin::InstallChain chain;
  chain.subject = kSubject;
  chain.milestones = {
      {"component SMS_WSUS_CONTROL_MANAGER installing", sitecomp, {"Installing component SMS_WSUS_CONTROL_MANAGER..."}, true},
      {"bootstrap service installed", sitecomp, {"Installed service SMS_SERVER_BOOTSTRAP_PR1WSUS"}},
      {"role setup started", setup, {"SMSWSUS Setup Started"}, true},
      {"prerequisites installed", setup, {"Completed Installation of Pre Reqs for Role SMSWSUS"}},
      {"installation was successful", setup, {"Installation was successful"}},
      {"role setup reported successful", sitecomp, {"executed successfully on server PR1WSUS.CONTOSO.COM"}},
      {"bootstrap service removed", sitecomp, {"Deinstalled service SMS_SERVER_BOOTSTRAP_PR1WSUS"}},
      {"no unhealthy WSUS components", wcm, {"There are no unhealthy WSUS Server components on WSUS Server PR1WSUS.CONTOSO.COM"}},
  };
  chain.failures = {
      {kPrereqs, setup, {"Failed to install Pre Req", "Pre Req failed"}, kPrereqHint},
      {kInstalled, setup, {"Installation failed"}, kInstalledHint},
      {kRan, sitecomp, {"failed on server PR1WSUS.CONTOSO.COM"}, kRanHint},
      {kHealthy, wcm, {"Failed to connect to WSUS server PR1WSUS.CONTOSO.COM", "The request failed with HTTP status 401"}, kWcmHint},
  };
  chain.timeout_hint = kTimeoutHint;
  return chain;
}

const std::vector<std::string> kMilestoneNames = {
    "component SMS_WSUS_CONTROL_MANAGER installing", "bootstrap service installed", "role setup started",
    "prerequisites installed", "installation was successful", "role setup reported successful",
    "bootstrap service removed", "no unhealthy WSUS components"};

// ---------------------------------------------------------------------------------------------
// Log lines as ConfigMgr writes them.
// ---------------------------------------------------------------------------------------------

/// A CMTrace line ("08:00:01" is written as "08:00:01.000+000"), with its CRLF.
std::string cmtrace(std::string_view component, std::string_view clock, std::string_view message, int type = 1) {
  return fmt::format("<![LOG[{}]LOG]!><time=\"{}.000+000\" date=\"11-21-2026\" component=\"{}\" context=\"\" type=\"{}\" thread=\"3412\" "
                     "file=\"sitecomp.cpp:1721\">\r\n",
                     message, clock, component, type);
}
std::string sitecomp(std::string_view clock, std::string_view message, int type = 1) {
  return cmtrace("SMS_SITE_COMPONENT_MANAGER", clock, message, type);
}
std::string wcm(std::string_view clock, std::string_view message, int type = 1) {
  return cmtrace("SMS_WSUS_CONFIGURATION_MANAGER", clock, message, type);
}
/// A SUPSetup.log line, with its CRLF.
std::string supsetup(std::string_view clock, std::string_view message) { return fmt::format("<11/21/26 {}> {}\r\n", clock, message); }

/// UTF-16LE of UTF-8 text within the Basic Multilingual Plane (all the tests write).
std::string utf16le(std::string_view utf8, bool bom = false) {
  std::string out = bom ? std::string("\xFF\xFE") : std::string();
  for (std::size_t i = 0; i < utf8.size();) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    const int extra = b < 0x80 ? 0 : b < 0xE0 ? 1 : 2;
    unsigned unit = extra == 0 ? b : extra == 1 ? (b & 0x1Fu) : (b & 0x0Fu);
    for (int k = 1; k <= extra; ++k) unit = (unit << 6) | (static_cast<unsigned char>(utf8[i + static_cast<std::size_t>(k)]) & 0x3Fu);
    out += static_cast<char>(unit & 0xFF);
    out += static_cast<char>(unit >> 8);
    i += 1 + static_cast<std::size_t>(extra);
  }
  return out;
}

/// Site Component Manager installs the role's bootstrap service (milestones 0 and 1), 4 lines.
std::string sitecomp_start() {
  return sitecomp("08:00:01", "Installing component SMS_WSUS_CONTROL_MANAGER...") +
         sitecomp("08:00:01", "Creating registry keys Operations Management\\SMS Server Role\\SMS Software Update Point on server PR1WSUS.CONTOSO.COM") +
         sitecomp("08:00:02", "Installed service SMS_SERVER_BOOTSTRAP_PR1WSUS.") +
         sitecomp("08:00:02", "Starting service SMS_SERVER_BOOTSTRAP_PR1WSUS with command-line arguments \"P01 D:\\SMS /install "
                              "D:\\SMS\\bin\\x64\\rolesetup.exe SMSWSUS 0\"...");
}
/// The role setup ran, and its bootstrap service is removed (milestones 5 and 6), 2 lines.
std::string sitecomp_end() {
  return sitecomp("08:02:20", "SMS_SERVER_BOOTSTRAP_PR1WSUS executed successfully on server PR1WSUS.CONTOSO.COM.") +
         sitecomp("08:02:21", "Deinstalled service SMS_SERVER_BOOTSTRAP_PR1WSUS.");
}
/// The role setup starts and installs its prerequisites (milestones 2 and 3), 4 lines.
std::string setup_start() {
  return supsetup("08:00:10", "SMSWSUS Setup Started....") +
         supsetup("08:00:10", "Parameters: D:\\SMS\\bin\\x64\\rolesetup.exe /install /siteserver:PR1CAS SMSWSUS 0") +
         supsetup("08:00:11", "Installing Pre Reqs for SMSWSUS") + supsetup("08:00:40", "Completed Installation of Pre Reqs for Role SMSWSUS");
}
/// The role setup finishes (milestone 4), 2 lines.
std::string setup_end() {
  return supsetup("08:00:41", "Supported WSUS version found") + supsetup("08:02:13", "Installation was successful.");
}
/// WSUS Configuration Manager finds WSUS healthy (milestone 7), 2 lines.
std::string wcm_healthy() {
  return wcm("08:05:00", "Checking runtime v4.0.30319...") +
         wcm("08:05:03", "There are no unhealthy WSUS Server components on WSUS Server PR1WSUS.CONTOSO.COM");
}
/// Lines of an earlier day that are no milestone.
std::string site_noise() {
  return sitecomp("07:12:00", "Processing SMS_SITE_CONTROL_MANAGER site control file change notification...") +
         sitecomp("07:12:01", "No changes detected for component SMS_WSUS_SYNC_MANAGER on server PR1CAS.CONTOSO.COM.");
}
std::string wcm_noise() {
  return wcm("07:00:00", "Waiting for changes for 59 minutes") + wcm("07:59:00", "Wait timed out after 59 minutes while waiting for at least one trigger event.");
}

// ---------------------------------------------------------------------------------------------
// A tracker over the fakes.
// ---------------------------------------------------------------------------------------------

struct Rig {
  FakeClock clock;
  FakeLogs logs{clock};
  std::vector<std::string> progress;

  Tracker tracker(TrackOptions options, plugin::InstallChain chain = sup_chain()) {
    return Tracker(std::move(chain), logs, clock, [](const std::string& host) { return ops::HostTarget{host, {}}; }, options,
                   [this](const std::string& line) { progress.push_back(line); });
  }
};

TrackOptions every(milliseconds interval, milliseconds timeout) {
  TrackOptions options;
  options.interval = interval;
  options.timeout = timeout;
  return options;
}

TrackOptions on_demand() {
  TrackOptions options;
  options.on_demand = true;
  options.timeout = 0ms;  // as `supctl verify` runs it
  return options;
}

/// Each milestone's proof as Sighting::str(), "-" when none.
std::vector<std::string> sightings(const TrackReport& report) {
  std::vector<std::string> out;
  for (const auto& s : report.seen) out.push_back(s ? s->str() : "-");
  return out;
}

std::vector<std::string> quoted(const TrackReport& report) {
  std::vector<std::string> out;
  for (const Sighting& s : report.quoted) out.push_back(s.str());
  return out;
}

/// The names of the milestones shown, in chain order.
std::vector<std::string> names_seen(const TrackReport& report) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < report.seen.size(); ++i) {
    if (report.seen[i]) out.push_back(report.milestones[i]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------

TEST_CASE("the tracker proves an install across two hosts and three logs with one round trip per host per poll", "[verify][tracker]") {
  Rig rig;
  rig.logs.append(kSite, "SiteComp.log", site_noise());
  rig.logs.append(kSite, "WCM.log", wcm_noise());
  // SUPSetup.log does not exist before the role's setup first runs.
  Tracker tracker = rig.tracker(every(15s, 30min));
  tracker.mark();

  // Marking: one round trip per host, every log asked for its size only.
  REQUIRE(rig.logs.calls().size() == 2);
  CHECK(rig.logs.calls()[0].host == kSite);
  CHECK(rig.logs.calls()[0].params ==
        std::vector<Json>{Json{{"log", "SiteComp.log"}, {"component", "SMS_SITE_COMPONENT_MANAGER"}, {"offset", -1}, {"max_bytes", 8388608}},
                          Json{{"log", "WCM.log"}, {"component", "SMS_WSUS_CONFIGURATION_MANAGER"}, {"offset", -1}, {"max_bytes", 8388608}}});
  CHECK(rig.logs.calls()[1].host == kWsus);
  CHECK(rig.logs.calls()[1].params ==
        std::vector<Json>{Json{{"log", "SUPSetup.log"}, {"component", ""}, {"offset", -1}, {"max_bytes", 8388608}}});
  rig.logs.forget_calls();

  rig.clock.at(15s, [&] { rig.logs.append(kSite, "SiteComp.log", sitecomp_start()); });
  rig.clock.at(30s, [&] { rig.logs.append(kWsus, "SUPSetup.log", setup_start()); });
  // Both hosts in one poll; the site server is read first, its later milestones come out after the setup's.
  rig.clock.at(45s, [&] {
    rig.logs.append(kWsus, "SUPSetup.log", setup_end());
    rig.logs.append(kSite, "SiteComp.log", sitecomp_end());
  });
  rig.clock.at(60s, [&] { rig.logs.append(kSite, "WCM.log", wcm_healthy()); });

  TrackReport report = tracker.wait();
  CHECK(report.outcome == TrackOutcome::kSucceeded);
  CHECK(report.waited == 60s);
  CHECK(rig.clock.slept() == std::vector<milliseconds>{15s, 15s, 15s, 15s});
  CHECK(report.milestones == kMilestoneNames);
  CHECK(report.implied == std::vector<bool>(8, false));
  CHECK_FALSE(report.failed_step);
  CHECK(report.quoted.empty());
  CHECK(report.read_errors.empty());
  CHECK(report.hint.empty());
  CHECK(report.summary() == "the software update point role on pr1wsus.contoso.com: proven by 8 milestones in SiteComp.log, SUPSetup.log and WCM.log");

  CHECK(rig.progress == std::vector<std::string>{
                            "SiteComp.log on pr1cas.contoso.com: component SMS_WSUS_CONTROL_MANAGER installing (2026-11-21 08:00:01.000 +000)",
                            "SiteComp.log on pr1cas.contoso.com: bootstrap service installed (2026-11-21 08:00:02.000 +000)",
                            "SUPSetup.log on pr1wsus.contoso.com: role setup started (2026-11-21 08:00:10.000)",
                            "SUPSetup.log on pr1wsus.contoso.com: prerequisites installed (2026-11-21 08:00:40.000)",
                            "SUPSetup.log on pr1wsus.contoso.com: installation was successful (2026-11-21 08:02:13.000)",
                            "SiteComp.log on pr1cas.contoso.com: role setup reported successful (2026-11-21 08:02:20.000 +000)",
                            "SiteComp.log on pr1cas.contoso.com: bootstrap service removed (2026-11-21 08:02:21.000 +000)",
                            "WCM.log on pr1cas.contoso.com: no unhealthy WSUS components (2026-11-21 08:05:03.000 +000)",
                        });

  struct Expected {
    std::string host, log, time, message;
  };
  const std::vector<Expected> expected = {
      {kSite, "SiteComp.log", "2026-11-21 08:00:01.000 +000", "Installing component SMS_WSUS_CONTROL_MANAGER..."},
      {kSite, "SiteComp.log", "2026-11-21 08:00:02.000 +000", "Installed service SMS_SERVER_BOOTSTRAP_PR1WSUS."},
      {kWsus, "SUPSetup.log", "2026-11-21 08:00:10.000", "SMSWSUS Setup Started...."},
      {kWsus, "SUPSetup.log", "2026-11-21 08:00:40.000", "Completed Installation of Pre Reqs for Role SMSWSUS"},
      {kWsus, "SUPSetup.log", "2026-11-21 08:02:13.000", "Installation was successful."},
      {kSite, "SiteComp.log", "2026-11-21 08:02:20.000 +000", "SMS_SERVER_BOOTSTRAP_PR1WSUS executed successfully on server PR1WSUS.CONTOSO.COM."},
      {kSite, "SiteComp.log", "2026-11-21 08:02:21.000 +000", "Deinstalled service SMS_SERVER_BOOTSTRAP_PR1WSUS."},
      {kSite, "WCM.log", "2026-11-21 08:05:03.000 +000",
       "There are no unhealthy WSUS Server components on WSUS Server PR1WSUS.CONTOSO.COM"},
  };
  REQUIRE(report.seen.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("milestone " << i);
    REQUIRE(report.seen[i]);
    CHECK(report.seen[i]->host == expected[i].host);
    CHECK(report.seen[i]->log == expected[i].log);
    CHECK(report.seen[i]->time == expected[i].time);
    CHECK(report.seen[i]->message == expected[i].message);
  }
  // SUPSetup.log was written from its start after the mark: its line numbers are the file's.
  CHECK(report.seen[kSetupStarted]->line == 1);
  CHECK(report.seen[kPrereqs]->line == 4);
  CHECK(report.seen[kInstalled]->line == 6);
  CHECK(report.seen[kInstalled]->str() == "pr1wsus.contoso.com SUPSetup.log:6 [2026-11-21 08:02:13.000] Installation was successful.");

  // Five polls (0s, 15s, 30s, 45s, 60s), each exactly one round trip per host.
  std::map<std::size_t, std::map<std::string, int>> per_poll;
  for (const FakeLogs::Call& call : rig.logs.calls()) ++per_poll[call.poll][call.host];
  const std::map<std::string, int> once_each{{kSite, 1}, {kWsus, 1}};
  CHECK(per_poll == std::map<std::size_t, std::map<std::string, int>>{
                        {0, once_each}, {1, once_each}, {2, once_each}, {3, once_each}, {4, once_each}});
  for (const FakeLogs::Call& call : rig.logs.calls()) CHECK(call.params.size() == (call.host == kSite ? 2u : 1u));
}

TEST_CASE("lines written before mark do not count", "[verify][tracker]") {
  SECTION("an old success then a new failure fails") {
    Rig rig;
    // The role was installed once before: every milestone is in the logs already.
    rig.logs.append(kSite, "SiteComp.log", sitecomp_start() + sitecomp_end());
    rig.logs.append(kWsus, "SUPSetup.log", setup_start() + setup_end());
    rig.logs.append(kSite, "WCM.log", wcm_healthy());
    Tracker tracker = rig.tracker(every(15s, 30min));
    tracker.mark();
    rig.clock.at(15s, [&] {
      rig.logs.append(kSite, "SiteComp.log", sitecomp("09:00:01", "Installing component SMS_WSUS_CONTROL_MANAGER..."));
      rig.logs.append(kWsus, "SUPSetup.log",
                      supsetup("09:00:10", "SMSWSUS Setup Started....") + supsetup("09:00:11", "Installing Pre Reqs for SMSWSUS") +
                          supsetup("09:00:12", "Failed to install Pre Req Microsoft ODBC Driver 18 for SQL Server. Error 0x80070643"));
    });

    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kFailed);
    CHECK(report.waited == 15s);
    CHECK(report.failed_step == kPrereqs);
    CHECK(report.hint == kPrereqHint);
    CHECK(names_seen(report) == std::vector<std::string>{"component SMS_WSUS_CONTROL_MANAGER installing", "role setup started"});
    REQUIRE(report.seen[kSetupStarted]);
    CHECK(report.seen[kSetupStarted]->time == "2026-11-21 09:00:10.000");
    // Only lines after the mark are quoted, however much of the log came before it.
    REQUIRE(report.quoted.size() == 3);
    CHECK(report.quoted[0].message == "SMSWSUS Setup Started....");
    CHECK(report.quoted[2].message == "Failed to install Pre Req Microsoft ODBC Driver 18 for SQL Server. Error 0x80070643");
  }

  SECTION("an old failure then a new success succeeds") {
    Rig rig;
    rig.logs.append(kSite, "SiteComp.log", sitecomp_start() + sitecomp("07:00:00", "SMS_SERVER_BOOTSTRAP_PR1WSUS failed on server PR1WSUS.CONTOSO.COM.", 3));
    rig.logs.append(kWsus, "SUPSetup.log", supsetup("07:00:00", "SMSWSUS Setup Started....") + supsetup("07:00:01", "Installation failed."));
    rig.logs.append(kSite, "WCM.log", wcm("07:00:00", "Failed to connect to WSUS server PR1WSUS.CONTOSO.COM, port 8530, ssl False", 3));
    Tracker tracker = rig.tracker(every(15s, 30min));
    tracker.mark();
    rig.logs.append(kSite, "SiteComp.log", sitecomp_start() + sitecomp_end());
    rig.logs.append(kWsus, "SUPSetup.log", setup_start() + setup_end());
    rig.logs.append(kSite, "WCM.log", wcm_healthy());

    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kSucceeded);
    CHECK(report.waited == 0s);
    CHECK(rig.clock.sleeps() == 0);
    CHECK_FALSE(report.failed_step);
  }
}

TEST_CASE("a failure is quoted with up to two lines before it from its own log", "[verify][tracker]") {
  Rig rig;
  rig.logs.append(kSite, "SiteComp.log", "");
  rig.logs.append(kSite, "WCM.log", "");
  Tracker tracker = rig.tracker(every(15s, 30min));
  tracker.mark();

  SECTION("three lines") {
    rig.clock.at(15s, [&] {
      rig.logs.append(kWsus, "SUPSetup.log",
                      supsetup("08:10:00", "SMSWSUS Setup Started....") + supsetup("08:10:01", "Installing Pre Reqs for SMSWSUS") +
                          supsetup("08:10:02", "Checking prerequisite Microsoft ODBC Driver 18 for SQL Server"));
      // Another log of the same site's install, written in between: not quoted.
      rig.logs.append(kSite, "SiteComp.log", sitecomp_start());
      rig.logs.append(kWsus, "SUPSetup.log",
                      supsetup("08:10:03", "Microsoft ODBC Driver 18 for SQL Server is not installed") +
                          supsetup("08:10:04", "Failed to install Pre Req Microsoft ODBC Driver 18 for SQL Server. Error 0x80070643") +
                          supsetup("08:10:05", "Setup is exiting"));
    });
    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kFailed);
    CHECK(report.waited == 15s);
    CHECK(report.failed_step == kPrereqs);
    CHECK(report.hint == kPrereqHint);
    CHECK(quoted(report) == std::vector<std::string>{
                                "pr1wsus.contoso.com SUPSetup.log:3 [2026-11-21 08:10:02.000] Checking prerequisite Microsoft ODBC Driver 18 for SQL Server",
                                "pr1wsus.contoso.com SUPSetup.log:4 [2026-11-21 08:10:03.000] Microsoft ODBC Driver 18 for SQL Server is not installed",
                                "pr1wsus.contoso.com SUPSetup.log:5 [2026-11-21 08:10:04.000] Failed to install Pre Req Microsoft ODBC Driver 18 for "
                                "SQL Server. Error 0x80070643",
                            });
    CHECK(report.summary() ==
          "the software update point role on pr1wsus.contoso.com: failed at 'prerequisites installed' (SUPSetup.log on "
          "pr1wsus.contoso.com): Failed to install Pre Req Microsoft ODBC Driver 18 for SQL Server. Error 0x80070643");
    CHECK(report.details() ==
          std::vector<std::string>{
              "ok       component SMS_WSUS_CONTROL_MANAGER installing: pr1cas.contoso.com SiteComp.log:1 [2026-11-21 08:00:01.000 +000] "
              "Installing component SMS_WSUS_CONTROL_MANAGER...",
              "ok       bootstrap service installed: pr1cas.contoso.com SiteComp.log:3 [2026-11-21 08:00:02.000 +000] Installed service "
              "SMS_SERVER_BOOTSTRAP_PR1WSUS.",
              "ok       role setup started: pr1wsus.contoso.com SUPSetup.log:1 [2026-11-21 08:10:00.000] SMSWSUS Setup Started....",
              "FAILED   prerequisites installed",
              "missing  installation was successful",
              "missing  role setup reported successful",
              "missing  bootstrap service removed",
              "missing  no unhealthy WSUS components",
              "  | pr1wsus.contoso.com SUPSetup.log:3 [2026-11-21 08:10:02.000] Checking prerequisite Microsoft ODBC Driver 18 for SQL Server",
              "  | pr1wsus.contoso.com SUPSetup.log:4 [2026-11-21 08:10:03.000] Microsoft ODBC Driver 18 for SQL Server is not installed",
              "  | pr1wsus.contoso.com SUPSetup.log:5 [2026-11-21 08:10:04.000] Failed to install Pre Req Microsoft ODBC Driver 18 for SQL "
              "Server. Error 0x80070643",
              "what to do: " + kPrereqHint,
          });
  }

  SECTION("fewer lines when the log has no more since the mark") {
    rig.clock.at(15s, [&] {
      rig.logs.append(kWsus, "SUPSetup.log",
                      supsetup("08:10:00", "SMSWSUS Setup Started....") + supsetup("08:10:01", "Installation failed. Error 0x80070643"));
    });
    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kFailed);
    CHECK(report.failed_step == kInstalled);
    CHECK(report.hint == kInstalledHint);
    CHECK(quoted(report) == std::vector<std::string>{
                                "pr1wsus.contoso.com SUPSetup.log:1 [2026-11-21 08:10:00.000] SMSWSUS Setup Started....",
                                "pr1wsus.contoso.com SUPSetup.log:2 [2026-11-21 08:10:01.000] Installation failed. Error 0x80070643",
                            });
    CHECK(report.summary() ==
          "the software update point role on pr1wsus.contoso.com: failed at 'installation was successful' (SUPSetup.log on "
          "pr1wsus.contoso.com): Installation failed. Error 0x80070643");
  }
}

TEST_CASE("of two failures in one poll the earliest step wins whichever host is read first", "[verify][tracker]") {
  // pr1cas sorts before pr1wsus, pr2site after it: the later step's failure is read first, then last.
  const std::string site = GENERATE(std::string("pr1cas.contoso.com"), std::string("pr2site.contoso.com"));
  CAPTURE(site);
  Rig rig;
  Tracker tracker = rig.tracker(every(15s, 30min), sup_chain(site));
  tracker.mark();
  rig.logs.forget_calls();
  rig.clock.at(15s, [&] {
    rig.logs.append(site, "SiteComp.log",
                    sitecomp_start() + sitecomp("08:05:00", "SMS_SERVER_BOOTSTRAP_PR1WSUS failed on server PR1WSUS.CONTOSO.COM.", 3));
    rig.logs.append(site, "WCM.log", wcm("08:05:01", "Failed to connect to WSUS server PR1WSUS.CONTOSO.COM, port 8530, ssl False", 3));
    rig.logs.append(kWsus, "SUPSetup.log",
                    setup_start() + supsetup("08:04:59", "Supported WSUS version found") + supsetup("08:05:00", "Installation failed. Error 0x80070643"));
  });

  TrackReport report = tracker.wait();
  REQUIRE(rig.logs.calls().size() >= 2);
  CHECK(rig.logs.calls()[0].host == std::min(site, kWsus));
  CHECK(report.outcome == TrackOutcome::kFailed);
  CHECK(report.waited == 15s);
  CHECK(report.failed_step == kInstalled);
  CHECK(report.hint == kInstalledHint);
  REQUIRE_FALSE(report.quoted.empty());
  CHECK(report.quoted.back().host == kWsus);
  CHECK(report.quoted.back().log == "SUPSetup.log");
  CHECK(report.summary() ==
        "the software update point role on pr1wsus.contoso.com: failed at 'installation was successful' (SUPSetup.log on "
        "pr1wsus.contoso.com): Installation failed. Error 0x80070643");
}

TEST_CASE("with nothing in the logs the tracker times out after exactly the timeout", "[verify][tracker]") {
  SECTION("the default 30 minutes every 15 seconds") {
    Rig rig;
    rig.logs.append(kSite, "SiteComp.log", site_noise());
    rig.logs.append(kSite, "WCM.log", wcm_noise());
    Tracker tracker = rig.tracker(TrackOptions{});
    tracker.mark();
    rig.logs.forget_calls();
    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kTimedOut);
    CHECK(report.waited == 30min);
    CHECK(rig.clock.elapsed() == 30min);
    CHECK(rig.clock.sleeps() == 120);
    CHECK(std::all_of(rig.clock.slept().begin(), rig.clock.slept().end(), [](milliseconds d) { return d == 15s; }));
    CHECK(rig.logs.round_trips(kSite) == 121);
    CHECK(rig.logs.round_trips(kWsus) == 121);
    CHECK(report.hint == kTimeoutHint);
    CHECK_FALSE(report.failed_step);
    CHECK(report.summary() ==
          "the software update point role on pr1wsus.contoso.com: not proven after 30m: no 'component SMS_WSUS_CONTROL_MANAGER "
          "installing', 'bootstrap service installed', 'role setup started', 'prerequisites installed', 'installation was successful', "
          "'role setup reported successful', 'bootstrap service removed' and 'no unhealthy WSUS components' yet");
    CHECK(report.read_errors == std::vector<std::string>{"SUPSetup.log on pr1wsus.contoso.com: there is no such log"});
    CHECK(report.details() == std::vector<std::string>{
                                  "missing  component SMS_WSUS_CONTROL_MANAGER installing",
                                  "missing  bootstrap service installed",
                                  "missing  role setup started",
                                  "missing  prerequisites installed",
                                  "missing  installation was successful",
                                  "missing  role setup reported successful",
                                  "missing  bootstrap service removed",
                                  "missing  no unhealthy WSUS components",
                                  "cannot read SUPSetup.log on pr1wsus.contoso.com: there is no such log",
                                  "what to do: " + kTimeoutHint,
                              });
  }

  SECTION("a timeout that is no multiple of the interval ends with a shorter sleep") {
    Rig rig;
    Tracker tracker = rig.tracker(every(15s, 100s));
    tracker.mark();
    rig.clock.at(15s, [&] { rig.logs.append(kSite, "SiteComp.log", sitecomp_start()); });
    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kTimedOut);
    CHECK(report.waited == 100s);
    CHECK(rig.clock.slept() == std::vector<milliseconds>{15s, 15s, 15s, 15s, 15s, 15s, 10s});  // ceil(100 / 15) sleeps
    CHECK(rig.progress.size() == 2);
    CHECK(report.summary() ==
          "the software update point role on pr1wsus.contoso.com: not proven after 1m40s: no 'role setup started', 'prerequisites "
          "installed', 'installation was successful', 'role setup reported successful', 'bootstrap service removed' and 'no unhealthy "
          "WSUS components' yet");
    CHECK(report.hint == kTimeoutHint);
  }
}

TEST_CASE("milestones of different hosts may show out of order", "[verify][tracker]") {
  Rig rig;
  Tracker tracker = rig.tracker(every(15s, 30min));
  tracker.mark();
  // The site server's later milestone (WSUS healthy) shows before the WSUS server's earlier ones.
  rig.clock.at(15s, [&] {
    rig.logs.append(kSite, "SiteComp.log", sitecomp_start());
    rig.logs.append(kSite, "WCM.log", wcm_healthy());
  });
  rig.clock.at(30s, [&] { rig.logs.append(kSite, "SiteComp.log", sitecomp_end()); });
  rig.clock.at(60s, [&] { rig.logs.append(kWsus, "SUPSetup.log", setup_start() + setup_end()); });

  TrackReport report = tracker.wait();
  CHECK(report.outcome == TrackOutcome::kSucceeded);
  CHECK(report.waited == 60s);
  CHECK(names_seen(report) == kMilestoneNames);
  CHECK(rig.progress == std::vector<std::string>{
                            "SiteComp.log on pr1cas.contoso.com: component SMS_WSUS_CONTROL_MANAGER installing (2026-11-21 08:00:01.000 +000)",
                            "SiteComp.log on pr1cas.contoso.com: bootstrap service installed (2026-11-21 08:00:02.000 +000)",
                            "WCM.log on pr1cas.contoso.com: no unhealthy WSUS components (2026-11-21 08:05:03.000 +000)",
                            "SiteComp.log on pr1cas.contoso.com: role setup reported successful (2026-11-21 08:02:20.000 +000)",
                            "SiteComp.log on pr1cas.contoso.com: bootstrap service removed (2026-11-21 08:02:21.000 +000)",
                            "SUPSetup.log on pr1wsus.contoso.com: role setup started (2026-11-21 08:00:10.000)",
                            "SUPSetup.log on pr1wsus.contoso.com: prerequisites installed (2026-11-21 08:00:40.000)",
                            "SUPSetup.log on pr1wsus.contoso.com: installation was successful (2026-11-21 08:02:13.000)",
                        });
}

TEST_CASE("a partial last line is matched only once its end arrives", "[verify][tracker]") {
  Rig rig;
  Tracker tracker = rig.tracker(every(15s, 30min));
  tracker.mark();
  rig.clock.at(15s, [&] {
    rig.logs.append(kSite, "SiteComp.log", sitecomp_start() + sitecomp_end());
    rig.logs.append(kSite, "WCM.log", wcm_healthy());
    // The setup is writing its last line: the sign is there, the line end is not.
    rig.logs.append(kWsus, "SUPSetup.log", setup_start() + supsetup("08:00:41", "Supported WSUS version found") + "<11/21/26 08:02:13> Installation was successful");
  });
  rig.clock.at(45s, [&] { rig.logs.append(kWsus, "SUPSetup.log", ".\r\n"); });

  TrackReport report = tracker.wait();
  CHECK(report.outcome == TrackOutcome::kSucceeded);
  CHECK(report.waited == 45s);
  REQUIRE(report.seen[kInstalled]);
  CHECK(report.seen[kInstalled]->message == "Installation was successful.");
  CHECK(report.seen[kInstalled]->line == 6);
  REQUIRE_FALSE(rig.progress.empty());
  CHECK(rig.progress.back() == "SUPSetup.log on pr1wsus.contoso.com: installation was successful (2026-11-21 08:02:13.000)");
}

TEST_CASE("a log that rolls over while tracked is read on from the rest of the old one into the new one", "[verify][tracker]") {
  Rig rig;
  // An earlier setup's log, long enough that the new one is shorter than where the tracker is.
  std::string old_log;
  for (int i = 0; i < 40; ++i) old_log += supsetup("06:00:00", fmt::format("Checking feature {} of the WSUS role", i));
  rig.logs.append(kWsus, "SUPSetup.log", old_log);
  Tracker tracker = rig.tracker(every(15s, 30min));
  tracker.mark();
  rig.clock.at(15s, [&] {
    rig.logs.append(kSite, "SiteComp.log", sitecomp_start() + sitecomp_end());
    rig.logs.append(kSite, "WCM.log", wcm_healthy());
    rig.logs.append(kWsus, "SUPSetup.log", supsetup("08:00:10", "SMSWSUS Setup Started...."));
  });
  rig.clock.at(30s, [&] {
    // The old log gets one more line, then rolls over to SUPSetup.lo_ and the setup goes on in a new log.
    rig.logs.append(kWsus, "SUPSetup.log", supsetup("08:00:40", "Completed Installation of Pre Reqs for Role SMSWSUS"));
    rig.logs.roll_over(kWsus, "SUPSetup.log", setup_end());
  });

  TrackReport report = tracker.wait();
  CHECK(report.outcome == TrackOutcome::kSucceeded);
  CHECK(report.waited == 30s);
  CHECK(names_seen(report) == kMilestoneNames);

  // The fake told the tracker what the contract says.
  auto reads = rig.logs.reads_of(kWsus, "SUPSetup.log");
  REQUIRE(reads.size() == 4);  // the mark, then the polls at 0s, 15s and 30s
  CHECK(reads[2].second.value["rotated"] == false);
  CHECK(reads[3].first["offset"] == old_log.size() + supsetup("08:00:10", "SMSWSUS Setup Started....").size());
  CHECK(reads[3].second.value["rotated"] == true);
  CHECK(model::base64_decode(reads[3].second.value["previous"].get<std::string>()) ==
        supsetup("08:00:40", "Completed Installation of Pre Reqs for Role SMSWSUS"));
  CHECK(reads[3].second.value["offset"] == 0);
  CHECK(reads[3].second.value["next_offset"] == setup_end().size());

  REQUIRE(report.seen[kPrereqs]);
  CHECK(report.seen[kPrereqs]->message == "Completed Installation of Pre Reqs for Role SMSWSUS");
  CHECK(report.seen[kPrereqs]->time == "2026-11-21 08:00:40.000");
  REQUIRE(report.seen[kInstalled]);
  CHECK(report.seen[kInstalled]->log == "SUPSetup.log");
  CHECK(report.seen[kInstalled]->line == 2);  // the new log's own line numbers
  CHECK(report.seen[kInstalled]->message == "Installation was successful.");
}

TEST_CASE("on demand the rolled-over copy is read before the log and the latest attempt counts", "[verify][tracker]") {
  Rig rig;

  SECTION("an old failure then a new attempt that succeeded") {
    rig.logs.append(kSite, "SiteComp.lo_", site_noise() + sitecomp_start());
    rig.logs.append(kSite, "SiteComp.log", sitecomp_end());
    rig.logs.append(kWsus, "SUPSetup.lo_",
                    supsetup("07:00:10", "SMSWSUS Setup Started....") + supsetup("07:00:11", "Installing Pre Reqs for SMSWSUS") +
                        supsetup("07:00:12", "Failed to install Pre Req Microsoft ODBC Driver 18 for SQL Server. Error 0x80070643"));
    rig.logs.append(kWsus, "SUPSetup.log", setup_start() + setup_end());
    rig.logs.append(kSite, "WCM.log", wcm_noise() + wcm_healthy());
    Tracker tracker = rig.tracker(on_demand());
    tracker.mark();  // does nothing on demand
    CHECK(rig.logs.calls().empty());

    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kSucceeded);
    CHECK(report.on_demand);
    CHECK(report.waited == 0s);
    CHECK(rig.clock.sleeps() == 0);
    CHECK_FALSE(report.failed_step);
    CHECK(report.read_errors.empty());
    CHECK(rig.progress.empty());  // no progress when judging what is already there
    CHECK(report.implied == std::vector<bool>(8, false));
    CHECK(sightings(report) ==
          std::vector<std::string>{
              "pr1cas.contoso.com SiteComp.lo_:3 [2026-11-21 08:00:01.000 +000] Installing component SMS_WSUS_CONTROL_MANAGER...",
              "pr1cas.contoso.com SiteComp.lo_:5 [2026-11-21 08:00:02.000 +000] Installed service SMS_SERVER_BOOTSTRAP_PR1WSUS.",
              "pr1wsus.contoso.com SUPSetup.log:1 [2026-11-21 08:00:10.000] SMSWSUS Setup Started....",
              "pr1wsus.contoso.com SUPSetup.log:4 [2026-11-21 08:00:40.000] Completed Installation of Pre Reqs for Role SMSWSUS",
              "pr1wsus.contoso.com SUPSetup.log:6 [2026-11-21 08:02:13.000] Installation was successful.",
              "pr1cas.contoso.com SiteComp.log:1 [2026-11-21 08:02:20.000 +000] SMS_SERVER_BOOTSTRAP_PR1WSUS executed successfully on server "
              "PR1WSUS.CONTOSO.COM.",
              "pr1cas.contoso.com SiteComp.log:2 [2026-11-21 08:02:21.000 +000] Deinstalled service SMS_SERVER_BOOTSTRAP_PR1WSUS.",
              "pr1cas.contoso.com WCM.log:4 [2026-11-21 08:05:03.000 +000] There are no unhealthy WSUS Server components on WSUS Server "
              "PR1WSUS.CONTOSO.COM",
          });
    CHECK(report.summary() == "the software update point role on pr1wsus.contoso.com: proven by 8 milestones in SiteComp.lo_, SUPSetup.log, "
                              "SiteComp.log and WCM.log");

    // Every log from its start: the .lo_ first, then the log itself.
    for (const auto& [host, log] : std::vector<std::pair<std::string, std::string>>{
             {kSite, "SiteComp.log"}, {kSite, "WCM.log"}, {kWsus, "SUPSetup.log"}}) {
      INFO(log);
      auto reads = rig.logs.reads_of(host, log);
      REQUIRE(reads.size() >= 2);
      CHECK(reads[0].first.value("rolled", false));
      CHECK(reads[0].first["offset"] == 0);
      CHECK_FALSE(reads[1].first.value("rolled", false));
      CHECK(reads[1].first["offset"] == 0);
      CHECK(reads.back().second.value["next_offset"] == rig.logs.size(host, log));
    }
  }

  SECTION("a milestone rolled out of the logs is implied by a later one") {
    rig.logs.append(kSite, "SiteComp.log", site_noise() + sitecomp_end());
    rig.logs.append(kWsus, "SUPSetup.log", setup_end());
    rig.logs.append(kSite, "WCM.log", wcm_healthy());
    Tracker tracker = rig.tracker(on_demand());
    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kSucceeded);
    CHECK(report.implied == std::vector<bool>{true, true, true, true, false, false, false, false});
    CHECK(report.read_errors.empty());  // no .lo_ is no error
    CHECK(report.summary() ==
          "the software update point role on pr1wsus.contoso.com: proven by 8 milestones in SUPSetup.log, SiteComp.log and WCM.log");
    CHECK(report.details() ==
          std::vector<std::string>{
              "implied  component SMS_WSUS_CONTROL_MANAGER installing: no longer in the logs (rolled over); a later milestone shows it happened",
              "implied  bootstrap service installed: no longer in the logs (rolled over); a later milestone shows it happened",
              "implied  role setup started: no longer in the logs (rolled over); a later milestone shows it happened",
              "implied  prerequisites installed: no longer in the logs (rolled over); a later milestone shows it happened",
              "ok       installation was successful: pr1wsus.contoso.com SUPSetup.log:2 [2026-11-21 08:02:13.000] Installation was successful.",
              "ok       role setup reported successful: pr1cas.contoso.com SiteComp.log:3 [2026-11-21 08:02:20.000 +000] "
              "SMS_SERVER_BOOTSTRAP_PR1WSUS executed successfully on server PR1WSUS.CONTOSO.COM.",
              "ok       bootstrap service removed: pr1cas.contoso.com SiteComp.log:4 [2026-11-21 08:02:21.000 +000] Deinstalled service "
              "SMS_SERVER_BOOTSTRAP_PR1WSUS.",
              "ok       no unhealthy WSUS components: pr1cas.contoso.com WCM.log:2 [2026-11-21 08:05:03.000 +000] There are no unhealthy WSUS "
              "Server components on WSUS Server PR1WSUS.CONTOSO.COM",
          });
  }

  SECTION("without the last milestone it is not proven") {
    rig.logs.append(kSite, "SiteComp.log", sitecomp_start() + sitecomp_end());
    rig.logs.append(kWsus, "SUPSetup.log", setup_start() + setup_end());
    rig.logs.append(kSite, "WCM.log", wcm_noise());
    Tracker tracker = rig.tracker(on_demand());
    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kTimedOut);
    CHECK(report.summary() == "the software update point role on pr1wsus.contoso.com: not proven by the logs: no 'no unhealthy WSUS components'");
    CHECK(report.hint == kTimeoutHint);
  }

  SECTION("nothing at all is not in the logs") {
    rig.logs.append(kSite, "SiteComp.log", site_noise());
    rig.logs.append(kSite, "WCM.log", wcm_noise());
    Tracker tracker = rig.tracker(on_demand());
    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kTimedOut);
    CHECK(report.implied == std::vector<bool>(8, false));
    CHECK(report.summary() == "the software update point role on pr1wsus.contoso.com: not in the logs: none of its 8 milestones is there");
    CHECK(report.read_errors == std::vector<std::string>{"SUPSetup.log on pr1wsus.contoso.com: there is no such log"});
    CHECK(report.hint == kTimeoutHint);
  }
}

TEST_CASE("a UTF-16LE log marked mid-file is decoded from the mark on", "[verify][tracker]") {
  const std::uint64_t max_read_bytes = GENERATE(std::uint64_t{8} << 20, std::uint64_t{7});  // 7: reads split code units and CRLFs
  CAPTURE(max_read_bytes);
  Rig rig;
  const std::string before = utf16le(supsetup("06:00:00", "SMSWSUS Setup Started....") + supsetup("06:00:01", "Installation failed."), true);
  rig.logs.append(kWsus, "SUPSetup.log", before);
  TrackOptions options = every(15s, 30min);
  options.max_read_bytes = max_read_bytes;
  Tracker tracker = rig.tracker(options);
  tracker.mark();
  auto marked = rig.logs.reads_of(kWsus, "SUPSetup.log");
  REQUIRE(marked.size() == 1);
  CHECK(marked[0].second.value["encoding"] == "utf-16le");
  CHECK(marked[0].second.value["size"] == before.size());

  // Text that is not ASCII shows whether the bytes after the mark were read as UTF-16LE (as UTF-8,
  // ASCII in UTF-16LE reads right anyway: its NULs are dropped).
  const std::string prereqs = "Completed Installation of Pre Reqs for Role SMSWSUS: Microsoft\u00AE SQL Server\u00AE 2012 Native Client";
  rig.clock.at(15s, [&] {
    rig.logs.append(kSite, "SiteComp.log", sitecomp_start() + sitecomp_end());
    rig.logs.append(kSite, "WCM.log", wcm_healthy());
    rig.logs.append(kWsus, "SUPSetup.log",
                    utf16le(supsetup("08:00:10", "SMSWSUS Setup Started....") + supsetup("08:00:40", prereqs) + setup_end()));
  });
  TrackReport report = tracker.wait();
  CHECK(report.outcome == TrackOutcome::kSucceeded);
  CHECK(report.waited == 15s);
  auto reads = rig.logs.reads_of(kWsus, "SUPSetup.log");
  REQUIRE(reads.size() >= 3);
  CHECK(reads[1].first["offset"] == before.size());  // on from the mark
  REQUIRE(report.seen[kSetupStarted]);
  // Read from the mark on, the tracker does not know the file's line numbers: it names none.
  CHECK(report.seen[kSetupStarted]->str() == "pr1wsus.contoso.com SUPSetup.log [2026-11-21 08:00:10.000] SMSWSUS Setup Started....");
  REQUIRE(report.seen[kPrereqs]);
  CHECK(report.seen[kPrereqs]->message == prereqs);
  CHECK(report.seen[kPrereqs]->line == 0);
  REQUIRE(report.seen[kInstalled]);
  CHECK(report.seen[kInstalled]->message == "Installation was successful.");
}

TEST_CASE("a sign must start a word and is matched without case", "[verify][tracker]") {
  Rig rig;
  Tracker tracker = rig.tracker(every(15s, 60s));
  tracker.mark();
  rig.clock.at(15s, [&] {
    // Every milestone but 'bootstrap service installed': only its removal is logged.
    rig.logs.append(kSite, "SiteComp.log",
                    sitecomp("08:00:01", "Installing component SMS_WSUS_CONTROL_MANAGER...") + sitecomp_end());
    rig.logs.append(kSite, "WCM.log", wcm_healthy());
    rig.logs.append(kWsus, "SUPSetup.log", setup_start() + setup_end());
  });

  SECTION("Deinstalled service is no sign of Installed service") {
    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kTimedOut);
    CHECK(report.waited == 60s);
    CHECK_FALSE(report.seen[kServiceInstalled]);
    REQUIRE(report.seen[kServiceRemoved]);
    CHECK(report.seen[kServiceRemoved]->message == "Deinstalled service SMS_SERVER_BOOTSTRAP_PR1WSUS.");
    CHECK(report.summary() == "the software update point role on pr1wsus.contoso.com: not proven after 1m: no 'bootstrap service installed' yet");
  }

  SECTION("the sign in another case at the start of the message counts") {
    rig.clock.at(30s, [&] { rig.logs.append(kSite, "SiteComp.log", sitecomp("08:00:02", "installed service sms_server_bootstrap_pr1wsus.")); });
    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kSucceeded);
    CHECK(report.waited == 30s);
    REQUIRE(report.seen[kServiceInstalled]);
    CHECK(report.seen[kServiceInstalled]->message == "installed service sms_server_bootstrap_pr1wsus.");
  }
}

TEST_CASE("a host whose reads fail is polled on until the timeout", "[verify][tracker]") {
  const std::string unreachable = "cannot reach 'pr1wsus.contoso.com': WinRM cannot complete the operation";
  Rig rig;
  rig.logs.append(kWsus, "SUPSetup.log", supsetup("06:00:00", "SMSWSUS Setup Started...."));

  SECTION("down all along") {
    rig.logs.fail(kWsus, unreachable);
    Tracker tracker = rig.tracker(every(15s, 60s));
    tracker.mark();
    rig.clock.at(15s, [&] {
      rig.logs.append(kSite, "SiteComp.log", sitecomp_start() + sitecomp_end());
      rig.logs.append(kSite, "WCM.log", wcm_healthy());
    });
    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kTimedOut);
    CHECK(report.waited == 60s);
    CHECK(rig.clock.sleeps() == 4);
    CHECK(rig.logs.round_trips(kWsus) == 6);  // the mark and five polls
    CHECK(report.read_errors == std::vector<std::string>{"SUPSetup.log on pr1wsus.contoso.com: " + unreachable});
    auto details = report.details();
    CHECK(std::find(details.begin(), details.end(), "cannot read SUPSetup.log on pr1wsus.contoso.com: " + unreachable) != details.end());
    CHECK(report.summary() ==
          "the software update point role on pr1wsus.contoso.com: not proven after 1m: no 'role setup started', 'prerequisites installed' "
          "and 'installation was successful' yet");
  }

  SECTION("down for a while after the mark, back before the timeout") {
    Tracker tracker = rig.tracker(every(15s, 120s));
    tracker.mark();
    rig.clock.at(15s, [&] { rig.logs.fail(kWsus, unreachable); });
    rig.clock.at(30s, [&] {
      rig.logs.append(kSite, "SiteComp.log", sitecomp_start() + sitecomp_end());
      rig.logs.append(kSite, "WCM.log", wcm_healthy());
      rig.logs.append(kWsus, "SUPSetup.log", setup_start() + setup_end());  // written while it cannot be read
    });
    rig.clock.at(60s, [&] { rig.logs.recover(kWsus); });
    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kSucceeded);
    CHECK(report.waited == 60s);
    CHECK(report.read_errors.empty());
    REQUIRE(report.seen[kSetupStarted]);
    CHECK(report.seen[kSetupStarted]->time == "2026-11-21 08:00:10.000");
  }

  SECTION("down at the mark, which then happens on the first poll that reads") {
    rig.logs.fail(kWsus, unreachable);
    Tracker tracker = rig.tracker(every(15s, 120s));
    tracker.mark();
    rig.clock.at(30s, [&] { rig.logs.recover(kWsus); });
    rig.clock.at(45s, [&] {
      rig.logs.append(kSite, "SiteComp.log", sitecomp_start() + sitecomp_end());
      rig.logs.append(kSite, "WCM.log", wcm_healthy());
      rig.logs.append(kWsus, "SUPSetup.log", setup_start() + setup_end());
    });
    TrackReport report = tracker.wait();
    CHECK(report.outcome == TrackOutcome::kSucceeded);
    CHECK(report.waited == 45s);
    CHECK(report.read_errors.empty());
    REQUIRE(report.seen[kSetupStarted]);
    CHECK(report.seen[kSetupStarted]->line == 0);  // read from a late mark mid-file: no line number is claimed
  }
}

TEST_CASE("a log with more new bytes than one read carries is read on at once", "[verify][tracker]") {
  Rig rig;
  rig.logs.append(kSite, "WCM.log", wcm_noise());
  TrackOptions options = every(15s, 30min);
  options.max_read_bytes = 64;
  Tracker tracker = rig.tracker(options);
  tracker.mark();
  rig.logs.forget_calls();
  rig.clock.at(15s, [&] {
    rig.logs.append(kSite, "SiteComp.log", sitecomp_start() + sitecomp_end());
    rig.logs.append(kWsus, "SUPSetup.log", setup_start() + setup_end());
    // WSUS Configuration Manager failed to connect once, then found WSUS healthy on its next cycle:
    // the failure and the milestone that clears it come in different reads.
    rig.logs.append(kSite, "WCM.log",
                    wcm("08:04:00", "Failed to connect to WSUS server PR1WSUS.CONTOSO.COM, port 8530, ssl False", 3) +
                        wcm("08:04:01", "Waiting for changes for 1 minutes") + wcm_healthy());
  });

  TrackReport report = tracker.wait();
  CHECK(report.outcome == TrackOutcome::kSucceeded);
  CHECK(report.waited == 15s);
  CHECK(rig.clock.slept() == std::vector<milliseconds>{15s});  // none between the chained reads
  CHECK_FALSE(report.failed_step);

  // Each log read in 64-byte steps, each read on from where the last ended, to its end.
  for (const auto& [host, log] : std::vector<std::pair<std::string, std::string>>{
           {kSite, "SiteComp.log"}, {kSite, "WCM.log"}, {kWsus, "SUPSetup.log"}}) {
    INFO(log);
    auto reads = rig.logs.reads_of(host, log);
    REQUIRE(reads.size() > 2);
    std::int64_t expected_offset = reads[0].first["offset"].get<std::int64_t>();
    for (const auto& [params, result] : reads) {
      CHECK(params["max_bytes"] == 64);
      CHECK(params["offset"] == expected_offset);
      expected_offset = result.value["next_offset"].get<std::int64_t>();
    }
    CHECK(static_cast<std::size_t>(expected_offset) == rig.logs.size(host, log));
  }
  // One round trip per host per read: SiteComp.log, the longest on the site server, sets the count.
  CHECK(rig.logs.round_trips(kSite) == 1 + static_cast<int>((sitecomp_start() + sitecomp_end()).size() + 63) / 64);
}

// The tracker keeps one failure: a failure of an earlier step replaces one of a later step, and when
// a retry in its own log clears it, the later step's failure (in another log, never cleared) is gone.
// `supctl verify` then says "not proven" with the timeout hint instead of quoting WCM.log's failure.
TEST_CASE("an earlier failure cleared by a retry does not hide a later step's failure in another log",
          "[verify][tracker]") {
  Rig rig;
  rig.logs.append(kSite, "SiteComp.log", sitecomp_start() + sitecomp_end());
  rig.logs.append(kSite, "WCM.log", wcm("08:05:00", "The request failed with HTTP status 401: Unauthorized.", 3));
  rig.logs.append(kWsus, "SUPSetup.log",
                  supsetup("07:00:10", "SMSWSUS Setup Started....") +
                      supsetup("07:00:12", "Failed to install Pre Req Microsoft ODBC Driver 18 for SQL Server. Error 0x80070643") +
                      setup_start() + setup_end());
  Tracker tracker = rig.tracker(on_demand());
  TrackReport report = tracker.wait();
  CHECK(report.outcome == TrackOutcome::kFailed);
  CHECK(report.failed_step == kHealthy);
  CHECK(report.hint == kWcmHint);
}

}  // namespace
}  // namespace supctl::verify
