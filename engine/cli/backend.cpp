// The backends a run uses: the lab estate, and the live path's transports made from each host
// target's settings: WinRM (the default for a machine without any), OpenSSH, or a local
// PowerShell process.

#include "cli/backend.h"

#include <fmt/format.h>

#include <cstdlib>

#include "backends/lab/backend.h"
#include "backends/powershell/backend.h"
#include "backends/powershell/local.h"
#include "backends/powershell/ssh.h"
#include "backends/powershell/winrm.h"
#include "plan/secrets.h"
#include "plugins/plugins.h"

namespace supctl::cli {
namespace {

using model::Json;

/// A host target's inline table (winrm = {...}, ssh = {...}) as JSON; an empty object without one.
Json table_of(const ops::HostTarget& target, std::string_view name) {
  auto it = target.settings.find(name);
  return it != target.settings.end() && it->second.is_object() ? it->second : Json::object();
}

std::unique_ptr<powershell::Transport> winrm_transport(const ops::HostTarget& target, std::string* error) {
  Json winrm = table_of(target, "winrm");
  powershell::WinRmSettings settings;
  settings.host = target.string("address").value_or(std::string());
  if (settings.host.empty()) settings.host = target.name;
  settings.https = winrm.value("https", true);
  settings.port = winrm.value("port", 0);
  std::string auth = winrm.value("auth", std::string("negotiate"));
  settings.auth = auth == "basic"      ? powershell::WinRmAuth::kBasic
                  : auth == "ntlm"     ? powershell::WinRmAuth::kNtlm
                  : auth == "kerberos" ? powershell::WinRmAuth::kKerberos
                                       : powershell::WinRmAuth::kNegotiate;
  settings.ca_file = winrm.value("ca_file", std::string());
  settings.allow_unencrypted = winrm.value("allow_unencrypted", false);
  settings.delegate = winrm.value("delegate", false);
  settings.operation_timeout = std::chrono::seconds(winrm.value("operation_timeout", 60));
  settings.user = target.string("user").value_or(std::string());
  if (auto password = target.settings.find("password"); password != target.settings.end()) {
    // Resolved here, at the moment of connecting; it lives only in the transport's settings.
    plan::EnvFileSecrets secrets([](const std::string& name) {
      const char* value = std::getenv(name.c_str());
      return value ? std::optional<std::string>(value) : std::nullopt;
    });
    std::string why;
    auto secret = secrets.resolve(password->second, &why);
    if (!secret) {
      *error = fmt::format("cannot connect to '{}' over winrm: the password of host[\"{}\"]: {}", target.name, target.name, why);
      return nullptr;
    }
    settings.password = std::move(*secret);
  }
  return std::make_unique<powershell::WinRmTransport>(std::move(settings));
}

std::unique_ptr<powershell::Transport> ssh_transport(const ops::HostTarget& target) {
  Json ssh = table_of(target, "ssh");
  powershell::SshSettings settings;
  settings.host = target.name;
  settings.address = target.string("address").value_or(std::string());
  if (ssh.contains("port") && ssh["port"].is_number_integer()) settings.port = ssh["port"].get<int>();
  settings.user = ssh.value("user", target.string("user").value_or(std::string()));
  settings.identity_file = ssh.value("identity_file", std::string());
  settings.known_hosts_file = ssh.value("known_hosts_file", std::string());
  return std::make_unique<powershell::SshTransport>(std::move(settings));
}

/// A backend that owns the lab estate it interprets operations over.
class OwnedLabBackend final : public ops::Backend {
 public:
  OwnedLabBackend(std::unique_ptr<lab::Estate> estate, lab::OperationTable table)
      : estate_(std::move(estate)), table_(std::move(table)), backend_(*estate_, table_) {}
  std::vector<plugin::OperationResult> run(const ops::HostTarget& host, std::span<const plugin::Operation> batch) override {
    return backend_.run(host, batch);
  }
  ops::Clock* clock() override { return backend_.clock(); }

 private:
  std::unique_ptr<lab::Estate> estate_;
  lab::OperationTable table_;
  lab::LabBackend backend_;
};

/// Sends each host to the lab (with --lab, or when its target says transport = "lab"), and the
/// others to the live path: PowerShell over their own transport.
class RoutingBackend final : public ops::Backend {
 public:
  RoutingBackend(std::unique_ptr<ops::Backend> lab, bool all_lab)
      : lab_(std::move(lab)),
        all_lab_(all_lab),
        live_(powershell::fragment_lookup(plugins::powershell_fragments()), make_transport) {}
  std::vector<plugin::OperationResult> run(const ops::HostTarget& host, std::span<const plugin::Operation> batch) override {
    if (all_lab_ || host.string("transport") == "lab") {
      if (lab_) return lab_->run(host, batch);
      return std::vector<plugin::OperationResult>(
          batch.size(), plugin::OperationResult{plugin::FailureKind::kUnreachable, nullptr,
                                               "the lab estate does not exist: run 'supctl lab init DIR' first"});
    }
    return live_.run(host, batch);
  }
  /// The lab's simulated clock when every host goes to the lab (--lab); the system's otherwise,
  /// since a live host's logs come in real time.
  ops::Clock* clock() override { return all_lab_ && lab_ ? lab_->clock() : nullptr; }

 private:
  std::unique_ptr<ops::Backend> lab_;
  bool all_lab_;
  powershell::PowerShellBackend live_;
};

}  // namespace

std::filesystem::path lab_dir(const std::string& dir) { return std::filesystem::path(dir) / ".supctl" / "lab"; }

std::unique_ptr<ops::Backend> make_default_backend(const std::filesystem::path& dir, bool lab, std::string* error) {
  std::unique_ptr<ops::Backend> lab_backend;
  std::error_code ec;
  if (std::filesystem::exists(lab_dir(dir.string()) / "estate.db", ec)) {
    auto estate = lab::Estate::open(lab_dir(dir.string()), error);
    if (!estate) return nullptr;
    lab_backend = std::make_unique<OwnedLabBackend>(std::move(estate), plugins::lab_operations());
  } else if (lab) {
    *error = fmt::format("there is no lab estate in '{}': run 'supctl lab init {}' first", dir.string(), dir.string());
    return nullptr;
  }
  return std::make_unique<RoutingBackend>(std::move(lab_backend), lab);
}

std::unique_ptr<powershell::Transport> make_transport(const ops::HostTarget& target, std::string* error) {
  if (!target.recorded) {
    *error = fmt::format("the plan holds no host target for '{}', so supctl does not know how to reach it; make the plan again",
                         target.name);
    return nullptr;
  }
  auto transport = target.string("transport");
  std::string_view kind = transport ? *transport : std::string_view("winrm");
  if (kind == "local") return std::make_unique<powershell::LocalTransport>(powershell::LocalSettings{target.name, {}});
  if (kind == "ssh") return ssh_transport(target);
  if (kind == "winrm") return winrm_transport(target, error);
  *error = fmt::format("'{}' has transport = \"{}\", which is not a live transport", target.name, kind);
  return nullptr;
}

}  // namespace supctl::cli
