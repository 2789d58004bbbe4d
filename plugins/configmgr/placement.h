#pragma once
/// Where the ConfigMgr resources live: the site server and the SMS Provider that answer for each,
/// the registry key and groups of a SUP's own server, and names derived from a server's FQDN.

#include <array>
#include <string>
#include <string_view>

#include "model/json.h"
#include "model/manifest.h"

namespace supctl::plugins::configmgr {

/// The server of the site a resource belongs to: a site's own `server`; a site_system's, SUP's or
/// sync's site's server; for an account or a proxy the top-level site's server (following
/// parents). Empty when the manifest does not say (the hierarchy, or an unknown site).
std::string server_of(const model::Resource& resource, const model::Manifest& manifest);

/// The SMS Provider that answers for a resource's site: the machine where its ConfigMgr objects are
/// read and changed. A site's `provider`, else its `server`; a secondary site has no SMS Provider of
/// its own and is reached through its parent primary's (with its own site code in every cmdlet).
/// Accounts and proxies: the top-level site's. Empty when the manifest does not say.
std::string provider_of(const model::Resource& resource, const model::Manifest& manifest);

/// The registry key Site Component Manager creates on a software update point's server when the
/// role is installed there; read on that server itself (never through a second hop).
inline constexpr std::string_view kSupRoleKey = R"(HKLM\SOFTWARE\Microsoft\SMS\Operations Management\SMS Server Role\SMS Software Update Point)";

/// The local groups of a SUP's server that the account ConfigMgr connects with must be in.
inline constexpr std::array<std::string_view, 2> kSupGroups{"Administrators", "WSUS Administrators"};

/// "CONTOSO" for "pr1site.contoso.com": the second label, upper case; empty without one.
std::string domain_of(std::string_view fqdn);
/// "PR1SITE" for "pr1site.contoso.com".
std::string netbios_of(std::string_view fqdn);
/// The computer account of a server, "CONTOSO\PR1SITE$".
std::string computer_account_of(std::string_view fqdn);

}  // namespace supctl::plugins::configmgr
