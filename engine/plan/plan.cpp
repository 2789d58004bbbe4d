#include "plan/plan.h"

#include <fmt/format.h>

#include <algorithm>

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "diag/redact.h"
#include "model/text.h"

namespace supctl::plan {

namespace {
/// What `plan --format json` shows for a fingerprint.
constexpr std::string_view kFingerprintLeftOut = "(recorded)";
}  // namespace
namespace {

constexpr std::string_view kMask = "(sensitive)";

constexpr std::array<Action, 7> kActions{Action::kNoOp,    Action::kRead,   Action::kCreate, Action::kUpdate,
                                         Action::kReplace, Action::kDelete, Action::kForget};
constexpr std::array<Reason, 5> kReasons{Reason::kNone, Reason::kNew, Reason::kChangedInManifest, Reason::kDrift,
                                         Reason::kRemovedFromManifest};

Json attributes_json(const std::vector<AttributeDiff>& attributes) {
  Json out = Json::array();
  for (const AttributeDiff& a : attributes) {
    Json item = Json::object();
    item["name"] = a.name;
    item["before"] = a.sensitive ? Json(kMask) : model::redact_secrets(a.name, a.before);
    item["after"] = a.sensitive ? Json(kMask) : model::redact_secrets(a.name, a.after);
    item["sensitive"] = a.sensitive;
    out.push_back(std::move(item));
  }
  return out;
}

Json map_json(const model::AttributeMap& map) {
  Json out = Json::object();
  for (const auto& [key, value] : map) out[key] = model::redact_secrets(key, value);
  return out;
}

std::string_view type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a number";
    default:
      return "something else";
  }
}

std::string quoted(const Json& value) {
  if (value.is_string()) return fmt::format("'{}'", value.get<std::string>());
  return std::string(type_name(value));
}

// Reads the members of one object of a saved plan, naming the key path of the first problem.
class Reader {
 public:
  Reader(const Json& object, std::string path, std::string* error)
      : object_(object), path_(std::move(path)), error_(error) {}

  bool ok() const { return ok_; }
  std::string path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  const Json* member(std::string_view key) {
    if (!ok_) return nullptr;
    auto it = object_.find(key);
    if (it == object_.end()) {
      fail(path_.empty() ? fmt::format("missing key '{}'", key) : fmt::format("{}: missing key '{}'", path_, key));
      return nullptr;
    }
    return &*it;
  }

  void string(std::string_view key, std::string& out) {
    const Json* v = member(key);
    if (!v) return;
    if (!v->is_string()) return wrong(key, "a string", *v);
    out = v->get<std::string>();
  }

  void boolean(std::string_view key, bool& out) {
    const Json* v = member(key);
    if (!v) return;
    if (!v->is_boolean()) return wrong(key, "a boolean", *v);
    out = v->get<bool>();
  }

  template <typename Int>
  void integer(std::string_view key, Int& out) {
    const Json* v = member(key);
    if (!v) return;
    if (!v->is_number_integer()) return wrong(key, "an integer", *v);
    out = v->get<Int>();
  }

  void strings(std::string_view key, std::vector<std::string>& out) {
    const Json* v = member(key);
    if (!v) return;
    if (!v->is_array()) return wrong(key, "an array of strings", *v);
    for (std::size_t i = 0; i < v->size(); ++i) {
      const Json& item = (*v)[i];
      if (!item.is_string()) {
        return fail(fmt::format("{}[{}]: expected a string, found {}", path(key), i, type_name(item)));
      }
      out.push_back(item.get<std::string>());
    }
  }

  const Json* object(std::string_view key) {
    const Json* v = member(key);
    if (v && !v->is_object()) {
      wrong(key, "an object", *v);
      return nullptr;
    }
    return v;
  }

  const Json* array(std::string_view key) {
    const Json* v = member(key);
    if (v && !v->is_array()) {
      wrong(key, "an array", *v);
      return nullptr;
    }
    return v;
  }

  void map(std::string_view key, model::AttributeMap& out) {
    const Json* v = object(key);
    if (!v) return;
    for (auto it = v->begin(); it != v->end(); ++it) out.emplace(it.key(), it.value());
  }

