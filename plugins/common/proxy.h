#pragma once
/// The proxy a ConfigMgr site system declares, as its WSUS Configuration Manager pushes it to the
/// WSUS of a software update point: both the ConfigMgr plugin (verify's proxy checks) and the WSUS
/// plugin (the wsus-proxy-differs warning) compare what a server has against it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/manifest.h"
#include "plugin/operation.h"

namespace supctl::plugins::common {

/// {server, port, account} for the site system named `fqdn`: its proxy's server, port (80 when
/// not written, as ConfigMgr resets it) and the proxy account's DOMAIN\user (null when
/// anonymous); null when the site system declares no proxy or the manifests lack it.
model::Json site_system_proxy(const model::Manifest& manifest, std::string_view fqdn);

/// Whether two {server, port, ...} proxies name the same endpoint: servers without case, ports equal.
bool same_proxy_endpoint(const model::Json& a, const model::Json& b);

/// Whether two proxies as ConfigMgr takes them ({server, port, account}) are the same: server and
/// account without case; false unless both are proxies.
bool same_proxy(const model::Json& wanted, const model::Json& seen);

/// A proxy as a resource's reference resolved it when the plan was made (model::resolve_references),
/// parsed once for every verb that sends or compares it.
struct ProxyReference {
  std::string name;                         ///< the proxy's name in the manifests
  std::string server;
  std::int64_t port = 80;                   ///< 80 when not written, as ConfigMgr resets an unset port
  std::optional<std::string> account;       ///< its account's DOMAIN\user; nullopt: anonymous
  std::optional<std::string> account_site;  ///< the site code its account names, when it names one
  model::Json account_password;             ///< the account's password reference ({env} or {file}); null when none

  /// {server, port, account: DOMAIN\user or null}: the proxy as ConfigMgr takes and reports it.
  model::Json endpoint() const;
  /// Whether a proxy a server reports as {server, port, account} is this one (same_proxy).
  bool matches(const model::Json& seen) const { return same_proxy(endpoint(), seen); }
};

/// The proxy that `references` resolved for `attribute`; nullopt when it did not resolve or
/// names no server.
std::optional<ProxyReference> proxy_reference(const model::Json* references, std::string_view attribute = "proxy");

}  // namespace supctl::plugins::common
