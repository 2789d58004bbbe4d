#include "plugins/configmgr/resources.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "model/attributes.h"

namespace supctl::plugins::configmgr {
namespace {

using model::Action;
using model::AttributeMap;
using model::Json;
using model::Resource;

/// Keys of an observation that are not attributes. "$resolved": what the plan resolved from the
/// manifest (references as ConfigMgr knows them, the ConfigMgr generation), for apply, which has no
/// manifest. "$absent": the resource does not exist on its server; the observation is there only
/// to carry "$resolved" to the create.
constexpr std::string_view kResolved = "$resolved";
constexpr std::string_view kAbsent = "$absent";

/// The SUP settings the role document keeps, by their manifest names.
constexpr std::array<std::string_view, 11> kSupSettings{"active", "anonymous_wsus_access", "client_connection_type",
                                                        "enable_cloud_gateway", "nlb_virtual_ip", "public_virtual_ip",
                                                        "use_proxy", "use_proxy_for_adr", "wsus_iis_port",
                                                        "wsus_iis_ssl_port", "wsus_ssl"};
constexpr std::array<std::string_view, 3> kSiteSystemSettings{"public_fqdn", "fdm_operation", "use_site_server_account"};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
bool same_text(std::string_view a, std::string_view b) { return upper(a) == upper(b); }

/// An attribute of a resource being read: from the manifest, or from what was last applied.
std::optional<std::string> attribute_of(const model::ReadRequest& request, std::string_view name) {
  if (request.desired) {
    auto value = request.desired->string(name);
    return value ? std::optional<std::string>(*value) : std::nullopt;
  }
  return model::string_attribute(request.recorded, name);
}

const Resource* top_of(const Resource* site, const model::Manifest& manifest) {
  for (int depth = 0; site && depth < 16; ++depth) {
    auto parent = site->string("parent");
    if (!parent) return site;
    site = manifest.find("site", *parent);
  }
  return nullptr;
}

const Resource* top_level_site(const model::Manifest& manifest) {
  for (const Resource& site : manifest.of_kind("site")) {
    if (!site.find("parent")) return &site;
  }
  return nullptr;
}

/// {name, user} of an account, or null when the manifest does not declare it.
Json resolve_account(const model::Manifest& manifest, std::string_view name) {
  const Resource* account = manifest.find("account", name);
  auto user = account ? account->string("user") : std::nullopt;
  if (!user) return nullptr;
  return Json{{"name", std::string(name)}, {"user", std::string(*user)}};
}

/// {name, server, port, account (DOMAIN\user or null)} of a proxy, or null.
Json resolve_proxy(const model::Manifest& manifest, std::string_view name) {
  const Resource* proxy = manifest.find("proxy", name);
  if (!proxy || !proxy->string("server") || !proxy->integer("port")) return nullptr;
  Json account = nullptr;
  if (auto account_name = proxy->string("account")) {
    Json resolved = resolve_account(manifest, *account_name);
    if (resolved.is_object()) account = resolved["user"];
  }
  return Json{{"name", std::string(name)}, {"server", std::string(*proxy->string("server"))}, {"port", *proxy->integer("port")},
              {"account", account}};
}

/// What the plan resolves from the manifest for a site system or a SUP.
Json resolved_for(const model::ReadRequest& request) {
  Json resolved = Json::object();
  if (!request.desired || !request.manifest) return resolved;
  const model::Manifest& manifest = *request.manifest;
  if (request.address.kind == "site_system") {
    if (auto proxy = request.desired->string("proxy")) resolved["proxy"] = resolve_proxy(manifest, *proxy);
    if (auto account = request.desired->string("installation_account")) {
      resolved["installation_account"] = resolve_account(manifest, *account);
    }
  } else {
    if (auto account = request.desired->string("connection_account")) {
      resolved["connection_account"] = resolve_account(manifest, *account);
    }
    const Resource* hierarchy = manifest.find("hierarchy", "");
    auto generation = hierarchy ? hierarchy->string("configmgr") : std::nullopt;
    resolved["configmgr"] = generation ? std::string(*generation) : "current-branch";
  }
  return resolved;
}

bool same_proxy(const Json& wanted, const Json& seen) {
  if (!wanted.is_object() || !seen.is_object()) return false;
  auto text_of = [](const Json& j, const char* key) { return j.contains(key) && j[key].is_string() ? upper(j[key].get<std::string>()) : ""; };
  return text_of(wanted, "server") == text_of(seen, "server") && wanted.value("port", Json(nullptr)) == seen.value("port", Json(nullptr)) &&
         text_of(wanted, "account") == text_of(seen, "account");
}

/// An account as the host shows it (DOMAIN\user), by its manifest name when it is the one resolved.
Json account_seen(const Json& seen, const Json& resolved) {
  if (seen.is_string() && resolved.is_object() && resolved["user"].is_string() &&
      same_text(seen.get<std::string>(), resolved["user"].get<std::string>())) {
    return resolved["name"];
  }
  return seen;
}

const Json* read_result(const model::ObserveRequest& request, std::string_view operation, diag::Diagnostics& out) {
  if (request.results.size() != 1) {
    model::resource_error(out, request.address, "read-failed",
              fmt::format("cannot read {}: expected one result of {}, found {}", request.address.str(), operation, request.results.size()));
    return nullptr;
  }
  const model::OperationResult& result = request.results[0];
  if (!result.ok()) {
    auto& d = model::resource_error(out, request.address, "read-failed",
                        fmt::format("cannot read {}: {} ({}): {}", request.address.str(), operation,
                                    model::failure_kind_name(result.failure), result.error));
    if (result.failure == model::FailureKind::kUnreachable) d.help = "check that the site server is up and that supctl can reach it";
    if (result.failure == model::FailureKind::kAccessDenied) d.help = "check that supctl's account is a ConfigMgr administrator";
    return nullptr;
  }
  if (!result.value.is_object()) {
    model::resource_error(out, request.address, "read-failed",
              fmt::format("cannot read {}: {} returned {}, not an object", request.address.str(), operation, result.value.dump()));
    return nullptr;
  }
  return &result.value;
}

std::string_view read_operation(std::string_view kind) {
  if (kind == "site") return "configmgr.get_site";
  if (kind == "account") return "configmgr.get_account";
  if (kind == "site_system") return "configmgr.get_site_system";
  if (kind == "software_update_point") return "configmgr.get_sup";
  return {};
}

const Json* resolved_in(const AttributeMap* observed) {
  if (!observed) return nullptr;
  auto it = observed->find(kResolved);
  return it != observed->end() && it->second.is_object() ? &it->second : nullptr;
}

/// A reference's value as ConfigMgr takes it: what the plan resolved, else null.
Json resolved_value(const Json* resolved, const char* name, const char* field) {
  if (!resolved || !resolved->contains(name) || !(*resolved)[name].is_object()) return nullptr;
  if (!field) {
    Json out = (*resolved)[name];
    out.erase("name");
    return out;
  }
  return (*resolved)[name].value(field, Json(nullptr));
}

}  // namespace

std::string domain_of(std::string_view fqdn) {
  std::size_t first = fqdn.find('.');
  if (first == std::string_view::npos) return {};
  std::size_t second = fqdn.find('.', first + 1);
  return upper(fqdn.substr(first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1));
}

std::string netbios_of(std::string_view fqdn) { return upper(fqdn.substr(0, fqdn.find('.'))); }

std::string computer_account_of(std::string_view fqdn) { return fmt::format("{}\\{}$", domain_of(fqdn), netbios_of(fqdn)); }

std::string server_of(const Resource& resource, const model::Manifest& manifest) {
  auto server = [](const Resource* site) {
    auto s = site ? site->string("server") : std::nullopt;
    return s ? std::string(*s) : std::string();
  };
  const std::string& kind = resource.kind();
  if (kind == "site") return server(&resource);
  if (kind == "site_system" || kind == "software_update_point") {
    auto code = resource.string("site");
    return code ? server(manifest.find("site", *code)) : std::string();
  }
  if (kind == "sync") return server(manifest.find("site", resource.name()));
  if (kind == "account") {
    auto code = resource.string("site");
    return server(code ? top_of(manifest.find("site", *code), manifest) : top_level_site(manifest));
  }
  if (kind == "proxy") return server(top_level_site(manifest));
  return {};
}

model::ReadResponse read_resource(const model::ReadRequest& request) {
  model::ReadResponse response;
  const std::string& kind = request.address.kind;
  if (kind == "proxy") return response;  // manifest data: it reaches servers through the site systems that use it
  std::string_view operation = read_operation(kind);
  if (operation.empty()) {
    model::resource_error(response.diagnostics, request.address, "not-implemented", fmt::format("the configmgr plugin cannot read {} yet", kind));
    return response;
  }
  if (kind == "site") {
    response.operations.push_back({std::string(operation), Json{{"code", request.address.name}}});
  } else if (kind == "account") {
    auto user = attribute_of(request, "user");
    if (!user) {
      model::resource_error(response.diagnostics, request.address, "read-failed", fmt::format("cannot read {}: it has no 'user'", request.address.str()));
      return response;
    }
    response.operations.push_back({std::string(operation), Json{{"user", *user}}});
  } else {
    auto site = attribute_of(request, "site");
    if (!site) {
      model::resource_error(response.diagnostics, request.address, "read-failed", fmt::format("cannot read {}: it has no 'site'", request.address.str()));
      return response;
    }
    response.operations.push_back(
        {std::string(operation), Json{{"fqdn", request.address.name}, {"site", *site}, {"resolved", resolved_for(request)}}});
  }
  return response;
}

model::ObserveResponse observe_resource(const model::ObserveRequest& request) {
  model::ObserveResponse response;
  const std::string& kind = request.address.kind;
  if (kind == "proxy") {
    if (request.desired) {
      response.observed = model::desired_attributes(*request.desired);
    } else if (request.recorded) {
      AttributeMap recorded = *request.recorded;
      recorded.erase("depends_on");
      response.observed = std::move(recorded);
    }
    return response;
  }
  const Json* result = read_result(request, read_operation(kind), response.diagnostics);
  if (!result) return response;
  Json resolved = result->value("resolved", Json::object());
  if (!result->value("exists", false)) {
    if (resolved.is_object() && !resolved.empty()) response.observed = AttributeMap{{std::string(kAbsent), true}, {std::string(kResolved), resolved}};
    return response;
  }
  AttributeMap observed;
  if (kind == "site") {
    for (const char* key : {"type", "parent", "server"}) observed[key] = result->value(key, Json(nullptr));
  } else if (kind == "account") {
    observed["user"] = result->value("user", Json(nullptr));
    observed["site"] = result->value("site", Json(nullptr));
    // Whether supctl manages the group memberships is its own setting, not the server's.
    const model::Attribute* manage = request.desired ? request.desired->find("manage_group_membership") : nullptr;
    if (manage) {
      observed["manage_group_membership"] = model::to_json(manage->value);
    } else if (request.recorded && request.recorded->contains("manage_group_membership")) {
      observed["manage_group_membership"] = request.recorded->at("manage_group_membership");
    }
  } else if (kind == "site_system") {
    observed["site"] = result->value("site", Json(nullptr));
    for (std::string_view key : kSiteSystemSettings) observed[std::string(key)] = result->value(std::string(key), Json(nullptr));
    observed["installation_account"] =
        account_seen(result->value("installation_account", Json(nullptr)), resolved.value("installation_account", Json(nullptr)));
    // The proxy by its manifest name when its settings are the ones the manifest gives it.
    Json proxy = result->value("proxy", Json(nullptr));
    Json wanted = resolved.value("proxy", Json(nullptr));
    observed["proxy"] = same_proxy(wanted, proxy) ? wanted["name"] : proxy;
    observed[std::string(kResolved)] = resolved;
  } else {
    observed["site"] = result->value("site", Json(nullptr));
    for (std::string_view key : kSupSettings) observed[std::string(key)] = result->value(std::string(key), Json(nullptr));
    observed["connection_account"] =
        account_seen(result->value("connection_account", Json(nullptr)), resolved.value("connection_account", Json(nullptr)));
    observed[std::string(kResolved)] = resolved;
  }
  response.observed = std::move(observed);
  return response;
}

model::DiffResponse diff_resource(const model::DiffRequest& request) {
  if (request.observed && request.observed->contains(kAbsent)) {
    model::DiffRequest absent = request;
    absent.observed = nullptr;
    return model::generic_diff(absent);
  }
  return model::generic_diff(request);
}

model::VerifyResponse verify_resource(const model::VerifyRequest& request) {
  model::VerifyResponse response;
  const AttributeMap* observed = request.observed && !request.observed->contains(kAbsent) ? request.observed : nullptr;
  if (!observed) {
    model::resource_error(response.diagnostics, request.address, "not-converged", fmt::format("{} is still absent after apply", request.address.str()));
    return response;
  }
  if (!request.desired) {
    response.converged = true;
    return response;
  }
  // Read back without the manifest, references show as ConfigMgr holds them (settings, DOMAIN\user):
  // the change set what the plan resolved, so here a reference only has to be set.
  AttributeMap desired = *request.desired;
  AttributeMap seen = *observed;
  if (!resolved_in(observed) || resolved_in(observed)->empty()) {
    for (const char* reference : {"proxy", "installation_account", "connection_account"}) {
      auto want = desired.find(reference);
      auto have = seen.find(reference);
      if (want == desired.end() || have == seen.end() || have->second.is_null()) continue;
      have->second = want->second;
    }
  }
  model::DiffRequest diff{request.address, request.schema, &desired, &seen, {}};
  model::DiffResponse diffed = diff_resource(diff);
  response.diagnostics = std::move(diffed.diagnostics);
  response.converged = diffed.action == Action::kNoOp || diffed.action == Action::kRead;
  for (const model::AttributeDiff& a : diffed.attributes) {
    if (a.sensitive) continue;
    auto& d = model::resource_error(response.diagnostics, request.address, "not-converged",
                        fmt::format("{} has {} = {} after apply; expected {}", request.address.str(), a.name, a.before.dump(), a.after.dump()));
    d.key_path = request.address.str() + "." + a.name;
    response.converged = false;
  }
  return response;
}

model::ApplyResponse apply_resource(const model::ApplyRequest& request) {
  model::ApplyResponse response;
  const std::string& kind = request.address.kind;
  const Json* resolved = resolved_in(request.observed);
  auto cannot = [&](std::string why) {
    model::resource_error(response.diagnostics, request.address, "apply-failed", fmt::format("cannot change {}: {}", request.address.str(), why));
    return response;
  };
  auto site = model::string_attribute(request.desired, "site");
  if (!site) site = model::string_attribute(request.observed, "site");
  if (kind == "proxy") return response;  // nothing on a server: its site systems carry it
  if (kind == "account") {
    if (request.action == Action::kDelete) return cannot("removing ConfigMgr accounts is not supported yet");
    auto user = model::string_attribute(request.desired, "user");
    if (!user || !request.desired->contains("password")) return cannot("it has no 'user' or 'password'");
    Json params{{"user", *user}, {"password", {{"$secret", request.desired->at("password")}}}};
    if (site) params["site"] = *site;
    response.operations.push_back({"configmgr.set_account", std::move(params)});
    return response;
  }
  if (kind == "site_system") {
    if (request.action == Action::kDelete) return cannot("removing site systems is not supported yet");
    if (!site) return cannot("it has no 'site'");
    Json params{{"fqdn", request.address.name}, {"site", *site}};
    bool creating = request.action == Action::kCreate;
    auto wants = [&](std::string_view name) {
      if (!request.desired || !request.desired->contains(name)) return false;
      if (creating) return true;
      for (const model::AttributeDiff& a : request.attributes) {
        if (a.name == name) return true;
      }
      return false;
    };
    if (wants("proxy")) {
      Json proxy = resolved_value(resolved, "proxy", nullptr);
      if (proxy.is_null()) return cannot("the proxy it names was not resolved at plan time; plan again");
      params["proxy"] = proxy;
    }
    if (wants("installation_account")) {
      Json user = resolved_value(resolved, "installation_account", "user");
      if (user.is_null()) return cannot("the installation account it names was not resolved at plan time; plan again");
      params["installation_account"] = user;
    }
    for (std::string_view setting : kSiteSystemSettings) {
      if (wants(setting)) params[std::string(setting)] = request.desired->find(setting)->second;
    }
    response.operations.push_back({"configmgr.set_site_system", std::move(params)});
    return response;
  }
  if (kind == "software_update_point") {
    if (!site) return cannot("it has no 'site'");
    if (request.action == Action::kDelete) {
      response.operations.push_back({"configmgr.remove_sup", Json{{"fqdn", request.address.name}, {"site", *site}}});
      return response;
    }
    Json params{{"fqdn", request.address.name}, {"site", *site}};
    bool creating = request.action == Action::kCreate;
    std::vector<std::string> names;
    if (creating) {
      for (const auto& [name, value] : *request.desired) names.push_back(name);
    } else {
      for (const model::AttributeDiff& a : request.attributes) names.push_back(a.name);
    }
    for (const std::string& name : names) {
      if (name == "site" || !request.desired->contains(name)) continue;
      if (name == "connection_account") {
        Json user = resolved_value(resolved, "connection_account", "user");
        if (user.is_null()) return cannot("the connection account it names was not resolved at plan time; plan again");
        params["connection_account"] = user;
      } else if (std::find(kSupSettings.begin(), kSupSettings.end(), name) != kSupSettings.end()) {
        params[name] = request.desired->at(name);
      }
    }
    if (creating) {
      Json generation = resolved ? resolved->value("configmgr", Json("current-branch")) : Json("current-branch");
      params["configmgr"] = generation;
      response.operations.push_back({"configmgr.add_sup", std::move(params)});
    } else {
      response.operations.push_back({"configmgr.set_sup", std::move(params)});
    }
    return response;
  }
  return cannot(fmt::format("the configmgr plugin cannot change {} yet", kind));
}

}  // namespace supctl::plugins::configmgr
