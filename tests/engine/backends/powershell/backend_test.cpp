// The PowerShell backend over recording transports: one request per batch, one transport and one
// session per host reused across runs, unreachable hosts, operations without a fragment, the
// sessions' counters and one process per request when limited so, and a plan against 50 hosts that
// costs exactly 50 read requests.

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "backends/powershell/backend.h"
#include "diag/render.h"
#include "fakes/fake_plugin.h"
#include "manifest/validate.h"
#include "model/parallel.h"
#include "ops/batch.h"
#include "plan/planner.h"

namespace supctl::powershell {
namespace {

using plugin::FailureKind;
using model::Json;
using plugin::Operation;

/// One request as the far side received it.
struct Request {
  std::string script;
  std::string json;
};

/// Plays the Windows side of a session: checks the command line, parses each request frame, and
/// answers each operation of its JSON from `answer`, between the nonce's lines amid profile noise,
/// as the bootstrap and the assembled script would. Records every request and channel, and fails
/// the test on concurrent use.
class RecordingTransport final : public Transport {
 public:
  using Answer = std::function<plugin::OperationResult(const std::string& host, const Operation&)>;
  RecordingTransport(std::string host, Answer answer) : host_(std::move(host)), answer_(std::move(answer)) {}

  class RecordingChannel final : public Channel {
   public:
    explicit RecordingChannel(RecordingTransport& owner) : owner_(owner) {}
    Status write(std::string_view bytes, Clock::time_point) override {
      if (owner_.busy_.exchange(true)) owner_.concurrent_use = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      input_.append(bytes);
      while (input_.size() >= kFrameHeaderSize) {
        const std::string header = input_.substr(0, kFrameHeaderSize);
        if (header[7] != 'R') {
          input_.clear();
          stopped = true;
          break;
        }
        const std::size_t script_size = std::stoul(header.substr(42, 10));
        const std::size_t json_size = std::stoul(header.substr(53, 10));
        if (input_.size() < kFrameHeaderSize + script_size + json_size) break;
        Request request{input_.substr(kFrameHeaderSize, script_size), input_.substr(kFrameHeaderSize + script_size, json_size)};
        input_.erase(0, kFrameHeaderSize + script_size + json_size);
        output_ += fmt::format("Windows PowerShell\r\nCopyright (C) Microsoft Corporation.\r\n\n{}\n{}\r\n{}\n",
                               response_begin(header.substr(9, 32)), owner_.answer(request), response_end(header.substr(9, 32)));
        owner_.requests.push_back(std::move(request));
      }
      owner_.busy_ = false;
      return Status::kOk;
    }
    Status read(std::string& out, Clock::time_point) override {
      if (output_.empty()) return Status::kEnded;
      out += std::exchange(output_, std::string());
      return Status::kOk;
    }
    std::string take_stderr() override { return {}; }
    Outcome end() override { return transport_failure(FailureKind::kFailed, "recording: nothing to answer"); }
    void close(std::string_view goodbye, std::chrono::milliseconds) override {
      if (goodbye == stop_frame()) stopped = true;
    }
    bool stopped = false;

   private:
    RecordingTransport& owner_;
    std::string input_;
    std::string output_;
  };

  std::unique_ptr<Channel> open(const std::vector<std::string>& arguments, Clock::time_point, Outcome* failure) override {
    if (arguments != bootstrap_arguments()) {
      *failure = transport_failure(FailureKind::kFailed, "bad arguments");
      return nullptr;
    }
    ++opened;
    return std::make_unique<RecordingChannel>(*this);
  }
  std::string_view name() const override { return "recording"; }

  std::vector<Request> requests;
  int opened = 0;
  bool concurrent_use = false;

