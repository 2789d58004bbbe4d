#include "manifest/validate.h"

#include <fmt/format.h>

#include <algorithm>

#include "graph/graph.h"
#include "manifest/checks.h"
#include "model/formats.h"

namespace supctl::manifest {
namespace {

using model::AttrType;
namespace formats = model::formats;

model::KindSchema make_host_kind() {
  model::AttributeSchema port{.name = "port", .type = AttrType::kInteger, .description = "TCP port", .min = 1, .max = 65535};
  return model::KindSchema{
      .kind = "host",
      .plugin = "engine",
      .description = "How supctl reaches a machine: WinRM, SSH, a local process, or the lab estate.",
      .names_machine = true,
      .name_format = &formats::kFqdn,
      .attributes = {
          {.name = "address", .type = AttrType::kString, .description = "the name or IP address to connect to, when it is not the host's name", .format = &formats::kNonEmpty},
          model::attr::depends_on(),
          {.name = "password", .type = AttrType::kSecret, .description = "the password of 'user'"},
          {.name = "ssh", .type = AttrType::kTable, .description = "OpenSSH settings (transport = \"ssh\")",
           .fields = {{.name = "port", .type = AttrType::kInteger, .description = "TCP port (22 when not written)", .min = 1, .max = 65535},
                      {.name = "user", .type = AttrType::kString, .description = "the remote user", .format = &formats::kNonEmpty},
                      {.name = "identity_file", .type = AttrType::kString, .description = "a private key file", .format = &formats::kNonEmpty},
                      {.name = "known_hosts_file", .type = AttrType::kString, .description = "a known_hosts file to check the host key against", .format = &formats::kNonEmpty}}},
          {.name = "transport", .type = AttrType::kEnum, .description = "how to reach the machine", .required = true,
           .enum_values = {"winrm", "ssh", "local", "lab"}},
          {.name = "user", .type = AttrType::kString, .description = "the account to connect as", .format = &formats::kNonEmpty},
          {.name = "winrm", .type = AttrType::kTable, .description = "WS-Management settings (transport = \"winrm\")",
           .fields = {{.name = "allow_unencrypted", .type = AttrType::kBoolean, .description = "send over plain HTTP in clear instead of sealing every message (labs only; never Basic)"},
                      {.name = "auth", .type = AttrType::kEnum, .description = "authentication", .enum_values = {"basic", "ntlm", "negotiate", "kerberos"}},
                      {.name = "ca_file", .type = AttrType::kString, .description = "CA bundle to validate the server certificate", .format = &formats::kNonEmpty},
                      {.name = "delegate", .type = AttrType::kBoolean,
                       .description = "Kerberos delegation: the server may use supctl's credentials for one more hop (wsusutil postinstall "
                                      "against a remote SQL Server); needs auth = \"kerberos\", or \"negotiate\" with Kerberos"},
                      {.name = "https", .type = AttrType::kBoolean, .description = "use HTTPS (the default); false: plain HTTP with every message sealed by Kerberos or NTLM"},
                      {.name = "operation_timeout", .type = AttrType::kInteger, .description = "seconds a WinRM operation may take", .min = 1, .max = 3600},
                      port}},
      },
  };
}

constexpr diag::RuleInfo kEngineRules[] = {
    {"toml-syntax", "The file is not valid TOML."},
    {"invalid-utf8", "The file is not UTF-8 text."},
    {"no-directory", "The manifest directory does not exist or is not a directory."},
    {"no-manifests", "The directory holds no *.toml manifests."},
    {"unreadable-file", "A manifest file cannot be read."},
    {"file-too-large", "A manifest file is larger than supctl reads."},
    {"too-deep", "Values are nested deeper than any attribute takes."},
    {"unknown-kind", "A table names a resource kind that does not exist."},
    {"unknown-attribute", "An attribute that the resource's kind does not have."},
    {"missing-attribute", "A required attribute is not written."},
    {"wrong-type", "An attribute has the wrong TOML type."},
    {"out-of-range", "A number is outside the range the setting takes."},
    {"invalid-value", "A value is not one the setting takes."},
    {"invalid-name", "A resource's name is not valid for its kind."},
    {"invalid-set", "A set is written as a table without include or exclude."},
    {"set-conflict", "An item is both included and excluded."},
    {"duplicate-item", "An item is listed twice in a set."},
    {"plaintext-secret", "A secret is written in plain text instead of { env } or { file }."},
    {"duplicate-resource", "A resource is defined twice."},
    {"unknown-reference", "A reference names a resource that is not declared."},
    {"wrong-kind-reference", "A reference names a resource of another kind."},
    {"dependency-cycle", "Resources depend on each other in a cycle."},
    {"transport-mismatch", "A host carries settings for a transport it does not use."},
    {"insecure-transport", "A host's WinRM settings would send credentials or messages unprotected."},
    {"delegation", "A host asks for Kerberos delegation with an authentication that cannot delegate."},
    {"winrm-account", "A host's WinRM account is incomplete, or a setting of it would be ignored."},
};

// Rules of the `host` kind that the schema's types alone cannot say.
void check_hosts(const model::Manifest& manifest, diag::Diagnostics& out) {
  for (const model::Resource& host : manifest.of_kind("host")) {
    auto transport = host.string("transport");
    if (!transport) continue;
    for (std::string_view table : {"winrm", "ssh"}) {
      const model::Attribute* settings = host.find(table);
      if (settings && *transport != table) {
        auto& d = out.error("transport-mismatch", fmt::format("'{}' settings on a host whose transport is '{}'", table, *transport));
        d.address = host.address.str();
        d.key_path = d.address + "." + std::string(table);
        d.range = settings->key_range;
        d.detail = "supctl would never use them, and it never ignores a setting silently";
        d.help = fmt::format("remove them, or set transport = \"{}\"", table);
      }
    }
    // Settings a transport has no use for: ssh signs in with keys only (BatchMode); a local
    // process runs as supctl's own account on this machine.
    std::vector<std::string_view> unused;
    if (*transport == "ssh") unused = {"password"};
    if (*transport == "local" || *transport == "lab") unused = {"address", "user", "password"};
    for (std::string_view name : unused) {
      const model::Attribute* attribute = host.find(name);
      if (!attribute) continue;
      auto& d = out.error("transport-mismatch", fmt::format("'{}' on a host whose transport is '{}'", name, *transport));
      d.address = host.address.str();
      d.key_path = d.address + "." + std::string(name);
      d.range = attribute->key_range;
      d.detail = *transport == "ssh" ? "supctl signs in over ssh with keys only (BatchMode), never with a password"
                                     : fmt::format("a {} host needs no connection settings", *transport);
      d.help = *transport == "ssh" ? "remove it, and put the account's public key in its authorized_keys on the server"
                                   : "remove it";
    }
    if (*transport == "winrm") {
      // The account: NTLM and Basic need a user and password; Kerberos takes either both (supctl gets
      // the ticket) or neither (the runner's ticket), never a user alone, which would be ignored.
      const model::Attribute* user = host.find("user");
      const model::Attribute* password = host.find("password");
      const model::Attribute* winrm_settings = host.find("winrm");
      const model::Field* auth_field =
          winrm_settings && winrm_settings->value.is_table() ? winrm_settings->value.field("auth") : nullptr;
      const std::string mode = auth_field && auth_field->value.is_string() ? auth_field->value.as_string() : std::string("negotiate");
      const std::string address = host.address.str();
      if (password && !user) {
        auto& d = out.error("winrm-account", "a password without a user");
        d.address = address;
        d.key_path = address + ".password";
        d.range = password->key_range;
        d.help = "add user = 'DOMAIN\\account' (or account@REALM for Kerberos), or remove the password";
      } else if ((mode == "ntlm" || mode == "basic") && (!user || !password)) {
        auto& d = out.error("winrm-account", fmt::format("{} authentication needs the host's user and password", mode));
        d.address = address;
        d.key_path = address + (user ? ".password" : ".user");
        d.range = auth_field->value.range();
        d.help = "add user = 'DOMAIN\\account' and password = { env = \"VARIABLE\" }, or use auth = \"kerberos\" with the runner's ticket";
      } else if (user && !password) {
        auto& d = out.warning("winrm-account", fmt::format("a user without a password: {} authentication uses the runner's Kerberos ticket, "
                                                           "whoever it belongs to, and ignores the user",
                                                           mode));
        d.address = address;
        d.key_path = address + ".user";
        d.range = user->key_range;
        d.help = "remove user to use the runner's ticket (kinit), or add password = { env = \"VARIABLE\" } for supctl to get one as this user";
      }
    }
    const model::Attribute* winrm = host.find("winrm");
    if (!winrm || !winrm->value.is_table()) continue;
    const model::Field* https = winrm->value.field("https");
    const model::Field* auth = winrm->value.field("auth");
    const model::Field* unencrypted = winrm->value.field("allow_unencrypted");
    bool plain_http = https && https->value.is_boolean() && !https->value.as_boolean();
    std::string address = host.address.str();
    if (plain_http && auth && auth->value.is_string() && auth->value.as_string() == "basic") {
      auto& d = out.error("insecure-transport", "basic authentication over plain HTTP would send the password in clear");
      d.address = address;
      d.key_path = address + ".winrm.auth";
      d.range = auth->value.range();
      d.help = "use https = true (supctl sends Basic credentials only over HTTPS), or auth = \"negotiate\", \"kerberos\" or \"ntlm\", which seal every message";
    }
    const model::Field* delegate = winrm->value.field("delegate");
    bool delegating = delegate && delegate->value.is_boolean() && delegate->value.as_boolean();
    bool kerberos_capable = auth && auth->value.is_string() && (auth->value.as_string() == "negotiate" || auth->value.as_string() == "kerberos");
    if (delegating && auth && auth->value.is_string() && !kerberos_capable) {
      auto& d = out.error("delegation", fmt::format("delegation needs Kerberos, which {} authentication is not", auth->value.as_string()));
      d.address = address;
      d.key_path = address + ".winrm.delegate";
      d.range = delegate->value.range();
      d.help = "use auth = \"kerberos\" (or \"negotiate\" with a Kerberos ticket), or remove delegate";
    }
    const model::Field* ca_file = winrm->value.field("ca_file");
    if (ca_file && plain_http) {
      auto& d = out.warning("insecure-transport", "ca_file has no effect over plain HTTP: there is no certificate to check");
      d.address = address;
      d.key_path = address + ".winrm.ca_file";
      d.range = ca_file->value.range();
      d.help = "remove it, or set https = true to reach the server's HTTPS listener";
    }
    bool allowed = unencrypted && unencrypted->value.is_boolean() && unencrypted->value.as_boolean();
    // Plain HTTP without allow_unencrypted is sealed (MS-WSMV message encryption): nothing to say.
    if (allowed && plain_http) {
      auto& d = out.warning("insecure-transport", "WinRM over plain HTTP without encryption: allow_unencrypted = true turns off message sealing, so scripts and results travel in clear");
      d.address = address;
      d.key_path = address + ".winrm.allow_unencrypted";
      d.range = unencrypted->value.range();
      d.help = "remove it: supctl seals every message over HTTP with Kerberos or NTLM, which WinRM as shipped requires";
    }
    if (allowed && !plain_http) {
      auto& d = out.warning("insecure-transport", "allow_unencrypted has no effect while https is on");
      d.address = address;
      d.key_path = address + ".winrm.allow_unencrypted";
      d.range = unencrypted->value.range();
      d.help = "remove it, or set https = false if you mean plain HTTP";
    }
  }
}

}  // namespace

const model::KindSchema& host_kind() {
  static const model::KindSchema kind = make_host_kind();
  return kind;
}

std::span<const diag::RuleInfo> engine_rules() { return kEngineRules; }

std::vector<diag::RuleInfo> all_rules(std::span<const plugin::Plugin* const> plugins) {
  std::vector<diag::RuleInfo> rules(std::begin(kEngineRules), std::end(kEngineRules));
  for (const plugin::Plugin* plugin : plugins) rules.insert(rules.end(), plugin->rules().begin(), plugin->rules().end());
  return rules;
}

KindTable kind_table(std::span<const plugin::Plugin* const> plugins) {
  std::vector<const model::KindSchema*> kinds{&host_kind()};
  const plugin::KindRegistry registry(plugins);
  kinds.insert(kinds.end(), registry.schemas().begin(), registry.schemas().end());
  return KindTable(std::move(kinds));
}

Validation validate_files(std::vector<ManifestFile> files, std::span<const plugin::Plugin* const> plugins,
                          diag::SourceSet& sources) {
  Validation result;
  result.file_count = files.size();
  KindTable kinds = kind_table(plugins);
  std::vector<model::Resource> resources = load(std::move(files), kinds, sources, result.diagnostics);
  // A file that could not be parsed hides its resources; rules about the whole hierarchy
  // would then report consequences, not causes, so they wait until every file reads.
  bool every_file_read = !result.diagnostics.has_errors() ||
                         std::none_of(result.diagnostics.all().begin(), result.diagnostics.all().end(),
                                      [](const diag::Diagnostic& d) { return d.code == "toml-syntax" || d.code == "invalid-utf8"; });
  check_attributes(resources, kinds, result.diagnostics);
  result.manifest = model::Manifest(std::move(resources));
  if (!every_file_read) {
    result.diagnostics.sort();
    return result;
  }
  check_references(result.manifest, kinds, result.diagnostics);
  check_hosts(result.manifest, result.diagnostics);
  for (const plugin::Plugin* plugin : plugins) plugin->check(result.manifest, result.diagnostics);
  if (!result.diagnostics.has_errors()) {
    // The whole manifest's dependencies, as graph and plan build them: a cycle is an error here too.
    std::vector<model::Address> vertices;
    for (const model::Resource& r : result.manifest.resources()) vertices.push_back(r.address);
    graph::Graph::build(std::move(vertices), graph::manifest_edges(result.manifest, kinds.all(), plugins), result.diagnostics);
  }
  result.diagnostics.sort();
  return result;
}

Validation validate_directory(const std::filesystem::path& dir, std::span<const plugin::Plugin* const> plugins,
                              diag::SourceSet& sources) {
  diag::Diagnostics read_problems;
  std::vector<ManifestFile> files = read_directory(dir, read_problems);
  if (files.empty()) {
    Validation result;
    result.diagnostics = std::move(read_problems);
    return result;
  }
  Validation result = validate_files(std::move(files), plugins, sources);
  result.diagnostics.append(std::move(read_problems));
  result.diagnostics.sort();
  return result;
}

}  // namespace supctl::manifest
