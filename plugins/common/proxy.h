#pragma once
/// The proxy a ConfigMgr site system declares, as its WSUS Configuration Manager pushes it to the
/// WSUS of a software update point: both the ConfigMgr plugin (verify's proxy checks) and the WSUS
/// plugin (the wsus-proxy-differs warning) compare what a server has against it.

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

}  // namespace supctl::plugins::common
