#pragma once
/// NTLM accounts for the tests, through gss-ntlmssp: a private user file that NTLM_USER_FILE names.

#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <string_view>

#include "support/scoped_environment.h"
#include "support/skip.h"

namespace supctl::test {

/// Where Debian's gss-ntlmssp registers itself with MIT GSS-API, and its module.
inline constexpr const char* kNtlmMechanismConfig = "/etc/gss/mech.d/mech.ntlmssp.conf";
inline constexpr const char* kNtlmMechanismModule = "/usr/lib/x86_64-linux-gnu/gssntlmssp/gssntlmssp.so";

/// A random password of letters and digits, for an account that lives as long as a test.
inline std::string random_password(std::size_t length = 20) {
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, sizeof kAlphabet - 2);
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out += kAlphabet[pick(device)];
  return out;
}

/// gss-ntlmssp's user file (`DOMAIN:user:password` a line) in a private directory, removed at the
/// end. The acceptor checks NTLM answers against it; a client may use it for its own credentials.
class NtlmUsers {
 public:
  /// Whether gss-ntlmssp is installed and registered (scripts/setup installs it).
  static bool available() {
    return std::filesystem::exists(kNtlmMechanismModule) &&
           (std::filesystem::exists(kNtlmMechanismConfig) || std::filesystem::exists("/etc/gss/mech.d/ntlmssp.conf"));
  }

  NtlmUsers() {
    std::string pattern = (std::filesystem::temp_directory_path() / "supctl-ntlm-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    std::ofstream(file(), std::ios::trunc);
    std::filesystem::permissions(file(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  ~NtlmUsers() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  NtlmUsers(const NtlmUsers&) = delete;
  NtlmUsers& operator=(const NtlmUsers&) = delete;

  /// Adds an account; `domain` may be empty (the file's "user with no domain" form).
  void add(const std::string& domain, const std::string& user, const std::string& password) {
    std::ofstream(file(), std::ios::app) << domain << ':' << user << ':' << password << '\n';
  }

  std::filesystem::path file() const { return dir_ / "users"; }
  const std::filesystem::path& dir() const { return dir_; }

  /// What the acceptor (and a gss-ntlmssp client) needs in its environment.
  std::map<std::string, std::string> environment() const { return {{"NTLM_USER_FILE", file().string()}}; }

 private:
  std::filesystem::path dir_;
};

/// NTLM accounts with Kerberos out of the way, for the client's in-process tests: an NtlmUsers
/// file holding `lines` (DOMAIN:user:password a line) and a Kerberos configuration whose KDC is a
/// closed port, with no ticket and no keytab, set in the environment for the object's life
/// (Kerberos fails fast and never looks anything up).
class NtlmAccounts {
 public:
  explicit NtlmAccounts(std::string_view lines) : environment_(prepare(users_, lines)) {}

  const std::filesystem::path& dir() const { return users_.dir(); }

 private:
  static std::map<std::string, std::string> prepare(const NtlmUsers& users, std::string_view lines) {
    std::ofstream(users.file(), std::ios::app) << lines;
    const std::filesystem::path dir = users.dir();
    std::ofstream(dir / "krb5.conf") << "[libdefaults]\n  default_realm = SUPCTL.TEST\n  dns_lookup_kdc = false\n"
                                        "  dns_lookup_realm = false\n  dns_canonicalize_hostname = false\n"
                                        "  rdns = false\n[realms]\n  SUPCTL.TEST = {\n    kdc = 127.0.0.1:1\n  }\n";
    // KRB5CCNAME names a file that does not exist: no ticket. (An empty file would do too, but MIT
    // krb5 1.20 can free a bad pointer in krb5_cccol_have_content on one; gss.cpp guards that case.)
    std::map<std::string, std::string> variables = users.environment();
    variables["KRB5_CONFIG"] = (dir / "krb5.conf").string();
    variables["KRB5CCNAME"] = "FILE:" + (dir / "ccache").string();
    variables["KRB5_CLIENT_KTNAME"] = "FILE:" + (dir / "no-keytab").string();
    return variables;
  }

  NtlmUsers users_;
  ScopedEnvironment environment_;
};

}  // namespace supctl::test
