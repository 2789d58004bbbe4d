#include "plugin/plugin.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "model/text.h"

namespace supctl::plugin {
namespace {

bool ignores_case(const model::AttributeSchema& schema) {
  switch (schema.type) {
    case model::AttrType::kEnum:
    case model::AttrType::kMachine:
    case model::AttrType::kReference: return true;
    default: return schema.format && schema.format->ignore_case;
  }
}

/// A string as the attribute compares it: in its format's normal form (a classification title as
/// its GUID, a schedule in canonical words), without case where the attribute ignores it.
std::string comparable(const model::AttributeSchema& schema, std::string text) {
  if (schema.format && schema.format->check) {
    std::string normalized;
    if (!schema.format->check(text, &normalized) && !normalized.empty()) text = std::move(normalized);
  }
  return ignores_case(schema) ? model::lower(text) : text;
}

bool same_string(const model::AttributeSchema& schema, const model::Json& a, const model::Json& b) {
  if (!a.is_string() || !b.is_string()) return a == b;
  return comparable(schema, a.get<std::string>()) == comparable(schema, b.get<std::string>());
}

// The items of a JSON array as a set, compared the way the attribute compares.
std::set<std::string> as_set(const model::AttributeSchema& schema, const model::Json& array) {
  std::set<std::string> items;
  if (!array.is_array()) return items;
  for (const model::Json& item : array) items.insert(item.is_string() ? comparable(schema, item.get<std::string>()) : item.dump());
  return items;
}

}  // namespace

KindRegistry::KindRegistry(std::span<const Plugin* const> plugins) {
  for (const Plugin* plugin : plugins) {
    for (const model::KindSchema& schema : plugin->kinds()) {
      owners_.emplace(std::string(schema.kind), KindOwner{plugin, &schema});
      schemas_.push_back(&schema);
    }
  }
}

KindOwner KindRegistry::find(std::string_view kind) const {
  auto it = owners_.find(kind);
  return it == owners_.end() ? KindOwner{} : it->second;
}

diag::Diagnostic& resource_error(diag::Diagnostics& out, const model::Address& address, std::string code, std::string summary) {
  diag::Diagnostic& d = out.error(std::move(code), std::move(summary));
  d.address = address.str();
  d.key_path = d.address;
  return d;
}

const model::Json* read_result(const ObserveRequest& request, std::size_t index, std::string_view operation,
                        const ReadAdvice& advice, diag::Diagnostics& out) {
  if (index >= request.results.size()) {
    resource_error(out, request.address, "read-failed",
                   fmt::format("cannot read {}: expected a result of {}, found none", request.address.str(), operation));
    return nullptr;
  }
  const OperationResult& result = request.results[index];
  if (!result.ok()) {
    auto& d = resource_error(out, request.address, "read-failed",
                             fmt::format("cannot read {}: {} ({}): {}", request.address.str(), operation,
                                         failure_kind_name(result.failure), result.error));
    if (result.failure == FailureKind::kUnreachable) d.help = std::string(advice.unreachable);
    if (result.failure == FailureKind::kAccessDenied && !advice.access_denied.empty()) d.help = std::string(advice.access_denied);
    return nullptr;
  }
  if (!result.value.is_object()) {
    resource_error(out, request.address, "read-failed",
                   fmt::format("cannot read {}: {} returned {}, not an object", request.address.str(), operation,
                               result.value.dump()));
    return nullptr;
  }
  return &result.value;
}

std::string_view failure_kind_name(FailureKind kind) {
  switch (kind) {
    case FailureKind::kNone: return "none";
    case FailureKind::kUnreachable: return "unreachable";
    case FailureKind::kAccessDenied: return "access_denied";
    case FailureKind::kTimeout: return "timeout";
    case FailureKind::kFailed: return "failed";
  }
  return "failed";
}

std::string_view action_name(Action action) {
  switch (action) {
    case Action::kNoOp: return "no-op";
    case Action::kRead: return "read";
    case Action::kCreate: return "create";
    case Action::kUpdate: return "update";
    case Action::kReplace: return "replace";
    case Action::kDelete: return "delete";
    case Action::kForget: return "forget";
  }
  return "no-op";
}

bool same_value(const model::AttributeSchema& schema, const model::Json& desired, const model::Json& observed) {
  // A value the plugin reports exactly as the manifest writes it (a products {include, exclude}
  // that the server's subscription satisfies) is the same, whatever its shape.
  if (desired == observed) return true;
  switch (schema.type) {
    case model::AttrType::kStringSet: {
      std::set<std::string> have = as_set(schema, observed);
      if (desired.is_array()) return as_set(schema, desired) == have;
      if (!desired.is_object()) return desired == observed;
      if (desired.contains("include")) {
        for (const std::string& item : as_set(schema, desired["include"])) {
          if (!have.contains(item)) return false;
        }
      }
      if (desired.contains("exclude")) {
        for (const std::string& item : as_set(schema, desired["exclude"])) {
          if (have.contains(item)) return false;
        }
      }
      return true;
    }
    case model::AttrType::kTable: {
      if (!desired.is_object() || !observed.is_object()) return desired == observed;
      for (const auto& [key, value] : desired.items()) {
        const model::AttributeSchema* field = nullptr;
        for (const model::AttributeSchema& f : schema.fields) {
          if (f.name == key) field = &f;
        }
        if (!observed.contains(key)) return false;
        if (field ? !same_value(*field, value, observed[key]) : value != observed[key]) return false;
      }
      return true;
    }
    case model::AttrType::kStringList:
      if (!desired.is_array() || !observed.is_array() || desired.size() != observed.size()) return desired == observed;
      for (std::size_t i = 0; i < desired.size(); ++i) {
        if (!same_string(schema, desired[i], observed[i])) return false;
      }
      return true;
    default:
      return same_string(schema, desired, observed);
  }
}

DiffResponse generic_diff(const DiffRequest& request) {
  DiffResponse response;
  const model::KindSchema* schema = request.schema;
  if (!request.desired) {
    response.action = request.observed ? Action::kDelete : Action::kNoOp;
    return response;
  }
  auto is_rotated = [&](std::string_view name) {
    return std::find(request.rotated_secrets.begin(), request.rotated_secrets.end(), name) != request.rotated_secrets.end();
  };
  if (schema && schema->read_only) {
    response.action = Action::kRead;
    if (!request.observed) {
      resource_error(response.diagnostics, request.address, "not-found",
                fmt::format("{} does not exist on its server", request.address.str()))
          .help = "supctl reads and checks this kind of resource but never creates it: create it, or fix the manifest";
      return response;
    }
    for (const auto& [name, value] : *request.desired) {
      const model::AttributeSchema* attribute = schema->attribute(name);
      auto found = request.observed->find(name);
      if (!attribute || found == request.observed->end() || same_value(*attribute, value, found->second)) continue;
      auto& d = resource_error(response.diagnostics, request.address, "read-only-mismatch",
                          fmt::format("{} has {} = {} on its server; the manifest says {}", request.address.str(), name,
                                      found->second.dump(), value.dump()));
      d.key_path = request.address.str() + "." + name;
      d.help = "supctl does not change this kind of resource: correct the manifest";
    }
    return response;
  }
  bool replace = false;
  for (const auto& [name, value] : *request.desired) {
    const model::AttributeSchema* attribute = schema ? schema->attribute(name) : nullptr;
    bool secret = attribute && attribute->type == model::AttrType::kSecret;
    const model::Json* observed = nullptr;
    if (request.observed) {
      auto found = request.observed->find(name);
      if (found != request.observed->end()) observed = &found->second;
    }
    bool differs;
    if (secret) {
      differs = !request.observed || is_rotated(name);
    } else if (!request.observed) {
      differs = true;
    } else {
      differs = !observed || !(attribute ? same_value(*attribute, value, *observed) : value == *observed);
    }
    if (!differs) continue;
    response.attributes.push_back(AttributeDiff{name, observed && !secret ? *observed : model::Json(nullptr), value, secret});
    if (request.observed && attribute && attribute->replace_on_change) replace = true;
  }
  if (request.observed && request.references) {
    // A secret that a reference passes to the host (proxy.account.password) was rotated: the
    // resource is sent it again, shown under its path.
    for (const std::string& name : request.rotated_secrets) {
      if (model::attribute_root(name).size() == name.size() || !request.desired->contains(model::attribute_root(name))) continue;
      const model::Json* reference = model::sent_secret(*request.desired, *request.references, name);
      response.attributes.push_back(AttributeDiff{name, nullptr, reference ? *reference : model::Json(nullptr), true});
    }
    std::stable_sort(response.attributes.begin(), response.attributes.end(),
                     [](const AttributeDiff& a, const AttributeDiff& b) { return a.name < b.name; });
  }
  if (!request.observed) {
    response.action = Action::kCreate;
  } else if (response.attributes.empty()) {
    response.action = Action::kNoOp;
  } else {
    response.action = replace ? Action::kReplace : Action::kUpdate;
  }
  return response;
}

std::vector<Edge> Plugin::edges(const model::Manifest&) const { return {}; }

std::string Plugin::host_of(const model::Resource& resource, const model::Manifest&) const {
  if (auto host = resource.string("host")) return std::string(*host);
  for (const model::KindSchema& kind : kinds()) {
    if (kind.kind == resource.kind() && kind.names_machine) return resource.name();
  }
  return {};
}

std::string Plugin::host_of_recorded(const model::Address& address, const model::AttributeMap& recorded) const {
  auto host = recorded.find("host");
  if (host != recorded.end() && host->second.is_string()) return host->second.get<std::string>();
  for (const model::KindSchema& kind : kinds()) {
    if (kind.kind == address.kind && kind.names_machine) return address.name;
  }
  return {};
}

diag::Diagnostics not_implemented_error(const model::Address& address, std::string_view plugin, std::string_view verb) {
  diag::Diagnostics out;
  resource_error(out, address, "not-implemented", fmt::format("the {} plugin cannot {} {} yet", plugin, verb, address.kind));
  return out;
}

ReadResponse Plugin::read(const ReadRequest& request) const {
  return not_implemented<ReadResponse>(request.address, name(), "read");
}

ObserveResponse Plugin::observe(const ObserveRequest& request) const {
  return not_implemented<ObserveResponse>(request.address, name(), "read");
}

DiffResponse Plugin::diff(const DiffRequest& request) const { return generic_diff(request); }

ApplyResponse Plugin::apply(const ApplyRequest& request) const {
  return not_implemented<ApplyResponse>(request.address, name(), "change");
}

VerifyResponse Plugin::verify(const VerifyRequest& request) const {
  VerifyResponse response;
  DiffRequest diff_request{request.address, request.schema, request.desired, request.observed, {}, request.references};
  DiffResponse diffed = diff(diff_request);
  response.diagnostics = std::move(diffed.diagnostics);
  response.converged = diffed.action == Action::kNoOp || diffed.action == Action::kRead;
  for (const AttributeDiff& a : diffed.attributes) {
    if (a.sensitive) continue;  // a secret cannot be read back; its fingerprint is the proof
    auto& d = resource_error(response.diagnostics, request.address, "not-converged",
                        fmt::format("{} has {} = {} after apply; expected {}", request.address.str(), a.name,
                                    a.before.dump(), a.after.dump()));
    d.key_path = request.address.str() + "." + a.name;
  }
  if (!request.observed && request.desired) {
    resource_error(response.diagnostics, request.address, "not-converged", fmt::format("{} is still absent after apply", request.address.str()));
    response.converged = false;
  }
  return response;
}

std::optional<InstallChain> Plugin::evidence(const EvidenceRequest&) const { return std::nullopt; }

std::vector<Check> Plugin::checks(const CheckRequest&) const { return {}; }

CheckResult Plugin::evaluate(const Check& check, std::span<const OperationResult>) const {
  return CheckResult{false, fmt::format("the plugin '{}' made the check '{}' but cannot judge it", name(), check.name), {}, {}};
}

}  // namespace supctl::plugin
