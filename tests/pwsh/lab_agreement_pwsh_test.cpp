// The lab's interpreters and the fragments in real PowerShell, given the same operations from the
// same starting point, answer the same: the table below runs each row through both and compares
// every result, so that the two cannot drift apart. Where they may differ, the row says what and why.

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>

#include "backends/lab/backend.h"
#include "backends/lab/estate.h"
#include "estate.h"

namespace supctl::test {
namespace {

using plugin::Operation;
using plugin::OperationResult;

struct Row {
  std::string name;
  std::vector<Operation> operations;  ///< run in order on sup01, each on its own
  std::vector<std::string> ignored;   ///< JSON pointers into results that may differ, each with its reason below
  /// Compare only what the lab reports: the lab's WSUS reports a setting once something set it, a
  /// real server (and the estate) every setting with its default.
  bool lab_keys_only = false;
};

/// Lists of strings compare as sets (the lab sorts them, PowerShell keeps the server's order).
Json normalized(Json value) {
  if (value.is_array() && std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_string(); })) {
    std::sort(value.begin(), value.end());
  } else if (value.is_structured()) {
    for (auto& item : value) item = normalized(item);
  }
  return value;
}

/// `found` with only the keys `expected` has, at every level of objects.
Json only_keys_of(const Json& expected, const Json& found) {
  if (!expected.is_object() || !found.is_object()) return found;
  Json out = Json::object();
  for (const auto& [key, value] : expected.items()) {
    if (found.contains(key)) out[key] = only_keys_of(value, found[key]);
  }
  return out;
}

/// The lab with the same starting point as tests/pwsh/estate/seed.json's sup01.
class Lab {
 public:
  Lab() : dir_(fs::temp_directory_path() / fmt::format("supctl-agreement-{}", ::getpid())) {
    fs::remove_all(dir_);
    std::string error;
    estate_ = lab::Estate::open(dir_, &error);
    REQUIRE(estate_);
    estate_->add_host({"sup01.contoso.com"});
    estate_->put_service("sup01.contoso.com", {"W3SVC", "World Wide Web Publishing Service", "automatic", "running", {}});
    estate_->put_service("sup01.contoso.com", {"WsusService", "WSUS Service", "manual", "stopped", {"W3SVC"}});
    estate_->put_service("sup01.contoso.com", {"Spooler", "Print Spooler", "automatic", "running", {}});
    table_ = plugins::lab_operations();
    backend_ = std::make_unique<lab::LabBackend>(*estate_, table_);
  }
  ~Lab() {
    backend_.reset();
    estate_.reset();
    fs::remove_all(dir_);
  }
  OperationResult run(const Operation& op) { return backend_->run(ops::HostTarget{"sup01.contoso.com", {}}, std::span(&op, 1)).at(0); }

 private:
  fs::path dir_;
  std::unique_ptr<lab::Estate> estate_;
  lab::OperationTable table_;
  std::unique_ptr<lab::LabBackend> backend_;
};

Json outcome(const OperationResult& result) {
  if (!result.ok()) return Json{{"failed", std::string(plugin::failure_kind_name(result.failure))}};
  return nlohmann::json::parse(result.value.dump());
}

const std::string kKey = "HKLM\\SOFTWARE\\Contoso\\Agreement";