 private:
  std::string answer(const Request& request) {
    Json document = Json::parse(request.json);
    Json results = Json::array();
    for (const Json& item : document["operations"]) {
      Operation op{item["operation"].get<std::string>(), item["params"]};
      if (request.script.find("  '" + op.name + "' = 'SupctlOp_") == std::string::npos) {
        results.push_back(Json{{"ok", false}, {"kind", "failed"}, {"error", "no function for it in the script"}});
        continue;
      }
      plugin::OperationResult result = answer_(host_, op);
      if (result.ok()) {
        results.push_back(Json{{"ok", true}, {"value", result.value}});
      } else {
        std::string kind = result.failure == FailureKind::kAccessDenied ? "access_denied"
                           : result.failure == FailureKind::kTimeout    ? "timeout"
                                                                        : "failed";
        results.push_back(Json{{"ok", false}, {"kind", kind}, {"error", result.error}});
      }
    }
    return fmt::format("{}\r\n{}\r\n{}", kResultBegin, Json{{"supctl", 1}, {"results", results}}.dump(), kResultEnd);
  }

  std::string host_;
  Answer answer_;
  std::atomic<bool> busy_{false};
};

/// A transport factory that makes RecordingTransports and keeps them (owned by the backend) in view.
struct Transports {
  std::mutex mutex;
  std::map<std::string, RecordingTransport*> by_host;
  std::map<std::string, int> made;  ///< host -> factory calls that made one
  std::set<std::string> refused;    ///< hosts the factory cannot make a transport for
  RecordingTransport::Answer answer = [](const std::string&, const Operation& op) {
    return plugin::OperationResult{FailureKind::kNone, Json{{"echo", op.params}}, {}};
  };

