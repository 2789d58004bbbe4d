#include "backends/powershell/gss.h"

#include <fmt/format.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>
#include <openssl/crypto.h>

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

namespace supctl::powershell::gss {
namespace {

// Mechanism OIDs, DER contents without tag and length.
constexpr char kSpnegoOid[] = "\x2b\x06\x01\x05\x05\x02";                // 1.3.6.1.5.5.2
constexpr char kKerberosOid[] = "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02";  // 1.2.840.113554.1.2.2
constexpr char kNtlmOid[] = "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a";  // 1.3.6.1.4.1.311.2.2.10

gss_OID_desc spnego_oid{sizeof kSpnegoOid - 1, const_cast<char*>(kSpnegoOid)};
gss_OID_desc kerberos_oid{sizeof kKerberosOid - 1, const_cast<char*>(kKerberosOid)};
gss_OID_desc ntlm_oid{sizeof kNtlmOid - 1, const_cast<char*>(kNtlmOid)};

gss_OID oid_of(Mechanism mechanism) {
  switch (mechanism) {
    case Mechanism::kNegotiate:
      return &spnego_oid;
    case Mechanism::kKerberos:
      return &kerberos_oid;
    case Mechanism::kNtlm:
      return &ntlm_oid;
  }
  return &spnego_oid;
}

bool same_oid(gss_const_OID a, const gss_OID_desc& b) {
  return a && a->length == b.length && std::memcmp(a->elements, b.elements, b.length) == 0;
}

/// A gss_buffer_desc that GSS-API allocated, released once.
struct OwnedBuffer {
  gss_buffer_desc buffer{0, nullptr};
  OwnedBuffer() = default;
  OwnedBuffer(const OwnedBuffer&) = delete;
  OwnedBuffer& operator=(const OwnedBuffer&) = delete;
  ~OwnedBuffer() {
    OM_uint32 minor = 0;
    if (buffer.value) gss_release_buffer(&minor, &buffer);
  }
  std::string_view view() const { return {static_cast<const char*>(buffer.value), buffer.length}; }
};

/// A gss_name_t, released once.
struct OwnedName {
  gss_name_t name = GSS_C_NO_NAME;
  OwnedName() = default;
  OwnedName(const OwnedName&) = delete;
  OwnedName& operator=(const OwnedName&) = delete;
  ~OwnedName() {
    OM_uint32 minor = 0;
    if (name != GSS_C_NO_NAME) gss_release_name(&minor, &name);
  }
};

gss_buffer_desc borrow(std::string_view bytes) {
  return gss_buffer_desc{bytes.size(), const_cast<char*>(bytes.data())};
}

/// Every text of one status (gss_display_status loops over a status that holds several), joined.
std::string status_text(OM_uint32 code, int type, gss_OID mechanism) {
  std::string text;
  OM_uint32 context = 0;
  do {
    OM_uint32 minor = 0;
    OwnedBuffer part;
    OM_uint32 major = gss_display_status(&minor, code, type, mechanism, &context, &part.buffer);
    if (GSS_ERROR(major)) break;
    if (part.buffer.length == 0) continue;
    if (!text.empty()) text += "; ";
    text += part.view();
  } while (context != 0);
  return text;
}

/// The runner's credential cache when it is a FILE cache that exists and is empty; nullopt
/// otherwise. MIT krb5 1.20 can free a bad pointer (krb5_cccol_have_content) when it looks for
/// credentials in such a cache, so supctl says "no ticket" before GSS-API looks. A client keytab
/// (KRB5_CLIENT_KTNAME) would fill the cache, so the check is off with one.
std::optional<std::string> empty_file_cache() {
  if (std::getenv("KRB5_CLIENT_KTNAME")) return std::nullopt;
  const char* name = std::getenv("KRB5CCNAME");
  std::string path = name ? name : "/tmp/krb5cc_" + std::to_string(getuid());
  if (path.starts_with("FILE:")) path = path.substr(5);
  if (path.find(':') != std::string::npos) return std::nullopt;  // another cache type (DIR:, KEYRING:, ...)
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error) || std::filesystem::file_size(path, error) != 0 || error) {
    return std::nullopt;
  }
  return path;
}

}  // namespace