std::vector<Row> rows() {
  std::vector<Row> out;
  Row registry{"registry values of every type, written, read, deleted", {}, {}};
  registry.operations.push_back({"registry.get_key", {{"key", kKey}}});
  registry.operations.push_back({"registry.get_value", {{"key", kKey}, {"name", "Missing"}}});
  for (const Json& v : {Json{{"name", "S"}, {"type", "string"}, {"data", "it's \"x\" `$(y)"}}, Json{{"name", "E"}, {"type", "expand_string"}, {"data", "%SystemRoot%\\a"}},
                        Json{{"name", "M"}, {"type", "multi_string"}, {"data", {"a", "", "b"}}}, Json{{"name", "D"}, {"type", "dword"}, {"data", 4294967295u}},
                        Json{{"name", "Q"}, {"type", "qword"}, {"data", 1}}, Json{{"name", "B"}, {"type", "binary"}, {"data", "00 ff 10"}}}) {
    Json set = v;
    set["key"] = kKey;
    registry.operations.push_back({"registry.set_value", set});
    registry.operations.push_back({"registry.get_value", {{"key", kKey}, {"name", v["name"]}}});
  }
  registry.operations.push_back({"registry.get_value", {{"key", "hklm\\software\\contoso\\AGREEMENT"}, {"name", "s"}}});
  registry.operations.push_back({"registry.delete_value", {{"key", kKey}, {"name", "S"}}});
  registry.operations.push_back({"registry.delete_value", {{"key", kKey}, {"name", "S"}}});
  registry.operations.push_back({"registry.get_value", {{"key", kKey}, {"name", "S"}}});
  registry.operations.push_back({"registry.create_key", {{"key", kKey + "\\Sub\\Deeper"}}});
  registry.operations.push_back({"registry.delete_key", {{"key", kKey}}});
  registry.operations.push_back({"registry.get_key", {{"key", kKey + "\\Sub"}}});
  registry.operations.push_back({"registry.set_value", {{"key", "HKXX\\Nowhere"}, {"name", "x"}, {"type", "string"}, {"data", "y"}}});
  registry.operations.push_back({"registry.set_value", {{"key", kKey}, {"name", "x"}, {"type", "sz"}, {"data", "y"}}});
  out.push_back(registry);

  Row services{"services: startup types, delayed start, states, dependants, a missing one", {}, {}};
  for (const char* name : {"WsusService", "W3SVC", "NoSuchService"}) services.operations.push_back({"service.get", {{"name", name}}});
  services.operations.push_back({"service.set", {{"name", "WsusService"}, {"startup", "delayed"}, {"state", "running"}, {"timeout_seconds", 5}}});
  services.operations.push_back({"service.get", {{"name", "WsusService"}}});
  services.operations.push_back({"service.set", {{"name", "W3SVC"}, {"state", "stopped"}}});
  services.operations.push_back({"service.set", {{"name", "WsusService"}, {"startup", "automatic"}}});
  services.operations.push_back({"service.get", {{"name", "wsusservice"}}});
  services.operations.push_back({"service.set", {{"name", "Spooler"}, {"startup", "disabled"}, {"state", "stopped"}}});
  services.operations.push_back({"service.get", {{"name", "Spooler"}}});
  services.operations.push_back({"service.set", {{"name", "Spooler"}, {"state", "running"}}});
  services.operations.push_back({"service.set", {{"name", "NoSuchService"}, {"state", "running"}}});
  out.push_back(services);

  Row wsus{"WSUS: installed, configured, read back", {}, {}, true};
  wsus.operations.push_back({"wsus.get", Json::object()});
  wsus.operations.push_back({"wsus.install", {{"content_dir", "D:\\WSUS"}, {"database", "wid"}}});
  wsus.operations.push_back({"wsus.get", Json::object()});
  wsus.operations.push_back({"wsus.configure", {{"configuration", {{"languages", {"en", "de"}}, {"client_targeting_mode", "client"},
                                                                   {"proxy", {{"server", "proxy.contoso.com"}, {"port", 8080}}},
                                                                   {"smtp_host_name", "smtp.contoso.com"}, {"update_improvement_program", false}}},
                                                 {"subscription", {{"classifications", {"0FA1201D-4330-4FA8-8AE9-B877473B6441"}},
                                                                   {"synchronize_automatically", true},
                                                                   {"synchronize_automatically_time_of_day", "03:00"}}}}});
  wsus.operations.push_back({"wsus.get", Json::object()});
  out.push_back(wsus);
  return out;
}

TEST_CASE("pwsh: the lab and real PowerShell answer the same operations the same") {
  for (const Row& row : rows()) {
    SECTION(row.name) {
      Lab lab;
      PwshEstate estate;
      std::vector<OperationResult> live = estate.run("sup01.contoso.com", row.operations);
      REQUIRE(live.size() == row.operations.size());
      for (std::size_t i = 0; i < row.operations.size(); ++i) {
        const Operation& op = row.operations[i];
        Json expected = normalized(outcome(lab.run(op)));
        Json found = normalized(outcome(live[i]));
        if (row.lab_keys_only) found = only_keys_of(expected, found);
        for (const std::string& pointer : row.ignored) {
          for (Json* side : {&expected, &found}) {
            if (side->contains(nlohmann::json::json_pointer(pointer))) side->at(nlohmann::json::json_pointer(pointer)) = "(ignored)";
          }
        }
        INFO(op.name << " " << op.params.dump() << "\nlab:        " << expected.dump() << "\npowershell: " << found.dump()
                     << (live[i].ok() ? "" : "\n  (" + live[i].error + ")"));
        CHECK(found == expected);
      }
    }
  }
}

}  // namespace
}  // namespace supctl::test
