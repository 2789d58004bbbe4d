#pragma once
/// One HTTP(S) connection to a WinRM endpoint over libcurl: POSTs SOAP envelopes, keeps the
/// connection alive between them (NTLM authenticates a connection, not a request), and sorts
/// failures into what the transport reports. Over HTTPS libcurl authenticates; over plain HTTP
/// with `seal`, supctl authenticates itself through GSS-API (`Authorization: Negotiate`) and seals
/// every envelope (MS-WSMV 2.2.9.1). Never prints; never puts the password in a message.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace supctl::powershell {

enum class WinRmAuth { kBasic, kNtlm, kNegotiate, kKerberos };

std::string_view winrm_auth_name(WinRmAuth auth);

/// libcurl's CURLOPT_GSSAPI_DELEGATION for the settings: CURLGSSAPI_DELEGATION_FLAG when they ask to
/// delegate with Negotiate or Kerberos, CURLGSSAPI_DELEGATION_NONE otherwise.
long gssapi_delegation(const struct WinRmHttpSettings& settings);

/// What a WinRmHttp needs to reach the endpoint.
struct WinRmHttpSettings {
  std::string url;   ///< e.g. https://sup01.contoso.com:5986/wsman
  std::string host;  ///< the server's name, for the Kerberos target HTTP@host (sealed HTTP)
  WinRmAuth auth = WinRmAuth::kNegotiate;
  std::string user;
  std::string password;  ///< never logged, never in a message
  std::string ca_file;   ///< a PEM file of CAs trusted besides the system's; empty: the system's only
  /// Lets the server act with the runner's Kerberos credentials for one more hop (GSS_C_DELEG_FLAG;
  /// over HTTPS libcurl's delegation, unconditionally: the server's account must be trusted for
  /// delegation). Negotiate and Kerberos only.
  bool delegate = false;
  /// Plain HTTP with MS-WSMV message encryption: supctl's own Negotiate handshake on one kept-alive
  /// connection (an empty POST first), every body sealed and every answer unsealed. Not with Basic.
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
    kAuth,      ///< sealed HTTP: authentication failed (no ticket, wrong password, refused, ...)
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

  /// POSTs one envelope; `timeout` bounds the whole exchange (connect and, sealed, authentication
  /// included). Sealed: authenticates first when the connection has no context; when libcurl had to
  /// open a new connection and the server answers 401, authenticates again once and re-sends (the
  /// server could not have opened the message).
  HttpResult post(std::string_view envelope, std::chrono::milliseconds timeout);

  /// Forgets the connection (and its security context), e.g. after a timed-out request left it in
  /// an unknown state.
  void reset_connection();

  /// Sealed HTTP: how many times the handshake ran (a new connection needs a new one).
  int authentications() const { return authentications_; }

 private:
  struct Handle;
  struct Exchange;
  bool open_handle(HttpResult* result);
  Exchange perform(std::string_view body, std::string_view content_type, std::string_view authorization,
                   std::chrono::steady_clock::time_point deadline);
  bool authenticate(std::chrono::steady_clock::time_point deadline, HttpResult* result);
  HttpResult post_sealed(std::string_view envelope, std::chrono::milliseconds timeout);
  WinRmHttpSettings settings_;
  std::unique_ptr<Handle> handle_;  ///< the curl easy handle (and, sealed, the context), created on first use
  int authentications_ = 0;
};

}  // namespace supctl::powershell