std::string_view mechanism_name(Mechanism mechanism) {
  switch (mechanism) {
    case Mechanism::kNegotiate:
      return "negotiate";
    case Mechanism::kKerberos:
      return "kerberos";
    case Mechanism::kNtlm:
      return "ntlm";
  }
  return "negotiate";
}

Failure describe_status(std::uint32_t major, std::uint32_t minor, Mechanism mechanism, std::string_view what,
                        std::string_view target) {
  // The texts GSS-API gives, for the end of the message: the routine error, then the mechanism's.
  gss_OID oid = mechanism == Mechanism::kNtlm ? &ntlm_oid : &kerberos_oid;
  std::string details =
      status_text(GSS_ROUTINE_ERROR(major) ? GSS_ROUTINE_ERROR(major) : major, GSS_C_GSS_CODE, GSS_C_NO_OID);
  if (minor != 0) {
    std::string mech_text = status_text(minor, GSS_C_MECH_CODE, oid);
    if (!mech_text.empty() && mech_text != details) details += details.empty() ? mech_text : ": " + mech_text;
  }
  auto message = [&](std::string_view cause) {
    return fmt::format("{}: {} (GSS-API: {})", what, cause, details.empty() ? "no details" : details);
  };
  auto code = static_cast<krb5_error_code>(static_cast<std::int32_t>(minor));
  Failure failure;
  switch (code) {
    case KRB5_FCC_NOFILE:
    case KRB5_CC_NOTFOUND:
    case KRB5_CC_END:
    case KRB5_CC_FORMAT:
    case KRB5_CC_NOSUPP:
      failure.kind = FailureKind::kNoTicket;
      failure.message = message(
          "no Kerberos ticket: run kinit as the account supctl runs as (or point KRB5_CLIENT_KTNAME at a "
          "keytab), or give the host a user and password");
      return failure;
    case KRB5KRB_AP_ERR_TKT_EXPIRED:
      failure.kind = FailureKind::kExpiredTicket;
      failure.message = message("the Kerberos ticket has expired: run kinit again (klist shows when it ends)");
      return failure;
    case KRB5KRB_AP_ERR_SKEW:
      failure.kind = FailureKind::kClockSkew;
      failure.message = message(
          "clock skew too great: the clocks of this machine and the domain differ by more than 5 minutes; "
          "synchronise them (NTP with the domain controllers)");
      return failure;
    case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN:
      failure.kind = FailureKind::kUnknownServer;
      failure.message = message(
          fmt::format("server not found in Kerberos database: the KDC knows no SPN HTTP/{}; use the name the server's "
                      "computer account is registered under (setspn -L <computer>), or add the SPN",
                      target));
      return failure;
    case KRB5KDC_ERR_PREAUTH_FAILED:
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
    case KRB5KDC_ERR_KEY_EXP:
      failure.kind = FailureKind::kLogonFailure;
      failure.message =
          message(code == KRB5KDC_ERR_KEY_EXP
                      ? "logon failure: the account's password has expired; change it, then update the host's password"
                      : "logon failure: the user name or password is incorrect");
      return failure;
    case KRB5_REALM_UNKNOWN:
    case KRB5_REALM_CANT_RESOLVE:
    case KRB5_KDC_UNREACH:
    case KRB5_CONFIG_NODEFREALM:
      failure.kind = FailureKind::kNoKdc;
      failure.message = message(
          "cannot reach a Kerberos KDC for the realm: check default_realm and the realm's kdc in krb5.conf (or "
          "DNS SRV records _kerberos._tcp); a host's user for Kerberos is written user@REALM");
      return failure;
    default:
      break;
  }
  switch (GSS_ROUTINE_ERROR(major)) {
    case GSS_S_BAD_MECH:
    case GSS_S_BAD_MECH_ATTR:
      failure.kind = FailureKind::kNoMechanism;
      failure.message = message(
          fmt::format("the {} mechanism is not available on this machine{}", mechanism_name(mechanism),
                      mechanism == Mechanism::kNtlm ? " (install gss-ntlmssp)" : " (install libgssapi-krb5-2)"));
      return failure;
    case GSS_S_NO_CRED:
      failure.kind = mechanism == Mechanism::kNtlm ? FailureKind::kLogonFailure : FailureKind::kNoTicket;
      failure.message = message(mechanism == Mechanism::kNtlm
                                    ? "no NTLM credentials: give the host a user and password"
                                    : "no Kerberos ticket: run kinit as the account supctl runs as (or point "
                                      "KRB5_CLIENT_KTNAME at a keytab), or give the host a user and password");
      return failure;
    case GSS_S_CREDENTIALS_EXPIRED:
      failure.kind = FailureKind::kExpiredTicket;
      failure.message = message("the Kerberos ticket has expired: run kinit again (klist shows when it ends)");
      return failure;
    case GSS_S_BAD_SIG:
    case GSS_S_DEFECTIVE_TOKEN:
      failure.kind = FailureKind::kTampered;
      failure.message = message("a sealed message failed its integrity check: it was modified, replayed or cut");
      return failure;
    default:
      break;
  }
  if (GSS_SUPPLEMENTARY_INFO(major) & (GSS_S_DUPLICATE_TOKEN | GSS_S_OLD_TOKEN | GSS_S_UNSEQ_TOKEN | GSS_S_GAP_TOKEN)) {
    failure.kind = FailureKind::kTampered;
    failure.message =
        message("a sealed message arrived twice or out of order: it was replayed or a message is missing");
    return failure;
  }
  failure.kind = FailureKind::kOther;
  failure.message = message("the security context failed");
  return failure;
}

