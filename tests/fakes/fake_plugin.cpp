#include "fakes/fake_plugin.h"

#include <chrono>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "model/formats.h"

namespace supctl::test {
namespace {

using model::AttrType;
using model::Json;

std::vector<model::KindSchema> make_kinds() {
  model::AttributeSchema host{.name = "host", .type = AttrType::kMachine, .description = "where", .required = true};
  model::AttributeSchema depends{.name = "depends_on", .type = AttrType::kAddressList, .description = "deps"};
  model::AttributeSchema allow{.name = "allow_destroy", .type = AttrType::kBoolean, .description = "consent"};
  return {
      model::KindSchema{
          .kind = "fake_file",
          .plugin = "fake",
          .description = "a file-like fake",
          .name_format = &model::formats::kIdentifier,
          .attributes = {allow,
                         {.name = "content", .type = AttrType::kString, .description = "text"},
                         depends,
                         host,
                         {.name = "location", .type = AttrType::kString, .description = "path", .format = &model::formats::kWindowsPath,
                          .replace_on_change = true},
                         {.name = "mode", .type = AttrType::kEnum, .description = "mode", .enum_values = {"r", "rw"}},
                         {.name = "password", .type = AttrType::kSecret, .description = "a secret"},
                         {.name = "size", .type = AttrType::kInteger, .description = "size", .min = 0, .max = 100},
                         {.name = "tags", .type = AttrType::kStringSet, .description = "tags"}},
      },
      model::KindSchema{
          .kind = "fake_role",
          .plugin = "fake",
          .description = "a role whose removal needs consent",
          .name_format = &model::formats::kIdentifier,
          .destroy_needs_consent = true,
          .attributes = {allow, depends,
                         {.name = "file", .type = AttrType::kReference, .description = "a file it uses", .ref_kind = "fake_file"},
                         host, {.name = "level", .type = AttrType::kInteger, .description = "level", .min = 0, .max = 9}},
      },
      model::KindSchema{
          .kind = "fake_site",
          .plugin = "fake",
          .description = "exists already; read and checked",
          .name_format = &model::formats::kIdentifier,
          .read_only = true,
          .attributes = {depends, host, {.name = "type", .type = AttrType::kString, .description = "type"}},
      },
  };
}

}  // namespace

std::span<const model::KindSchema> FakePlugin::kinds() const {
  static const std::vector<model::KindSchema> all = make_kinds();
  return all;
}

std::vector<plugin::Edge> FakePlugin::edges(const model::Manifest& manifest) const {
  // A role depends on every fake_file of its host: the plugin's implied edge.
  std::vector<plugin::Edge> edges;
  for (const model::Resource& role : manifest.of_kind("fake_role")) {
    for (const model::Resource& file : manifest.of_kind("fake_file")) {
      if (role.string("host") == file.string("host")) edges.push_back(plugin::Edge{role.address, file.address, "same host", std::nullopt});
    }
  }
  return edges;
}

plugin::ReadResponse FakePlugin::read(const plugin::ReadRequest& request) const {
  return {{plugin::Operation{"fake.get", Json{{"address", request.address.str()}}}}, {}};
}

plugin::ObserveResponse FakePlugin::observe(const plugin::ObserveRequest& request) const {
  plugin::ObserveResponse response;
  if (request.results.size() != 1 || !request.results[0].ok()) {
    auto& d = response.diagnostics.error("read-failed", fmt::format("cannot read {}: {}", request.address.str(),
                                                                     request.results.empty() ? "no result" : request.results[0].error));
    d.address = request.address.str();
    return response;
  }
  const Json& value = request.results[0].value;
  if (!value.value("exists", false)) return response;
  model::AttributeMap observed;
  for (const auto& [key, item] : value["attributes"].items()) {
    if (key != "password") observed[key] = item;  // a server never shows a password back
  }
  response.observed = std::move(observed);
  return response;
}

plugin::ApplyResponse FakePlugin::apply(const plugin::ApplyRequest& request) const {
  plugin::ApplyResponse response;
  Json params{{"address", request.address.str()}};
  if (request.action == plugin::Action::kDelete) {
    response.operations.push_back({"fake.delete", params});
    return response;
  }
  // A role that uses a file needs what the plan resolved of it: apply has no manifest.
  if (request.desired->contains("file") && !model::referenced_string(request.references, "file", "content")) {
    plugin::resource_error(response.diagnostics, request.address, "apply-failed", "the file it uses was not resolved at plan time");
    return response;
  }
  Json attributes = Json::object();
  for (const auto& [name, value] : *request.desired) {
    attributes[name] = name == "password" ? Json{{"$secret", value}} : value;  // the engine fills in the secret
  }
  params["attributes"] = attributes;
  if (request.action == plugin::Action::kReplace) response.operations.push_back({"fake.delete", Json{{"address", request.address.str()}}});
  response.operations.push_back({"fake.put", params});
  return response;
}

plugin::OperationResult FakeEstate::handle(const std::string& host, const plugin::Operation& op) {
  std::string address = op.params.value("address", "");
  if (op.name == "fake.get") {
    std::lock_guard lock(mutex_);
    auto& on_host = hosts_[host];
    auto it = on_host.find(address);
    if (it == on_host.end()) return {plugin::FailureKind::kNone, Json{{"exists", false}}, {}};
    return {plugin::FailureKind::kNone, Json{{"exists", true}, {"attributes", it->second}}, {}};
  }
  std::function<void()> hold;
  {
    std::lock_guard lock(mutex_);
    max_concurrent_ = std::max(max_concurrent_, ++in_flight_[host]);
    if (hold_after_ >= 0 && mutations_++ == hold_after_) hold = on_hold_;  // once
  }
  if (hold) hold();  // the test decides: signal and wait, or block until killed
  std::this_thread::sleep_for(std::chrono::milliseconds(2));  // widen the window in which overlap would show
  plugin::OperationResult result{plugin::FailureKind::kNone, Json::object(), {}};
  {
    std::lock_guard lock(mutex_);
    --in_flight_[host];
    if (op.name == "fake.put") {
      if (failing_.contains(address)) return {plugin::FailureKind::kFailed, nullptr, "install failed: the fake says no"};
      Json attributes = op.params["attributes"];
      if (attributes.contains("password")) secrets_.insert(attributes["password"].get<std::string>());
      hosts_[host][address] = attributes;
    } else if (op.name == "fake.delete") {
      hosts_[host].erase(address);
    } else {
      return {plugin::FailureKind::kFailed, nullptr, "unknown operation " + op.name};
    }
    save_locked();
  }
  return result;
}

void FakeEstate::persist_to(const std::filesystem::path& path) {
  std::lock_guard lock(mutex_);
  persist_path_ = path;
  save_locked();
}

void FakeEstate::save_locked() const {
  if (persist_path_.empty()) return;
  Json json = Json::object();
  for (const auto& [host, resources] : hosts_) {
    for (const auto& [address, attributes] : resources) json[host][address] = attributes;
  }
  std::filesystem::path temporary = persist_path_;
  temporary += ".tmp";
  std::ofstream(temporary, std::ios::binary) << json.dump();
  std::filesystem::rename(temporary, persist_path_);
}

bool FakeEstate::load_from(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  Json json = Json::parse(in, nullptr, false);
  if (!json.is_object()) return false;
  std::lock_guard lock(mutex_);
  hosts_.clear();
  for (const auto& [host, resources] : json.items()) {
    for (const auto& [address, attributes] : resources.items()) hosts_[host][address] = attributes;
  }
  return true;
}

void FakeEstate::hold_mutations_after(int count, std::function<void()> on_hold) {
  std::lock_guard lock(mutex_);
  hold_after_ = count;
  mutations_ = 0;
  on_hold_ = std::move(on_hold);
}

void FakeEstate::put(const std::string& host, const std::string& address, Json attributes) {
  std::lock_guard lock(mutex_);
  hosts_[host][address] = std::move(attributes);
}

std::optional<Json> FakeEstate::get(const std::string& host, const std::string& address) const {
  std::lock_guard lock(mutex_);
  auto h = hosts_.find(host);
  if (h == hosts_.end()) return std::nullopt;
  auto it = h->second.find(address);
  if (it == h->second.end()) return std::nullopt;
  return it->second;
}

void FakeEstate::erase(const std::string& host, const std::string& address) {
  std::lock_guard lock(mutex_);
  hosts_[host].erase(address);
}

void FakeEstate::fail_puts_to(const std::string& address, bool fail) {
  std::lock_guard lock(mutex_);
  if (fail) failing_.insert(address);
  else failing_.erase(address);
}

std::set<std::string> FakeEstate::secrets_seen() const {
  std::lock_guard lock(mutex_);
  return secrets_;
}

}  // namespace supctl::test
