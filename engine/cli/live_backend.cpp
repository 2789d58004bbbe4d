// The live path's transports, made from each host's [host] table: WinRM (the default for a
// machine without one), OpenSSH, or a local PowerShell process.

#include <fmt/format.h>

#include <cstdlib>

#include "backends/powershell/local.h"
#include "backends/powershell/ssh.h"
#include "backends/powershell/winrm.h"
#include "cli/commands.h"
#include "model/attributes.h"
#include "plan/secrets.h"

namespace supctl::cli {
namespace {

using model::Json;

/// A [host] table's inline table (winrm = {...}, ssh = {...}) as JSON; an empty object without one.
Json table_of(const model::Resource* host, std::string_view name) {
  const model::Attribute* attribute = host ? host->find(name) : nullptr;
  Json table = attribute ? model::to_json(attribute->value) : Json::object();
  return table.is_object() ? table : Json::object();
}

std::string string_of(const model::Resource* host, std::string_view name) {
  auto value = host ? host->string(name) : std::nullopt;
  return value ? std::string(*value) : std::string();
}

std::unique_ptr<powershell::Transport> winrm_transport(const ops::HostTarget& target, std::string* error) {
  const model::Resource* host = target.host;
  Json winrm = table_of(host, "winrm");
  powershell::WinRmSettings settings;
  settings.host = string_of(host, "address");
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
  settings.user = string_of(host, "user");
  if (const model::Attribute* password = host ? host->find("password") : nullptr) {
    // Resolved here, at the moment of connecting; it lives only in the transport's settings.
    plan::EnvFileSecrets secrets([](const std::string& name) {
      const char* value = std::getenv(name.c_str());
      return value ? std::optional<std::string>(value) : std::nullopt;
    });
    std::string why;
    auto secret = secrets.resolve(model::to_json(password->value), &why);
    if (!secret) {
      *error = fmt::format("cannot connect to '{}' over winrm: the password of host[\"{}\"]: {}", target.name, target.name, why);
      return nullptr;
    }
    settings.password = std::move(*secret);
  }
  return std::make_unique<powershell::WinRmTransport>(std::move(settings));
}

std::unique_ptr<powershell::Transport> ssh_transport(const ops::HostTarget& target) {
  const model::Resource* host = target.host;
  Json ssh = table_of(host, "ssh");
  powershell::SshSettings settings;
  settings.host = target.name;
  settings.address = string_of(host, "address");
  if (ssh.contains("port") && ssh["port"].is_number_integer()) settings.port = ssh["port"].get<int>();
  settings.user = ssh.value("user", string_of(host, "user"));
  settings.identity_file = ssh.value("identity_file", std::string());
  settings.known_hosts_file = ssh.value("known_hosts_file", std::string());
  return std::make_unique<powershell::SshTransport>(std::move(settings));
}

}  // namespace

std::unique_ptr<powershell::Transport> make_transport(const ops::HostTarget& target, std::string* error) {
  auto transport = target.host ? target.host->string("transport") : std::nullopt;
  std::string_view kind = transport ? *transport : std::string_view("winrm");
  if (kind == "local") return std::make_unique<powershell::LocalTransport>(powershell::LocalSettings{target.name, {}});
  if (kind == "ssh") return ssh_transport(target);
  if (kind == "winrm") return winrm_transport(target, error);
  *error = fmt::format("'{}' has transport = \"{}\", which is not a live transport", target.name, kind);
  return nullptr;
}

}  // namespace supctl::cli