  TransportFactory factory() {
    return [this](const ops::HostTarget& host, std::string* error) -> std::unique_ptr<Transport> {
      std::lock_guard lock(mutex);
      if (refused.contains(host.name)) {
        *error = fmt::format("winrm: cannot reach '{}': no password for the host's user", host.name);
        return nullptr;
      }
      auto transport = std::make_unique<RecordingTransport>(host.name, answer);
      by_host[host.name] = transport.get();
      ++made[host.name];
      return transport;
    };
  }
  int round_trips() {
    std::lock_guard lock(mutex);
    int total = 0;
    for (const auto& [host, transport] : by_host) total += static_cast<int>(transport->requests.size());
    return total;
  }
};

FragmentLookup demo_fragments() {
  return fragment_lookup({{"demo.get", "return @{ value = $p.value }"}, {"demo.set", "return @{}"}});
}

TEST_CASE("a batch is one round trip and its results come back in order", "[powershell]") {
  Transports transports;
  PowerShellBackend backend(demo_fragments(), transports.factory());
  std::vector<Operation> batch{
      {"demo.get", {{"value", 1}}}, {"demo.set", {{"value", 2}}}, {"demo.get", {{"value", 3}}}};
  auto results = backend.run(ops::HostTarget{"pr1wsus.contoso.com", {}}, batch);
  REQUIRE(results.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(results[i].ok());
    CHECK(results[i].value == Json{{"echo", batch[i].params}});
  }
  REQUIRE(transports.by_host.size() == 1);
  const Request& sent = transports.by_host["pr1wsus.contoso.com"]->requests.at(0);
  CHECK(sent.script == assemble_script(batch, demo_fragments()));
  CHECK(sent.json == payload_json(batch));
  CHECK(transports.round_trips() == 1);
  CHECK(backend.run(ops::HostTarget{"pr1wsus.contoso.com", {}}, {}).empty());
  CHECK(transports.round_trips() == 1);  // an empty batch costs nothing
}

TEST_CASE("one transport per host is made once and reused", "[powershell]") {
  Transports transports;
  PowerShellBackend backend(demo_fragments(), transports.factory());
  std::vector<Operation> batch{{"demo.get", {{"value", 1}}}};
  for (int i = 0; i < 3; ++i) {
    backend.run(ops::HostTarget{"cas01.contoso.com", {}}, batch);
    backend.run(ops::HostTarget{"CAS01.contoso.com", {}}, batch);  // host names compare without case
    backend.run(ops::HostTarget{"pr1site.contoso.com", {}}, batch);
  }
  CHECK(transports.made == std::map<std::string, int>{{"cas01.contoso.com", 1}, {"pr1site.contoso.com", 1}});
  CHECK(transports.by_host["cas01.contoso.com"]->requests.size() == 6);
  CHECK(transports.by_host["pr1site.contoso.com"]->requests.size() == 3);
  // One session per host for all of its runs.
  CHECK(transports.by_host["cas01.contoso.com"]->opened == 1);
  CHECK(backend.stats() == std::map<std::string, SessionStats>{{"cas01.contoso.com", {1, 6}}, {"pr1site.contoso.com", {1, 3}}});
}

TEST_CASE("max_requests_per_session = 1 starts one process per request and stops each one", "[powershell]") {
  Transports transports;
  BackendSettings settings;
  settings.session.max_requests_per_session = 1;
  PowerShellBackend backend(demo_fragments(), transports.factory(), settings);
  std::vector<Operation> batch{{"demo.get", {{"value", 1}}}};
  for (int i = 0; i < 4; ++i) CHECK(backend.run(ops::HostTarget{"h.test", {}}, batch).at(0).ok());
  CHECK(backend.stats() == std::map<std::string, SessionStats>{{"h.test", {4, 4}}});
  CHECK(transports.by_host["h.test"]->opened == 4);
  CHECK(transports.round_trips() == 4);
}

TEST_CASE("a host without a transport fails every operation as unreachable and is tried again later", "[powershell]") {
  Transports transports;
  transports.refused.insert("cassup.contoso.com");
  PowerShellBackend backend(demo_fragments(), transports.factory());
  std::vector<Operation> batch{{"demo.get", {}}, {"demo.set", {}}, {"demo.none", {}}};
  auto results = backend.run(ops::HostTarget{"cassup.contoso.com", {}}, batch);
  REQUIRE(results.size() == 3);
  for (const auto& r : results) {
    CHECK(r.failure == FailureKind::kUnreachable);
    CHECK(r.error == "winrm: cannot reach 'cassup.contoso.com': no password for the host's user");
  }
  transports.refused.clear();
  CHECK(backend.run(ops::HostTarget{"cassup.contoso.com", {}}, batch)[0].ok());
  CHECK(transports.made["cassup.contoso.com"] == 1);
}

TEST_CASE("an operation without a fragment fails alone and is never sent", "[powershell]") {
  Transports transports;
  PowerShellBackend backend(demo_fragments(), transports.factory());
  std::vector<Operation> batch{
      {"demo.get", {{"value", 1}}}, {"demo.none", {{"value", 2}}}, {"demo.get", {{"value", 3}}}};
  auto results = backend.run(ops::HostTarget{"h.test", {}}, batch);
  REQUIRE(results.size() == 3);
  CHECK(results[0].value == Json{{"echo", {{"value", 1}}}});
  CHECK(results[1].failure == FailureKind::kFailed);
  CHECK(results[1].error == "supctl has no PowerShell fragment for the operation 'demo.none'");
  CHECK(results[2].value == Json{{"echo", {{"value", 3}}}});
  const Request& sent = transports.by_host["h.test"]->requests.at(0);
  CHECK(sent.script.find("demo.none") == std::string::npos);
  CHECK(sent.json.find("demo.none") == std::string::npos);
  // Nothing to send: no round trip at all.
  CHECK(backend.run(ops::HostTarget{"h.test", {}}, std::vector<Operation>{{"demo.none", {}}})[0].failure == FailureKind::kFailed);
  CHECK(transports.round_trips() == 1);
}

TEST_CASE("failures reported by the script reach their operations", "[powershell]") {
  Transports transports;
  transports.answer = [](const std::string&, const Operation& op) {
    if (op.params.value("value", 0) == 2)
      return plugin::OperationResult{FailureKind::kAccessDenied, nullptr, "Access is denied."};
    return plugin::OperationResult{FailureKind::kNone, Json::object(), {}};
  };
  PowerShellBackend backend(demo_fragments(), transports.factory());
  auto results = backend.run(ops::HostTarget{"h.test", {}},
                             std::vector<Operation>{{"demo.set", {{"value", 1}}}, {"demo.set", {{"value", 2}}}});
  CHECK(results[0].ok());
  CHECK(results[1].failure == FailureKind::kAccessDenied);
  CHECK(results[1].error == "Access is denied.");
}

TEST_CASE("hosts run in parallel and each host's transport is used by one run at a time", "[powershell]") {
  Transports transports;
  PowerShellBackend backend(demo_fragments(), transports.factory());
  std::vector<Operation> batch{{"demo.get", {{"value", 1}}}};
  model::parallel_for(64, 8, [&](std::size_t i) {
    auto results = backend.run(ops::HostTarget{fmt::format("h{}.test", i % 4), {}}, batch);
    CHECK(results.size() == 1);
  });
  CHECK(transports.made.size() == 4);
  for (const auto& [host, transport] : transports.by_host) {
    CHECK(transport->requests.size() == 16);
    CHECK(transport->opened == 1);
    CHECK_FALSE(transport->concurrent_use);
  }
}

TEST_CASE("a plan against 50 hosts makes exactly 50 read round trips", "[powershell]") {
  test::FakeEstate estate;
  test::FakePlugin plugin;
  std::vector<const plugin::Plugin*> plugins{&plugin};
  std::string toml;
  for (int h = 0; h < 50; ++h) {
    toml += fmt::format("[host.\"h{:02}.test\"]\ntransport = \"winrm\"\n\n", h);
    for (int f = 0; f < 3; ++f)
      toml += fmt::format("[fake_file.f{}_{}]\nhost = \"h{:02}.test\"\ncontent = \"c{}\"\n\n", h, f, h, f);
    std::string host = fmt::format("h{:02}.test", h);
    if (h % 10 == 0) estate.put(host, fmt::format("fake_file.f{}_0", h), Json{{"content", "old"}, {"host", host}});
  }
  diag::SourceSet sources;
  manifest::Validation validation = manifest::validate_files({{"main.toml", toml}}, plugins, sources);
  INFO(diag::render_text(validation.diagnostics, sources, {}));
  REQUIRE_FALSE(validation.diagnostics.has_errors());

  Transports transports;
  std::mutex estate_calls;
  std::map<std::string, int> reads;
  transports.answer = [&](const std::string& host, const Operation& op) {
    {
      std::lock_guard lock(estate_calls);
      ++reads[op.name];
    }
    return estate.handle(host, op);
  };
  FragmentLookup fragments = fragment_lookup({{"fake.get", "return @{ exists = $false }"}, {"fake.put", "return @{}"}});
  PowerShellBackend backend(fragments, transports.factory());
  plan::PlanInputs inputs{&validation.manifest, plugins, nullptr, &backend, nullptr};
  plan::PlanOptions options;
  options.created_at = "2026-11-21T00:00:00Z";
  plan::PlanResult result = plan::make_plan(inputs, options);
  INFO(diag::render_text(result.diagnostics, sources, {}));
  REQUIRE_FALSE(result.diagnostics.has_errors());
  CHECK(result.plan.summary().add == 145);
  CHECK(result.plan.summary().change == 5);

  CHECK(transports.round_trips() == 50);
  CHECK(transports.made.size() == 50);
  for (const auto& [host, transport] : transports.by_host) {
    INFO(host);
    REQUIRE(transport->requests.size() == 1);
    CHECK(transport->requests[0].script.find("function SupctlOp_fake_get {") != std::string::npos);
    CHECK(Json::parse(transport->requests[0].json)["operations"].size() == 3);
  }
  CHECK(reads == std::map<std::string, int>{{"fake.get", 150}});

  // A second plan reuses every host's transport and session: 50 more requests, no new process.
  plan::make_plan(inputs, options);
  CHECK(transports.round_trips() == 100);
  for (const auto& [host, count] : transports.made) CHECK(count == 1);
  for (const auto& [host, transport] : transports.by_host) CHECK(transport->opened == 1);
}

}  // namespace
}  // namespace supctl::powershell