  void address(model::Address& out) {
    const Json* v = member("address");
    if (!v) return;
    if (!v->is_string()) return wrong("address", "a string", *v);
    auto parsed = model::parse_address(v->get<std::string>());
    if (!parsed) {
      return fail(fmt::format("{}: expected a resource address such as 'kind.name' or 'kind[\"name\"]', found {}",
                              path("address"), quoted(*v)));
    }
    out = *parsed;
    // kind and name repeat the address for readers of the JSON; they must agree with it.
    std::string kind, name;
    string("kind", kind);
    string("name", name);
    if (!ok_) return;
    if (kind != out.kind) {
      return fail(fmt::format("{}: expected '{}' (the kind of the address), found '{}'", path("kind"), out.kind, kind));
    }
    if (name != out.name) {
      return fail(fmt::format("{}: expected '{}' (the name of the address), found '{}'", path("name"), out.name, name));
    }
  }

  void attributes(std::vector<AttributeDiff>& out) {
    const Json* v = array("attributes");
    if (!v) return;
    for (std::size_t i = 0; i < v->size() && ok_; ++i) {
      std::string item_path = fmt::format("{}[{}]", path("attributes"), i);
      const Json& item = (*v)[i];
      if (!item.is_object()) return fail(fmt::format("{}: expected an object, found {}", item_path, type_name(item)));
      Reader r(item, item_path, error_);
      AttributeDiff a;
      r.string("name", a.name);
      if (const Json* before = r.member("before")) a.before = *before;
      if (const Json* after = r.member("after")) a.after = *after;
      r.boolean("sensitive", a.sensitive);
      if (!r.ok()) return fail_quietly();
      out.push_back(std::move(a));
    }
  }

  void fail(std::string message) {
    if (!ok_) return;
    ok_ = false;
    if (error_) *error_ = std::move(message);
  }
  void fail_quietly() { ok_ = false; }

 private:
  void wrong(std::string_view key, std::string_view expected, const Json& found) {
    fail(fmt::format("{}: expected {}, found {}", path(key), expected, type_name(found)));
  }

  const Json& object_;
  std::string path_;
  std::string* error_;
  bool ok_ = true;
};

void read_enum_action(Reader& r, Action& out) {
  std::string text;
  r.string("action", text);
  if (!r.ok()) return;
  for (Action a : kActions) {
    if (action_name(a) == text) {
      out = a;
      return;
    }
  }
  r.fail(fmt::format("{}: expected one of no-op, read, create, update, replace, delete, forget, found '{}'",
                     r.path("action"), text));
}

void read_enum_reason(Reader& r, Reason& out) {
  std::string text;
  r.string("reason", text);
  if (!r.ok()) return;
  for (Reason reason : kReasons) {
    if (reason_name(reason) == text) {
      out = reason;
      return;
    }
  }
  r.fail(fmt::format(
      "{}: expected one of 'none', 'new', 'changed in manifest', 'drift', 'removed from manifest', found '{}'",
      r.path("reason"), text));
}

// `settings` may hold a secret only as its reference: a value under a secret-like key that is not
// one fails, named by its key path and never shown.
std::optional<std::string> plaintext_secret(const Json& settings, const std::string& path) {
  if (settings.is_array()) {
    for (std::size_t i = 0; i < settings.size(); ++i) {
      if (auto nested = plaintext_secret(settings[i], fmt::format("{}[{}]", path, i))) return nested;
    }
    return std::nullopt;
  }
  if (!settings.is_object()) return std::nullopt;
  for (auto it = settings.begin(); it != settings.end(); ++it) {
    const std::string key_path = fmt::format("{}.{}", path, it.key());
    if (diag::looks_sensitive(it.key()) && !model::is_secret_reference(it.value())) {
      return fmt::format("{}: expected a secret reference such as {{\"env\": \"NAME\"}} or {{\"file\": \"PATH\"}}, found {}",
                         key_path, type_name(it.value()));
    }
    if (auto nested = plaintext_secret(it.value(), key_path)) return nested;
  }
  return std::nullopt;
}

