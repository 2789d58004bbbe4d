#pragma once
/// The lab's interpreters of the wsus operations (../operations.h), over the `wsus`/`server`
/// document of engine/backends/lab/LAYOUT.md, and WSUS as the lab installs and seeds it.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backends/lab/backend.h"
#include "backends/lab/estate.h"
#include "model/manifest.h"
#include "plugin/operation.h"
#include "plugins/wsus/operations.h"

namespace supctl::plugins::wsus {

/// Registers the lab interpreter of every wsus operation.
void add_lab_operations(lab::OperationTable& table);

/// A Windows Server release a lab host can run, and the WSUS version it ships.
struct WindowsRelease {
  std::string_view os;          ///< "Windows Server 2019"
  std::string_view os_version;  ///< "10.0.17763"
  std::string_view wsus;        ///< "10.0.17763", "6.3", "3.0-sp2"
};
/// Windows Server 2008 to 2022, oldest first.
std::span<const WindowsRelease> windows_releases();

/// The WSUS version that a Windows Server version ships ("10.0.20348" -> "10.0.20348",
/// "6.3.9600" -> "6.3"); the OS version itself when it is not a known one.
std::string wsus_version_of(std::string_view os_version);

/// Installs WSUS in the estate as `wsus.install` does: features, Setup registry values, WsusService.
void install_in_lab(lab::Estate& estate, std::string_view host, std::string_view content_dir,
                    std::string_view database);

// ---- WSUS as ConfigMgr's WSUS Configuration Manager finds and configures it on a SUP's server.

/// The version of the WSUS installed on `host` ("10.0.17763", "6.3", "3.0-sp2"); nullopt when
/// none is.
std::optional<std::string> installed_version(const lab::Estate& estate, std::string_view host);

/// Sets the proxy WSUS on `host` uses, {server, port, account}, as WSUS Configuration Manager
/// does from its site system's.
void configure_proxy(lab::Estate& estate, std::string_view host, const model::Json& proxy);

/// Sets the subscription (product and classification GUIDs) and update languages of WSUS on
/// `host`, as WSUS Configuration Manager does from its site's component; a null one is left as it is.
void configure_subscription(lab::Estate& estate, std::string_view host, const model::Json& products, const model::Json& classifications,
                            const model::Json& languages);

/// Gives every software_update_point host that declares no wsus_server an installed WSUS (WID,
/// C:\WSUS), as ConfigMgr assumes, with the version of the host's OS. Hosts not in the estate and
/// hosts that already have WSUS are left alone.
void seed_lab(const model::Manifest& manifest, lab::Estate& estate);

}  // namespace supctl::plugins::wsus
