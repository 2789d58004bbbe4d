#pragma once
/// What proves a software update point on the servers, as the seeds tell an administrator to prove
/// it: the install's milestones through SMSProv.log and SiteComp.log on the site server,
/// SUPSetup.log on the SUP's server and WCM.log back on the site server; and the proxy checks
/// (SYSTEM's WinHTTP proxy, the proxy WSUS got from ConfigMgr, the ADR proxy setting).

#include <span>
#include <vector>

#include "plugin/plugin.h"

namespace supctl::plugins::configmgr {

/// The install chain of a SUP that a change installs (a new role, or one that never finished
/// installing), or on demand; nullopt for other kinds and changes.
std::optional<plugin::InstallChain> sup_evidence(const plugin::EvidenceRequest& request);

/// The checks of a SUP: winhttp-proxy, and wsus-proxy / adr-proxy when the SUP declares use_proxy
/// / use_proxy_for_adr. None for other kinds.
std::vector<plugin::Check> sup_checks(const plugin::CheckRequest& request);
plugin::CheckResult evaluate_sup_check(const plugin::Check& check, std::span<const plugin::OperationResult> results);

}  // namespace supctl::plugins::configmgr