// The plan's host targets: {"NAME": {settings...}}, names unique without case.
void read_hosts(Reader& r, std::map<std::string, ops::HostTarget>& out) {
  const Json* hosts = r.object("hosts");
  if (!hosts) return;
  for (auto it = hosts->begin(); it != hosts->end() && r.ok(); ++it) {
    const std::string path = fmt::format("hosts[\"{}\"]", it.key());
    if (it.key().empty()) return r.fail("hosts: a host target without a name");
    if (!it.value().is_object()) {
      return r.fail(fmt::format("{}: expected an object (the settings of its [host]), found {}", path, type_name(it.value())));
    }
    if (auto transport = it.value().find("transport"); transport != it.value().end() && !transport->is_string()) {
      return r.fail(fmt::format("{}.transport: expected a string, found {}", path, type_name(*transport)));
    }
    if (auto secret = plaintext_secret(it.value(), path)) return r.fail(*secret);
    ops::HostTarget target{it.key(), {}};
    for (auto setting = it.value().begin(); setting != it.value().end(); ++setting) target.settings.emplace(setting.key(), setting.value());
    auto [at, inserted] = out.emplace(model::lower(it.key()), std::move(target));
    if (!inserted) return r.fail(fmt::format("{}: the same host as '{}'; a host has one target", path, at->second.name));
  }
}

// Every machine a change names must have its target: apply reads them from nowhere else.
void check_targets(Reader& r, const Plan& plan) {
  auto missing = [&](const std::string& host) { return !host.empty() && !plan.hosts.contains(model::lower(host)); };
  for (std::size_t i = 0; i < plan.changes.size() && r.ok(); ++i) {
    const Change& c = plan.changes[i];
    std::string path = fmt::format("resource_changes[{}]", i);
    if (missing(c.host)) {
      r.fail(fmt::format("{}.host: '{}' has no entry in 'hosts', so apply cannot know how to reach it; make the plan "
                         "again with 'supctl plan --out FILE'",
                         path, c.host));
    }
    for (std::size_t j = 0; j < c.also_on.size() && r.ok(); ++j) {
      if (missing(c.also_on[j])) {
        r.fail(fmt::format("{}.also_on[{}]: '{}' has no entry in 'hosts', so apply cannot know how to reach it; make the "
                           "plan again with 'supctl plan --out FILE'",
                           path, j, c.also_on[j]));
      }
    }
  }
}

std::optional<Change> read_change(const Json& item, const std::string& path, std::string* error) {
  if (!item.is_object()) {
    if (error) *error = fmt::format("{}: expected an object, found {}", path, type_name(item));
    return std::nullopt;
  }
  Reader r(item, path, error);
  Change c;
  r.address(c.address);
  r.string("host", c.host);
  if (auto also = item.find("also_on"); also != item.end()) {  // optional: only when it has some
    if (!also->is_array() || !std::all_of(also->begin(), also->end(), [](const Json& h) { return h.is_string(); })) {
      if (error) *error = fmt::format("{}.also_on: expected an array of host names", path);
      return std::nullopt;
    }
    for (const Json& h : *also) c.also_on.push_back(h.get<std::string>());
  }
  read_enum_action(r, c.action);
  read_enum_reason(r, c.reason);
  r.attributes(c.attributes);
  r.map("desired", c.desired);
  if (auto references = item.find("references"); references != item.end()) {  // optional: only when it has some
    if (references->is_object()) {
      c.references = *references;
    } else {
      r.fail(fmt::format("{}: expected an object, found {}", r.path("references"), type_name(*references)));
    }
  }
  if (const Json* observed = r.member("observed")) {
    if (observed->is_object()) {
      c.observed.emplace();
      for (auto it = observed->begin(); it != observed->end(); ++it) c.observed->emplace(it.key(), it.value());
    } else if (!observed->is_null()) {
      r.fail(fmt::format("{}: expected an object or null, found {}", r.path("observed"), type_name(*observed)));
    }
  }
  if (const Json* fingerprints = r.object("fingerprints")) {
    for (auto it = fingerprints->begin(); it != fingerprints->end() && r.ok(); ++it) {
      if (!it.value().is_string()) {
        r.fail(
            fmt::format("{}.{}: expected a string, found {}", r.path("fingerprints"), it.key(), type_name(it.value())));
      } else if (it.value().get<std::string>() == kFingerprintLeftOut) {
        r.fail(fmt::format("{}.{}: this is a plan printed by 'plan --format json', which leaves fingerprints out; save one to "
                           "apply with 'supctl plan --out FILE'",
                           r.path("fingerprints"), it.key()));
      } else {
        c.fingerprints.emplace(it.key(), it.value().get<std::string>());
      }
    }
  }
  r.strings("depends_on", c.depends_on);
  r.boolean("allow_destroy", c.allow_destroy);
  r.boolean("destroy_needs_consent", c.destroy_needs_consent);
  r.string("note", c.note);
  if (!r.ok()) return std::nullopt;
  return c;
}

