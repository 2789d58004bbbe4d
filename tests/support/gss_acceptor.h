#pragma once
/// The server side of one GSS-API security context for the tests' WinRM responder: accepts the
/// tokens of `Authorization: Negotiate` (SPNEGO, raw NTLMSSP or raw Kerberos), then seals and
/// unseals message bodies as MS-WSMV 2.2.9.1 wants for NTLM and for Kerberos.
//
// Written against MIT Kerberos' GSS-API and gss-ntlmssp, independent of supctl's client. The
// acceptor uses the process's default acceptor credentials: KRB5_KTNAME for Kerberos and
// NTLM_USER_FILE for NTLM (see tests/support/kdc.h and tests/support/ntlm_users.h).

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace supctl::test {

/// "major: ...; minor: ..." in GSS-API's words, for the error of a failed call.
inline std::string gss_error(OM_uint32 major, OM_uint32 minor, gss_OID mech = GSS_C_NO_OID) {
  std::string out;
  auto append = [&](OM_uint32 code, int type, gss_OID oid) {
    OM_uint32 context = 0, ignored = 0;
    do {
      gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
      if (gss_display_status(&ignored, code, type, oid, &context, &text) != GSS_S_COMPLETE) break;
      if (!out.empty()) out += "; ";
      out.append(static_cast<const char*>(text.value), text.length);
      gss_release_buffer(&ignored, &text);
    } while (context != 0);
  };
  append(major, GSS_C_GSS_CODE, GSS_C_NO_OID);
  if (minor != 0) append(minor, GSS_C_MECH_CODE, mech);
  return out;
}

class GssAcceptor {
 public:
  /// What one accept step gave.
  struct Step {
    bool complete = false;  ///< the context is established (token may still hold a last token for the client)
    std::string token;      ///< for the client's next step, or the mutual-authentication token; may be empty
    std::string error;      ///< non-empty: the token was refused, the context is dead
  };

  /// The MS-WSMV halves of a sealed message: what goes after the 4-byte length, and what follows it.
  struct Sealed {
    std::string signature;  ///< NTLM: the 16-byte signature; Kerberos: gss_wrap_iov's HEADER
    std::string data;       ///< the sealed bytes (Kerberos: DATA then PADDING)
  };

  GssAcceptor() = default;
  ~GssAcceptor() { reset(); }
  GssAcceptor(const GssAcceptor&) = delete;
  GssAcceptor& operator=(const GssAcceptor&) = delete;

  /// Feeds the client's token (decoded from base64) to gss_accept_sec_context; with `bindings`
  /// (the application data of channel bindings, over TLS) a token bound to other ones is refused.
  Step accept(std::string_view token, std::string_view bindings = {}) {
    if (complete_) reset();  // a new handshake on the same connection starts a new context
    OM_uint32 minor = 0;
    gss_buffer_desc input{token.size(), const_cast<char*>(token.data())};
    gss_buffer_desc output = GSS_C_EMPTY_BUFFER;
    gss_name_t source = GSS_C_NO_NAME;
    gss_OID mech = GSS_C_NO_OID;
    OM_uint32 flags = 0;
    gss_cred_id_t delegated = GSS_C_NO_CREDENTIAL;
    gss_channel_bindings_struct channel{};
    channel.application_data = {bindings.size(), const_cast<char*>(bindings.data())};
    OM_uint32 major = gss_accept_sec_context(&minor, &context_, GSS_C_NO_CREDENTIAL, &input,
                                             bindings.empty() ? GSS_C_NO_CHANNEL_BINDINGS : &channel, &source, &mech,
                                             &output, &flags, nullptr, &delegated);
    Step step;
    step.token.assign(static_cast<const char*>(output.value), output.length);
    OM_uint32 ignored = 0;
    gss_release_buffer(&ignored, &output);
    if (GSS_ERROR(major)) {
      step.error = gss_error(major, minor, mech);
      if (source != GSS_C_NO_NAME) gss_release_name(&ignored, &source);
      if (delegated != GSS_C_NO_CREDENTIAL) gss_release_cred(&ignored, &delegated);
      reset();
      return step;
    }
    if (major & GSS_S_CONTINUE_NEEDED) return step;
    step.complete = complete_ = true;
    flags_ = flags;
    mechanism_ = name_of(mech);
    if (source != GSS_C_NO_NAME) {
      gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
      if (gss_display_name(&ignored, source, &text, nullptr) == GSS_S_COMPLETE) {
        principal_.assign(static_cast<const char*>(text.value), text.length);
        gss_release_buffer(&ignored, &text);
        // gss-ntlmssp counts the name's terminating NUL in its length ("DOMAIN\user\0"); Kerberos does not.
        while (!principal_.empty() && principal_.back() == '\0') principal_.pop_back();
      }
      gss_release_name(&ignored, &source);
    }
    delegated_credential_ = delegated != GSS_C_NO_CREDENTIAL;
    if (delegated != GSS_C_NO_CREDENTIAL) gss_release_cred(&ignored, &delegated);
    return step;
  }

  bool complete() const { return complete_; }
  const std::string& mechanism() const { return mechanism_; }  ///< "kerberos", "ntlm", or the OID in dotted form
  const std::string& principal() const { return principal_; }  ///< the authenticated client, as gss_display_name shows it
  /// The client asked for delegation (GSS_C_DELEG_FLAG in the context's flags).
  bool delegation_flag() const { return (flags_ & GSS_C_DELEG_FLAG) != 0; }
  bool delegated_credential() const { return delegated_credential_; }  ///< a delegated credential arrived
  bool confidentiality() const { return (flags_ & GSS_C_CONF_FLAG) != 0; }
  /// The client's token carried channel bindings, and they matched (GSS_C_CHANNEL_BOUND_FLAG).
  bool channel_bound() const { return (flags_ & GSS_C_CHANNEL_BOUND_FLAG) != 0; }

  /// The plain message of a sealed one; nullopt with `*error` when the seal does not verify.
  std::optional<std::string> unseal(const Sealed& sealed, std::string* error) {
    OM_uint32 minor = 0, ignored = 0;
    int confidential = 0;
    if (mechanism_ == "kerberos") {
      std::string header = sealed.signature, data = sealed.data;  // unwrapped in place
      gss_iov_buffer_desc iov[2];
      iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
      iov[0].buffer = {header.size(), header.data()};
      iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
      iov[1].buffer = {data.size(), data.data()};
      OM_uint32 major = gss_unwrap_iov(&minor, context_, &confidential, nullptr, iov, 2);
      if (GSS_ERROR(major)) {
        *error = "gss_unwrap_iov: " + gss_error(major, minor);
        return std::nullopt;
      }
      if (!confidential) {
        *error = "the message was signed but not sealed";
        return std::nullopt;
      }
      return std::string(static_cast<const char*>(iov[1].buffer.value), iov[1].buffer.length);
    }
    // NTLM (gss-ntlmssp): gss_wrap's token is the 16-byte signature followed by the sealed bytes.
    std::string token = sealed.signature + sealed.data;
    gss_buffer_desc input{token.size(), token.data()};
    gss_buffer_desc output = GSS_C_EMPTY_BUFFER;
    OM_uint32 major = gss_unwrap(&minor, context_, &input, &output, &confidential, nullptr);
    if (GSS_ERROR(major)) {
      *error = "gss_unwrap: " + gss_error(major, minor);
      return std::nullopt;
    }
    std::string plain(static_cast<const char*>(output.value), output.length);
    gss_release_buffer(&ignored, &output);
    if (!confidential) {
      *error = "the message was signed but not sealed";
      return std::nullopt;
    }
    return plain;
  }

  /// Seals a message for the client; nullopt with `*error` when GSS-API refuses.
  std::optional<Sealed> seal(std::string_view plain, std::string* error) {
    OM_uint32 minor = 0, ignored = 0;
    int confidential = 0;
    if (mechanism_ == "kerberos") {
      std::string data(plain);
      gss_iov_buffer_desc iov[3];
      iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE;
      iov[0].buffer = GSS_C_EMPTY_BUFFER;
      iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
      iov[1].buffer = {data.size(), data.data()};
      iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE;
      iov[2].buffer = GSS_C_EMPTY_BUFFER;
      OM_uint32 major = gss_wrap_iov(&minor, context_, 1, GSS_C_QOP_DEFAULT, &confidential, iov, 3);
      if (GSS_ERROR(major)) {
        *error = "gss_wrap_iov: " + gss_error(major, minor);
        gss_release_iov_buffer(&ignored, iov, 3);
        return std::nullopt;
      }
      Sealed sealed;
      sealed.signature.assign(static_cast<const char*>(iov[0].buffer.value), iov[0].buffer.length);
      sealed.data = data;
      sealed.data.append(static_cast<const char*>(iov[2].buffer.value), iov[2].buffer.length);
      gss_release_iov_buffer(&ignored, iov, 3);
      return sealed;
    }
    gss_buffer_desc input{plain.size(), const_cast<char*>(plain.data())};
    gss_buffer_desc output = GSS_C_EMPTY_BUFFER;
    OM_uint32 major = gss_wrap(&minor, context_, 1, GSS_C_QOP_DEFAULT, &input, &confidential, &output);
    if (GSS_ERROR(major) || output.length < kNtlmSignature) {
      *error = "gss_wrap: " + gss_error(major, minor);
      gss_release_buffer(&ignored, &output);
      return std::nullopt;
    }
    std::string_view token(static_cast<const char*>(output.value), output.length);
    Sealed sealed{std::string(token.substr(0, kNtlmSignature)), std::string(token.substr(kNtlmSignature))};
    gss_release_buffer(&ignored, &output);
    return sealed;
  }

  static constexpr std::size_t kNtlmSignature = 16;

  /// Forgets the context: the next token starts a new handshake.
  void reset() {
    OM_uint32 ignored = 0;
    if (context_ != GSS_C_NO_CONTEXT) gss_delete_sec_context(&ignored, &context_, GSS_C_NO_BUFFER);
    context_ = GSS_C_NO_CONTEXT;
    complete_ = false;
    flags_ = 0;
    mechanism_.clear();
    principal_.clear();
    delegated_credential_ = false;
  }

 private:
  static std::string name_of(gss_OID mech) {
    static const gss_OID_desc kKerberos{9, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02")};
    static const gss_OID_desc kNtlm{10, const_cast<char*>("\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a")};
    auto same = [&](const gss_OID_desc& known) {
      return mech != GSS_C_NO_OID && mech->length == known.length && std::memcmp(mech->elements, known.elements, known.length) == 0;
    };
    if (same(kKerberos)) return "kerberos";
    if (same(kNtlm)) return "ntlm";
    if (mech == GSS_C_NO_OID) return "";
    OM_uint32 ignored = 0;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    std::string out = "unknown mechanism";
    if (gss_oid_to_str(&ignored, mech, &text) == GSS_S_COMPLETE) {
      out.assign(static_cast<const char*>(text.value), text.length);
      gss_release_buffer(&ignored, &text);
    }
    return out;
  }


  gss_ctx_id_t context_ = GSS_C_NO_CONTEXT;
  bool complete_ = false;
  OM_uint32 flags_ = 0;       ///< the established context's ret_flags; 0 until complete
  std::string mechanism_;     ///< "" until complete
  std::string principal_;     ///< "" until complete
  bool delegated_credential_ = false;
};

}  // namespace supctl::test
