#include "plugins/common/proxy.h"

#include <string>

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

}  // namespace supctl::plugins::common
