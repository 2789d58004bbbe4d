#pragma once
/// One HTTP(S) connection to a WinRM endpoint over libcurl: POSTs SOAP envelopes, keeps the
/// connection alive between them (NTLM authenticates a connection, not a request), and sorts
/// failures into what the transport reports. libcurl authenticates Basic (HTTPS only). Negotiate,
/// Kerberos and NTLM are supctl's own GSS-API handshake (`Authorization: Negotiate`) on the
/// connection: over HTTPS bound to the server's certificate (channel binding), over plain HTTP
/// with `seal` every envelope sealed (MS-WSMV 2.2.9.1). Never prints; never puts the password in a
/// message.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace supctl::powershell {

enum class WinRmAuth { kBasic, kNtlm, kNegotiate, kKerberos };

std::string_view winrm_auth_name(WinRmAuth auth);

/// What a WinRmHttp needs to reach the endpoint.
struct WinRmHttpSettings {
  std::string url;   ///< e.g. https://sup01.contoso.com:5986/wsman
  std::string host;  ///< the server's name, for the Kerberos target HTTP@host
  WinRmAuth auth = WinRmAuth::kNegotiate;
  std::string user;
  /// Borrowed, never copied: the transport owns the password, wipes it when it ends, and keeps it
  /// alive as long as the WinRmHttp. Never logged, never in a message.
  std::string_view password;
  std::string ca_file;   ///< a PEM file of CAs trusted besides the system's; empty: the system's only
  /// Lets the server act with the runner's Kerberos credentials for one more hop (GSS_C_DELEG_FLAG);
  /// authentication fails when they were not delegated. Negotiate and Kerberos only.
  bool delegate = false;
  /// Plain HTTP with MS-WSMV message encryption: every body sealed and every answer unsealed by the
  /// connection's security context. Not with Basic; never over HTTPS.
  bool seal = false;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
};

/// The result of one POST.
struct HttpResult {
  enum class Kind {
    kResponse,  ///< an HTTP response arrived (any status)
    kResolve,   ///< the host name does not resolve
    kConnect,   ///< no connection: refused, unreachable, connect timed out, dropped
    kTls,       ///< the TLS handshake or the certificate check failed
    kTimedOut,  ///< the connection was made but the response did not come in time
    kDropped,   ///< the request went out, then the connection broke before an answer: it may have run
    kAuth,      ///< Negotiate: authentication failed (no ticket, wrong password, refused, ...)
    kTampered,  ///< sealed HTTP: a response failed its seal or its Length= check; never accepted
    kOther,     ///< anything else libcurl or GSS-API reports
  };
  Kind kind = Kind::kOther;
  long status = 0;    ///< with kResponse
  std::string body;   ///< with kResponse; unsealed when the connection is sealed
  std::string error;  ///< otherwise: libcurl's description, or the whole reason (kAuth, kTampered)
};

class WinRmHttp {
 public:
  explicit WinRmHttp(WinRmHttpSettings settings);
  ~WinRmHttp();
  WinRmHttp(const WinRmHttp&) = delete;
  WinRmHttp& operator=(const WinRmHttp&) = delete;

  /// POSTs one envelope; `timeout` bounds the whole exchange (connect and authentication included).
  /// Negotiate: authenticates first when the connection has no context (empty POSTs carry the
  /// tokens; over HTTPS one without credentials comes first, to see the certificate); when libcurl
  /// had to open a new connection and the server answers 401, authenticates again once and re-sends
  /// (the server did not run the message).
  HttpResult post(std::string_view envelope, std::chrono::milliseconds timeout);

  /// Forgets the connection (and its security context), e.g. after a timed-out request left it in
  /// an unknown state.
  void reset_connection();

  /// Negotiate: how many times the handshake ran (a new connection needs a new one).
  int authentications() const { return authentications_; }

 private:
  struct Handle;
  struct Exchange;
  bool open_handle(HttpResult* result);
  Exchange perform(std::string_view body, std::string_view content_type, std::string_view authorization,
                   std::chrono::steady_clock::time_point deadline);
  bool https() const;
  void read_channel_bindings();
  /// Sets `*result` to a failure of `kind` and forgets the connection; returns false.
  bool abandon(HttpResult* result, HttpResult::Kind kind, std::string error);
  bool probe(std::chrono::steady_clock::time_point deadline, HttpResult* result);
  bool authenticate(std::chrono::steady_clock::time_point deadline, HttpResult* result);
  HttpResult post_negotiated(std::string_view envelope, std::chrono::milliseconds timeout);
  WinRmHttpSettings settings_;
  std::unique_ptr<Handle> handle_;  ///< the curl easy handle (and, sealed, the context), created on first use
  int authentications_ = 0;
};

}  // namespace supctl::powershell
