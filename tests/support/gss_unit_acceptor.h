#pragma once
// An in-process GSS-API acceptor for the client's tests: NTLM through gss-ntlmssp, whose accounts
// come from an NTLM_USER_FILE that NtlmAccounts writes in a temporary directory (no KDC needed).
// It speaks to supctl's client context token by token and unwraps and wraps what it seals, as a
// WinRM service would.

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace supctl::test {

/// A temporary NTLM_USER_FILE (DOMAIN:user:password lines) and an empty Kerberos cache and
/// configuration, set in the environment for the life of the object (Kerberos fails fast, never
/// looks anything up).
class NtlmAccounts {
 public:
  explicit NtlmAccounts(std::string_view lines) {
    std::string pattern = (std::filesystem::temp_directory_path() / "supctl-gss-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot make a temporary directory");
    dir_ = pattern;
    std::ofstream(dir_ / "users") << lines;
    std::ofstream(dir_ / "krb5.conf") << "[libdefaults]\n  default_realm = SUPCTL.TEST\n  dns_lookup_kdc = false\n"
                                         "  dns_lookup_realm = false\n  dns_canonicalize_hostname = false\n"
                                         "  rdns = false\n[realms]\n  SUPCTL.TEST = {\n    kdc = 127.0.0.1:1\n  }\n";
    // KRB5CCNAME names a file that does not exist: no ticket. (An empty file would do too, but MIT
    // krb5 1.20 can free a bad pointer in krb5_cccol_have_content on one; gss.cpp guards that case.)
    save("NTLM_USER_FILE", (dir_ / "users").string());
    save("KRB5_CONFIG", (dir_ / "krb5.conf").string());
    save("KRB5CCNAME", "FILE:" + (dir_ / "ccache").string());
    save("KRB5_CLIENT_KTNAME", "FILE:" + (dir_ / "no-keytab").string());
  }
  ~NtlmAccounts() {
    for (auto& [name, value] : saved_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  NtlmAccounts(const NtlmAccounts&) = delete;
  NtlmAccounts& operator=(const NtlmAccounts&) = delete;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  void save(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    setenv(name.c_str(), value.c_str(), 1);
  }
  std::filesystem::path dir_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

/// The server's side of one security context (default acceptor credentials).
class InProcessAcceptor {
 public:
  InProcessAcceptor() = default;
  ~InProcessAcceptor() {
    OM_uint32 minor = 0;
    if (context_ != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &context_, GSS_C_NO_BUFFER);
  }
  InProcessAcceptor(const InProcessAcceptor&) = delete;
  InProcessAcceptor& operator=(const InProcessAcceptor&) = delete;

  /// One gss_accept_sec_context: false when it failed (the token is refused).
  bool step(std::string_view input, std::string* output) {
    OM_uint32 minor = 0;
    gss_buffer_desc in{input.size(), const_cast<char*>(input.data())};
    gss_buffer_desc out{0, nullptr};
    OM_uint32 flags = 0;
    major_ = gss_accept_sec_context(&minor, &context_, GSS_C_NO_CREDENTIAL, &in, GSS_C_NO_CHANNEL_BINDINGS, nullptr,
                                    nullptr, &out, &flags, nullptr, nullptr);
    output->assign(static_cast<const char*>(out.value ? out.value : ""), out.length);
    gss_release_buffer(&minor, &out);
    if (GSS_ERROR(major_)) return false;
    complete_ = !(major_ & GSS_S_CONTINUE_NEEDED);
    return true;
  }
  bool complete() const { return complete_; }
  OM_uint32 major() const { return major_; }

  /// gss_wrap with confidentiality: the whole token (NTLM: 16-byte signature, then the data).
  std::string wrap(std::string_view plain) {
    OM_uint32 minor = 0;
    gss_buffer_desc in{plain.size(), const_cast<char*>(plain.data())};
    gss_buffer_desc out{0, nullptr};
    int sealed = 0;
    if (GSS_ERROR(gss_wrap(&minor, context_, 1, GSS_C_QOP_DEFAULT, &in, &sealed, &out)) || !sealed) {
      throw std::runtime_error("the test acceptor could not wrap");
    }
    std::string token(static_cast<const char*>(out.value), out.length);
    gss_release_buffer(&minor, &out);
    return token;
  }

  /// gss_unwrap of a whole token; nullopt when it fails its check.
  std::optional<std::string> unwrap(std::string_view token) {
    OM_uint32 minor = 0;
    gss_buffer_desc in{token.size(), const_cast<char*>(token.data())};
    gss_buffer_desc out{0, nullptr};
    int sealed = 0;
    OM_uint32 major = gss_unwrap(&minor, context_, &in, &out, &sealed, nullptr);
    if (GSS_ERROR(major) || !sealed) return std::nullopt;
    std::string plain(static_cast<const char*>(out.value), out.length);
    gss_release_buffer(&minor, &out);
    return plain;
  }

 private:
  gss_ctx_id_t context_ = GSS_C_NO_CONTEXT;
  OM_uint32 major_ = 0;
  bool complete_ = false;
};

}  // namespace supctl::test