std::optional<Drift> read_drift(const Json& item, const std::string& path, std::string* error) {
  if (!item.is_object()) {
    if (error) *error = fmt::format("{}: expected an object, found {}", path, type_name(item));
    return std::nullopt;
  }
  Reader r(item, path, error);
  Drift d;
  r.address(d.address);
  r.string("host", d.host);
  r.attributes(d.attributes);
  if (!r.ok()) return std::nullopt;
  return d;
}

}  // namespace

std::string_view reason_name(Reason reason) {
  switch (reason) {
    case Reason::kNone:
      return "none";
    case Reason::kNew:
      return "new";
    case Reason::kChangedInManifest:
      return "changed in manifest";
    case Reason::kDrift:
      return "drift";
    case Reason::kRemovedFromManifest:
      return "removed from manifest";
  }
  return "none";
}

Summary Plan::summary() const {
  Summary s;
  for (const Change& c : changes) {
    switch (c.action) {
      case Action::kCreate:
        ++s.add;
        break;
      case Action::kUpdate:
        ++s.change;
        break;
      case Action::kReplace:
        ++s.add;
        ++s.destroy;
        break;
      case Action::kDelete:
        ++s.destroy;
        break;
      case Action::kForget:
        ++s.forget;
        break;
      case Action::kRead:
        ++s.read;
        break;
      case Action::kNoOp:
        break;
    }
  }
  return s;
}

ops::HostTarget Plan::target(std::string_view host) const {
  auto it = hosts.find(model::lower(host));
  return it != hosts.end() ? it->second : ops::HostTarget{std::string(host), {}, false};
}

bool Plan::has_changes() const {
  Summary s = summary();
  return s.add + s.change + s.destroy + s.forget > 0;
}

Json to_json(const Plan& plan, bool with_fingerprints) {
  Json out = Json::object();
  out["format_version"] = plan.format_version;
  out["plugin_api_version"] = plan.plugin_api_version;
  out["supctl_version"] = plan.supctl_version;
  out["lineage"] = plan.lineage;
  out["serial"] = plan.serial;
  out["manifest_hash"] = plan.manifest_hash;
  out["created_at"] = plan.created_at;
  out["refresh_only"] = plan.refresh_only;
  out["targets"] = plan.targets;
  out["state_key"] = plan.state_key;
  out["state_password"] = plan.state_password;
  out["state_key_check"] = plan.state_key_check;
  Summary s = plan.summary();
  out["summary"] =
      Json{{"add", s.add}, {"change", s.change}, {"destroy", s.destroy}, {"forget", s.forget}, {"read", s.read}};
  Json hosts = Json::object();
  for (const auto& [key, target] : plan.hosts) hosts[target.name] = map_json(target.settings);
  out["hosts"] = std::move(hosts);
  Json changes = Json::array();
  for (const Change& c : plan.changes) {
    Json item = Json::object();
    item["address"] = c.address.str();
    item["kind"] = c.address.kind;
    item["name"] = c.address.name;
    item["host"] = c.host;
    if (!c.also_on.empty()) item["also_on"] = c.also_on;
    item["action"] = action_name(c.action);
    item["reason"] = reason_name(c.reason);
    item["attributes"] = attributes_json(c.attributes);
    item["desired"] = map_json(c.desired);
    if (!c.references.empty()) item["references"] = c.references;
    item["observed"] = c.observed ? map_json(*c.observed) : Json(nullptr);
    Json fingerprints = Json::object();
    for (const auto& [key, value] : c.fingerprints) fingerprints[key] = with_fingerprints ? value : std::string(kFingerprintLeftOut);
    item["fingerprints"] = std::move(fingerprints);
    item["depends_on"] = c.depends_on;
    item["allow_destroy"] = c.allow_destroy;
    item["destroy_needs_consent"] = c.destroy_needs_consent;
    item["note"] = c.note;
    changes.push_back(std::move(item));
  }
  out["resource_changes"] = std::move(changes);
  Json drift = Json::array();
  for (const Drift& d : plan.drift) {
    Json item = Json::object();
    item["address"] = d.address.str();
    item["kind"] = d.address.kind;
    item["name"] = d.address.name;
    item["host"] = d.host;
    item["attributes"] = attributes_json(d.attributes);
    drift.push_back(std::move(item));
  }
  out["resource_drift"] = std::move(drift);
  return out;
}

