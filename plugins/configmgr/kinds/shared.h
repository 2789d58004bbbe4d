#pragma once
/// What several ConfigMgr kind handlers use: the kinds' constructors, and helpers over requests,
/// sites and resolved references.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "model/manifest.h"
#include "plugin/plugin.h"
#include "plugins/configmgr/kinds.h"

namespace supctl::plugins::configmgr {

std::unique_ptr<Kind> make_hierarchy();
std::unique_ptr<Kind> make_site();
std::unique_ptr<Kind> make_account();
std::unique_ptr<Kind> make_proxy();
std::unique_ptr<Kind> make_site_system();
std::unique_ptr<Kind> make_software_update_point();
std::unique_ptr<Kind> make_sync();

/// What to check when a ConfigMgr read fails.
inline constexpr plugin::ReadAdvice kReadAdvice{.unreachable = "check that the site server is up and that supctl can reach it",
                                               .access_denied = "check that supctl's account is a ConfigMgr administrator"};

/// An attribute of a resource being read: from the manifest, or from what was last applied.
std::optional<std::string> attribute_of(const plugin::ReadRequest& request, std::string_view name);

/// The site without a parent; nullptr when the manifest has none.
const model::Resource* top_level_site(const model::Manifest& manifest);
/// The top of `site`'s chain of parents; nullptr for a chain that does not end.
const model::Resource* top_of(const model::Resource* site, const model::Manifest& manifest);

/// The site of a resource that names it in `site` (a site system, a SUP); nullptr when it does not.
const model::Resource* named_site(const model::Resource& resource, const model::Manifest& manifest);

/// The site of a resource being changed: its desired `site`, else the observed one.
std::optional<std::string> site_of_change(const plugin::ApplyRequest& request);

/// {fqdn, site}: what every operation on a site system or a SUP starts from; nullopt (with a
/// read-failed error in `out`, for a read) when the resource names no site.
std::optional<model::Json> fqdn_and_site(const plugin::ReadRequest& request, diag::Diagnostics& out);
std::optional<model::Json> fqdn_and_site(const plugin::ApplyRequest& request);

/// An "apply-failed" error: `cannot change ADDR: why`.
plugin::ApplyResponse cannot_change(const plugin::ApplyRequest& request, std::string_view why);

/// The names a change writes: every desired attribute when creating, else those that differ.
std::vector<std::string> changed_names(const plugin::ApplyRequest& request);

}  // namespace supctl::plugins::configmgr
