#pragma once
/// A GSS-API initiator (MIT krb5, NTLM through gss-ntlmssp): the security context that
/// authenticates a WinRM connection and seals its messages (MS-WSMV 2.2.9.1). Errors are values,
/// worded for an administrator; the password is never in one.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace supctl::powershell::gss {

/// Which GSS-API mechanism the client asks for.
enum class Mechanism {
  kNegotiate,  ///< SPNEGO (1.3.6.1.5.5.2): Kerberos when a ticket or password gets one, else NTLM
  kKerberos,   ///< Kerberos 5 only (1.2.840.113554.1.2.2)
  kNtlm,       ///< NTLM only, through gss-ntlmssp (1.3.6.1.4.1.311.2.2.10)
};

std::string_view mechanism_name(Mechanism mechanism);

/// What went wrong, sorted for the wording of the error and for the failure kind the caller reports.
enum class FailureKind {
  kNone,
  kNoTicket,       ///< no Kerberos credentials (no cache, empty cache): kinit
  kExpiredTicket,  ///< the ticket has expired: kinit again
  kLogonFailure,   ///< the user name or password is incorrect
  kClockSkew,      ///< the clocks of the runner and the server or KDC differ by more than 5 minutes
  kUnknownServer,  ///< the KDC does not know HTTP/<host>
  kNoMechanism,    ///< the mechanism is not available here, or the server does not accept it
  kNoKdc,          ///< no KDC for the realm could be reached, or the realm is unknown
  kTampered,       ///< a sealed message failed its check: modified, replayed or out of order
  kOther,
};

struct Failure {
  FailureKind kind = FailureKind::kNone;
  std::string message;  ///< complete, lowercase, names the cause and what to do; never the password
  explicit operator bool() const { return kind != FailureKind::kNone; }
};

/// Sorts a GSS-API status into a Failure. `what`: the step that failed ("cannot get credentials",
/// ...); `target`: the server's host name, for the SPN in the wording. The texts of the major and
/// minor status (gss_display_status) close the message. Pure but for gss_display_status.
Failure describe_status(std::uint32_t major, std::uint32_t minor, Mechanism mechanism, std::string_view what,
                        std::string_view target);

/// Which credentials and target a client context uses.
struct ClientSettings {
  Mechanism mechanism = Mechanism::kNegotiate;
  std::string host;  ///< the server's name: the target is HTTP@host (GSS_C_NT_HOSTBASED_SERVICE)
  std::string user;  ///< with a password: DOMAIN\user, user@DOMAIN or user; empty: the default credentials
  /// Borrowed, never copied (the caller owns and wipes it); never logged; empty: the credential
  /// cache (Kerberos) or the default credentials. Used only by `create`.
  std::string_view password;
  bool delegate = false;  ///< GSS_C_DELEG_FLAG: the server may act with the ticket for one more hop
  /// The channel bindings' application data (RFC 5929 "tls-server-end-point:" and the certificate's
  /// hash) over HTTPS; empty: no bindings (plain HTTP).
  std::string channel_bindings;
  /// The context must be able to seal (confidentiality and integrity): plain HTTP without
  /// allow_unencrypted. Over HTTPS, TLS protects the messages and the context only authenticates.
  bool sealing = true;
};

/// One message sealed by the context, in the parts the MS-WSMV framing carries.
struct Sealed {
  std::string signature;    ///< NTLM: the 16-byte signature; Kerberos: the wrap token's header
  std::string data;         ///< the encrypted bytes, padding included
  std::size_t padding = 0;  ///< bytes of padding at the end of `data` (Kerberos with RC4 only)
};

/// A client security context: credentials, then a token exchange with the server until complete,
/// then wrap and unwrap. Owns every GSS-API handle it makes.
class ClientContext {
 public:
  /// Acquires the credentials (a password through gss_acquire_cred_with_password) and imports the
  /// target. Returns nullptr with `*failure` set when either fails.
  static std::unique_ptr<ClientContext> create(const ClientSettings& settings, Failure* failure);
  ~ClientContext();
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

  /// One call of gss_init_sec_context: `input` is the server's token (empty for the first call);
  /// `*output` the token to send (may be empty once complete). False with `*failure` on an error.
  bool step(std::string_view input, std::string* output, Failure* failure);

  /// The exchange is over and sealing is possible; with Kerberos the server has also proved who it is
  /// (mutual authentication), which NTLM has no way to do.
  bool complete() const { return complete_; }

  /// The mechanism that was negotiated (kNtlm or kKerberos once complete; the asked one before).
  Mechanism negotiated() const { return negotiated_; }

  /// Whether the server was granted the right to delegate (GSS_C_DELEG_FLAG in the returned flags).
  bool delegated() const;

  /// Seals one message (confidentiality and integrity). False with `*failure` when the context cannot.
  bool wrap(std::string_view plain, Sealed* out, Failure* failure);

  /// Opens one sealed message; a message that fails its check (or arrives unencrypted) is kTampered.
  bool unwrap(std::string_view signature, std::string_view data, std::string* plain, Failure* failure);

 private:
  struct Handles;
  explicit ClientContext(const ClientSettings& settings);
  std::unique_ptr<Handles> handles_;
  Mechanism asked_;
  Mechanism negotiated_;
  std::string host_;
  bool delegate_ = false;
  std::string channel_bindings_;
  bool sealing_ = true;
  bool complete_ = false;
  std::uint32_t flags_ = 0;  ///< returned by the last gss_init_sec_context
};

}  // namespace supctl::powershell::gss