struct ClientContext::Handles {
  gss_cred_id_t credentials = GSS_C_NO_CREDENTIAL;
  gss_name_t target = GSS_C_NO_NAME;
  gss_ctx_id_t context = GSS_C_NO_CONTEXT;
  ~Handles() {
    OM_uint32 minor = 0;
    if (context != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &context, GSS_C_NO_BUFFER);
    if (target != GSS_C_NO_NAME) gss_release_name(&minor, &target);
    if (credentials != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &credentials);
  }
};

ClientContext::ClientContext(const ClientSettings& settings)
    : handles_(std::make_unique<Handles>()),
      asked_(settings.mechanism),
      negotiated_(settings.mechanism),
      host_(settings.host),
      delegate_(settings.delegate),
      channel_bindings_(settings.channel_bindings),
      sealing_(settings.sealing) {}

ClientContext::~ClientContext() = default;

std::unique_ptr<ClientContext> ClientContext::create(const ClientSettings& settings, Failure* failure) {
  std::unique_ptr<ClientContext> client(new ClientContext(settings));
  OM_uint32 minor = 0;
  std::string service = "HTTP@" + settings.host;
  gss_buffer_desc service_buffer = borrow(service);
  OM_uint32 major = gss_import_name(&minor, &service_buffer, GSS_C_NT_HOSTBASED_SERVICE, &client->handles_->target);
  if (GSS_ERROR(major)) {
    *failure = describe_status(major, minor, settings.mechanism,
                               fmt::format("cannot name the service HTTP@{}", settings.host), settings.host);
    return nullptr;
  }
  if (settings.password.empty() && settings.mechanism != Mechanism::kNtlm) {
    if (auto cache = empty_file_cache()) {
      failure->kind = FailureKind::kNoTicket;
      failure->message = fmt::format(
          "{} authentication to HTTP/{} failed: no Kerberos ticket: the credential cache '{}' is empty; run kinit "
          "as the account supctl runs as (or point KRB5_CLIENT_KTNAME at a keytab), or give the host a user and "
          "password",
          mechanism_name(settings.mechanism), settings.host, *cache);
      return nullptr;
    }
  }
  if (!settings.password.empty()) {
    OwnedName user;
    gss_buffer_desc user_buffer = borrow(settings.user);
    major = gss_import_name(&minor, &user_buffer, GSS_C_NT_USER_NAME, &user.name);
    if (GSS_ERROR(major)) {
      *failure = describe_status(major, minor, settings.mechanism,
                                 fmt::format("cannot use the user name '{}'", settings.user), settings.host);
      return nullptr;
    }
    gss_OID_set_desc mechanisms{1, oid_of(settings.mechanism)};
    // The password is borrowed, not copied: the caller owns it (and wipes it when done).
    gss_buffer_desc password = borrow(settings.password);
    major = gss_acquire_cred_with_password(&minor, user.name, &password, GSS_C_INDEFINITE, &mechanisms, GSS_C_INITIATE,
                                           &client->handles_->credentials, nullptr, nullptr);
    if (GSS_ERROR(major)) {
      *failure = describe_status(
          major, minor, settings.mechanism,
          fmt::format("cannot get {} credentials for '{}'", mechanism_name(settings.mechanism), settings.user),
          settings.host);
      return nullptr;
    }
  }
  return client;
}

