#include "plugins/common/proxy.h"

#include <string>

#include "model/attributes.h"
#include "model/text.h"

namespace supctl::plugins::common {

using model::Json;

Json site_system_proxy(const model::Manifest& manifest, std::string_view fqdn) {
  const model::Resource* system = manifest.find("site_system", fqdn);
  auto name = system ? system->string("proxy") : std::nullopt;
  const model::Resource* proxy = name ? manifest.find("proxy", *name) : nullptr;
  if (!proxy || !proxy->string("server")) return nullptr;
  Json account = nullptr;
  if (auto account_name = proxy->string("account")) {
    const model::Resource* resource = manifest.find("account", *account_name);
    if (resource && resource->string("user")) account = std::string(*resource->string("user"));
  }
  return Json{{"server", std::string(*proxy->string("server"))}, {"port", proxy->integer("port").value_or(80)}, {"account", account}};
}

bool same_proxy_endpoint(const Json& a, const Json& b) {
  if (!a.is_object() || !b.is_object()) return false;
  const Json& server_a = a.value("server", Json(nullptr));
  const Json& server_b = b.value("server", Json(nullptr));
  if (!server_a.is_string() || !server_b.is_string()) return false;
  const std::string& x = server_a.get_ref<const std::string&>();
  const std::string& y = server_b.get_ref<const std::string&>();
  bool same_server = model::iequals(x, y);
  return same_server && a.value("port", Json(80)) == b.value("port", Json(80));
}

bool same_proxy(const Json& wanted, const Json& seen) {
  if (!wanted.is_object() || !seen.is_object()) return false;
  auto text_of = [](const Json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? model::upper(j[key].get<std::string>()) : std::string();
  };
  return text_of(wanted, "server") == text_of(seen, "server") && wanted.value("port", Json(nullptr)) == seen.value("port", Json(nullptr)) &&
         text_of(wanted, "account") == text_of(seen, "account");
}

Json ProxyReference::endpoint() const {
  return Json{{"server", server}, {"port", port}, {"account", account ? Json(*account) : Json(nullptr)}};
}

std::optional<ProxyReference> proxy_reference(const Json* references, std::string_view attribute) {
  const Json* proxy = model::referenced(references, attribute);
  if (!proxy) return std::nullopt;
  const Json& resolved = references->at(std::string(attribute));
  auto server = proxy->find("server");
  if (server == proxy->end() || !server->is_string() || !resolved.value("name", Json(nullptr)).is_string()) return std::nullopt;
  ProxyReference out;
  out.name = resolved["name"].get<std::string>();
  out.server = server->get<std::string>();
  const Json port = proxy->value("port", Json(80));
  if (port.is_number_integer()) out.port = port.get<std::int64_t>();
  const Json nested = resolved.value("references", Json::object());
  if (const Json* account = model::referenced(&nested, "account")) {
    out.account = model::referenced_string(&nested, "account", "user");
    if (auto site = model::referenced_string(&nested, "account", "site")) out.account_site = model::upper(*site);
    if (out.account) out.account_password = account->value("password", Json(nullptr));
  }
  return out;
}

}  // namespace supctl::plugins::common