std::optional<Plan> plan_from_json(const Json& json, std::string* error) {
  if (!json.is_object()) {
    if (error) *error = fmt::format("not a supctl plan: expected a JSON object, found {}", type_name(json));
    return std::nullopt;
  }
  auto version = json.find("format_version");
  if (version == json.end()) {
    if (error) *error = "not a supctl plan: it has no 'format_version'";
    return std::nullopt;
  }
  if (!version->is_number_integer()) {
    if (error) *error = fmt::format("format_version: expected an integer, found {}", type_name(*version));
    return std::nullopt;
  }
  if (version->get<std::int64_t>() != kPlanFormatVersion) {
    if (error) {
      // Format 2 held the old kind of secret fingerprint, which supctl no longer makes.
      *error = fmt::format("this plan was written in format {}{}; this supctl reads format {}: make it again with 'supctl plan --out FILE'",
                           version->get<std::int64_t>(),
                           version->get<std::int64_t>() == 2 ? ", whose secret fingerprints (HMAC-SHA256) are no longer made" : "",
                           kPlanFormatVersion);
    }
    return std::nullopt;
  }

  Plan plan;
  Reader r(json, "", error);
  r.integer("format_version", plan.format_version);
  r.integer("plugin_api_version", plan.plugin_api_version);
  r.string("supctl_version", plan.supctl_version);
  r.string("lineage", plan.lineage);
  r.integer("serial", plan.serial);
  r.string("manifest_hash", plan.manifest_hash);
  r.string("created_at", plan.created_at);
  r.boolean("refresh_only", plan.refresh_only);
  r.strings("targets", plan.targets);
  if (auto check = json.find("state_key_check"); check != json.end()) {
    if (!check->is_string()) {
      if (error) *error = fmt::format("state_key_check: expected a string, found {}", type_name(*check));
      return std::nullopt;
    }
    plan.state_key_check = check->get<std::string>();
  }
  for (auto [name, field] : {std::pair{"state_key", &plan.state_key}, std::pair{"state_password", &plan.state_password}}) {
    auto reference = json.find(name);
    if (reference == json.end() || reference->is_null()) continue;
    if (!reference->is_object() || !(reference->contains("env") || reference->contains("file"))) {
      if (error) *error = fmt::format("{}: expected null or a secret reference ({{\"env\": ...}} or {{\"file\": ...}})", name);
      return std::nullopt;
    }
    *field = *reference;
  }
  const Json* summary = r.object("summary");
  Summary recorded;
  if (summary) {
    Reader s(*summary, "summary", error);
    s.integer("add", recorded.add);
    s.integer("change", recorded.change);
    s.integer("destroy", recorded.destroy);
    s.integer("forget", recorded.forget);
    s.integer("read", recorded.read);
    if (!s.ok()) r.fail_quietly();
  }
  read_hosts(r, plan.hosts);
  if (const Json* changes = r.array("resource_changes")) {
    for (std::size_t i = 0; i < changes->size() && r.ok(); ++i) {
      auto change = read_change((*changes)[i], fmt::format("resource_changes[{}]", i), error);
      if (!change) {
        r.fail_quietly();
      } else {
        plan.changes.push_back(std::move(*change));
      }
    }
  }
  if (const Json* drift = r.array("resource_drift")) {
    for (std::size_t i = 0; i < drift->size() && r.ok(); ++i) {
      auto d = read_drift((*drift)[i], fmt::format("resource_drift[{}]", i), error);
      if (!d) {
        r.fail_quietly();
      } else {
        plan.drift.push_back(std::move(*d));
      }
    }
  }
  check_targets(r, plan);
  if (!r.ok()) return std::nullopt;

  // The summary is derived from the changes; a plan whose two disagree was edited by hand.
  Summary actual = plan.summary();
  if (recorded.add != actual.add || recorded.change != actual.change || recorded.destroy != actual.destroy ||
      recorded.forget != actual.forget || recorded.read != actual.read) {
    if (error) {
      *error = fmt::format(
          "summary: expected {} to add, {} to change, {} to destroy, {} to forget, {} to read (as the resource "
          "changes say), found {}, {}, {}, {}, {}",
          actual.add, actual.change, actual.destroy, actual.forget, actual.read, recorded.add, recorded.change,
          recorded.destroy, recorded.forget, recorded.read);
    }
    return std::nullopt;
  }
  return plan;
}

}  // namespace supctl::plan