bool ClientContext::step(std::string_view input, std::string* output, Failure* failure) {
  output->clear();
  OM_uint32 minor = 0;
  OM_uint32 flags = GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_REPLAY_FLAG;
  if (delegate_ && asked_ != Mechanism::kNtlm) flags |= GSS_C_DELEG_FLAG;
  gss_buffer_desc in = borrow(input);
  OwnedBuffer out;
  gss_OID actual = GSS_C_NO_OID;
  OM_uint32 returned = 0;
  // Channel bindings carry no addresses (as Windows sends them), only the application data.
  gss_channel_bindings_struct bindings{};
  bindings.application_data = borrow(channel_bindings_);
  OM_uint32 major = gss_init_sec_context(
      &minor, handles_->credentials, &handles_->context, handles_->target, oid_of(asked_), flags, GSS_C_INDEFINITE,
      channel_bindings_.empty() ? GSS_C_NO_CHANNEL_BINDINGS : &bindings, input.empty() ? GSS_C_NO_BUFFER : &in,
      &actual, &out.buffer, &returned, nullptr);
  if (GSS_ERROR(major)) {
    *failure =
        describe_status(major, minor, negotiated_,
                        fmt::format("{} authentication to HTTP/{} failed", mechanism_name(asked_), host_), host_);
    return false;
  }
  flags_ = returned;
  output->assign(out.view());
  if (same_oid(actual, ntlm_oid)) negotiated_ = Mechanism::kNtlm;
  if (same_oid(actual, kerberos_oid)) negotiated_ = Mechanism::kKerberos;
  if (major & GSS_S_CONTINUE_NEEDED) return true;
  complete_ = true;
  // The context holds its own keys now: the credential (which may hold the password) goes at once.
  if (handles_->credentials != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &handles_->credentials);
  if (sealing_ && (returned & (GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG)) != (GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG)) {
    failure->kind = FailureKind::kNoMechanism;
    failure->message = fmt::format(
        "{} authentication to HTTP/{} succeeded but cannot encrypt messages (no confidentiality from {}): use "
        "https = true",
        mechanism_name(asked_), host_, mechanism_name(negotiated_));
    complete_ = false;
    return false;
  }
  return true;
}

bool ClientContext::delegated() const {
  // gss-ntlmssp echoes the delegation flag it was asked for, but NTLM has no way to delegate.
  return negotiated_ != Mechanism::kNtlm && (flags_ & GSS_C_DELEG_FLAG) != 0;
}

