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

/// A proxy as ConfigMgr takes it, {server, port, account: DOMAIN\user or null}, from what the
/// plan resolved; null when the reference did not resolve.
Json proxy_of(const Json* references) {
  const Json* proxy = model::referenced(references, "proxy");
  if (!proxy || !proxy->contains("server") || !proxy->contains("port")) return nullptr;
  const Json& nested = (*references)["proxy"].value("references", Json::object());
  auto account = model::referenced_string(&nested, "account", "user");
  return Json{{"server", (*proxy)["server"]}, {"port", (*proxy)["port"]}, {"account", account ? Json(*account) : Json(nullptr)}};
}

bool same_proxy(const Json& wanted, const Json& seen) {
  if (!wanted.is_object() || !seen.is_object()) return false;
  auto text_of = [](const Json& j, const char* key) { return j.contains(key) && j[key].is_string() ? upper(j[key].get<std::string>()) : ""; };
  return text_of(wanted, "server") == text_of(seen, "server") && wanted.value("port", Json(nullptr)) == seen.value("port", Json(nullptr)) &&
         text_of(wanted, "account") == text_of(seen, "account");
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
    response.operations.push_back({std::string(operation), Json{{"fqdn", request.address.name}, {"site", *site}}});
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
  if (!result->value("exists", false)) return response;
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
        model::as_reference(result->value("installation_account", Json(nullptr)), request.references, "installation_account", "user");
    // The proxy by its manifest name when its settings are the ones the manifest gives it.
    Json proxy = result->value("proxy", Json(nullptr));
    observed["proxy"] = same_proxy(proxy_of(request.references), proxy) ? (*request.references)["proxy"]["name"] : proxy;
  } else {
    observed["site"] = result->value("site", Json(nullptr));
    for (std::string_view key : kSupSettings) observed[std::string(key)] = result->value(std::string(key), Json(nullptr));
    observed["connection_account"] =
        model::as_reference(result->value("connection_account", Json(nullptr)), request.references, "connection_account", "user");
  }
  response.observed = std::move(observed);
  return response;
}

model::ApplyResponse apply_resource(const model::ApplyRequest& request) {
  model::ApplyResponse response;
  const std::string& kind = request.address.kind;
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
      Json proxy = proxy_of(request.references);
      if (proxy.is_null()) return cannot("the proxy it names was not resolved at plan time; plan again");
      params["proxy"] = proxy;
    }
    if (wants("installation_account")) {
      auto user = model::referenced_string(request.references, "installation_account", "user");
      if (!user) return cannot("the installation account it names was not resolved at plan time; plan again");
      params["installation_account"] = *user;
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
        auto user = model::referenced_string(request.references, "connection_account", "user");
        if (!user) return cannot("the connection account it names was not resolved at plan time; plan again");
        params["connection_account"] = *user;
      } else if (std::find(kSupSettings.begin(), kSupSettings.end(), name) != kSupSettings.end()) {
        params[name] = request.desired->at(name);
      }
    }
    if (creating) {
      response.operations.push_back({"configmgr.add_sup", std::move(params)});
    } else {
      response.operations.push_back({"configmgr.set_sup", std::move(params)});
    }
    return response;
  }
  return cannot(fmt::format("the configmgr plugin cannot change {} yet", kind));
}

}  // namespace supctl::plugins::configmgr
