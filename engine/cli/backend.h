#pragma once
/// The backends of the real program, made from host targets alone: the lab estate for lab hosts,
/// PowerShell over each other host's own transport.

#include <filesystem>
#include <memory>
#include <string>

#include "backends/powershell/transport.h"
#include "ops/backend.h"

namespace supctl::cli {

/// The lab estate in DIR/.supctl/lab for hosts with transport = "lab" (or every host with `lab`),
/// and PowerShell over each other host's transport. nullptr with `*error` when `lab` is asked for
/// and there is no estate, or the estate cannot be opened.
std::unique_ptr<ops::Backend> make_default_backend(const std::filesystem::path& dir, bool lab, std::string* error);

/// The live transport a host target asks for (WinRM for a machine without settings); nullptr with
/// `*error` when it cannot be made (a password that cannot be read, a transport that is not live).
std::unique_ptr<powershell::Transport> make_transport(const ops::HostTarget& target, std::string* error);

/// DIR/.supctl/lab: where the lab estate of a manifest directory lives.
std::filesystem::path lab_dir(const std::string& dir);

}  // namespace supctl::cli