bool ClientContext::wrap(std::string_view plain, Sealed* out, Failure* failure) {
  OM_uint32 minor = 0;
  int sealed = 0;
  if (negotiated_ == Mechanism::kNtlm) {
    // gss-ntlmssp has no IOV wrap; its token is the 16-byte signature, then the sealed bytes.
    gss_buffer_desc in = borrow(plain);
    OwnedBuffer token;
    OM_uint32 major = gss_wrap(&minor, handles_->context, 1, GSS_C_QOP_DEFAULT, &in, &sealed, &token.buffer);
    if (GSS_ERROR(major)) {
      *failure = describe_status(major, minor, negotiated_, "cannot seal a message", host_);
      return false;
    }
    constexpr std::size_t kSignature = 16;
    if (!sealed || token.buffer.length != plain.size() + kSignature) {
      failure->kind = FailureKind::kOther;
      failure->message = "cannot seal a message: the NTLM context did not encrypt it";
      return false;
    }
    out->signature.assign(token.view().substr(0, kSignature));
    out->data.assign(token.view().substr(kSignature));
    out->padding = 0;
    return true;
  }
  // Kerberos (RFC 4121): the header apart, the data encrypted in place, padding (RC4 only) after it.
  std::string data(plain);
  std::array<gss_iov_buffer_desc, 3> iov{};
  iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE;
  iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
  iov[1].buffer = borrow(data);
  iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE;
  OM_uint32 major =
      gss_wrap_iov(&minor, handles_->context, 1, GSS_C_QOP_DEFAULT, &sealed, iov.data(), static_cast<int>(iov.size()));
  if (GSS_ERROR(major)) {
    *failure = describe_status(major, minor, negotiated_, "cannot seal a message", host_);
    gss_release_iov_buffer(&minor, iov.data(), static_cast<int>(iov.size()));
    return false;
  }
  out->signature.assign(static_cast<const char*>(iov[0].buffer.value), iov[0].buffer.length);
  out->data = std::move(data);
  out->data.append(static_cast<const char*>(iov[2].buffer.value), iov[2].buffer.length);
  out->padding = iov[2].buffer.length;
  gss_release_iov_buffer(&minor, iov.data(), static_cast<int>(iov.size()));
  if (!sealed) {
    failure->kind = FailureKind::kOther;
    failure->message = "cannot seal a message: the Kerberos context did not encrypt it";
    return false;
  }
  return true;
}

bool ClientContext::unwrap(std::string_view signature, std::string_view data, std::string* plain, Failure* failure) {
  OM_uint32 minor = 0;
  int sealed = 0;
  OM_uint32 major = 0;
  if (negotiated_ == Mechanism::kNtlm) {
    std::string token;
    token.reserve(signature.size() + data.size());
    token.append(signature).append(data);
    gss_buffer_desc in = borrow(token);
    OwnedBuffer opened;
    major = gss_unwrap(&minor, handles_->context, &in, &opened.buffer, &sealed, nullptr);
    if (!GSS_ERROR(major)) plain->assign(opened.view());
  } else {
    std::string header(signature);
    std::string bytes(data);
    std::array<gss_iov_buffer_desc, 2> iov{};
    iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
    iov[0].buffer = borrow(header);
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[1].buffer = borrow(bytes);
    major = gss_unwrap_iov(&minor, handles_->context, &sealed, nullptr, iov.data(), static_cast<int>(iov.size()));
    if (!GSS_ERROR(major)) plain->assign(static_cast<const char*>(iov[1].buffer.value), iov[1].buffer.length);
    OPENSSL_cleanse(bytes.data(), bytes.size());  // opened in place: the scripts' parameters may hold secrets
  }
  if (GSS_ERROR(major) || GSS_SUPPLEMENTARY_INFO(major) != 0) {
    *failure = describe_status(major, minor, negotiated_, "cannot open a sealed message", host_);
    failure->kind = FailureKind::kTampered;  // whatever the cause, the message cannot be trusted
    return false;
  }
  if (!sealed) {
    failure->kind = FailureKind::kTampered;
    failure->message = "a message arrived signed but not encrypted, where supctl asked for sealing";
    return false;
  }
  return true;
}

}  // namespace supctl::powershell::gss
