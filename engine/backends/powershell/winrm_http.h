#pragma once
/// One HTTP(S) connection to a WinRM endpoint over libcurl: POSTs SOAP envelopes, keeps the
/// connection alive between them (NTLM authenticates a connection, not a request), and sorts
/// failures into what the transport reports. Never prints; never puts the password in a message.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace supctl::powershell {

enum class WinRmAuth { kBasic, kNtlm, kNegotiate };

std::string_view winrm_auth_name(WinRmAuth auth);

/// libcurl's CURLOPT_GSSAPI_DELEGATION for the settings: CURLGSSAPI_DELEGATION_FLAG when they ask to
/// delegate with Negotiate, CURLGSSAPI_DELEGATION_NONE otherwise.
long gssapi_delegation(const struct WinRmHttpSettings& settings);

/// What a WinRmHttp needs to reach the endpoint.
struct WinRmHttpSettings {
  std::string url;  ///< e.g. https://sup01.contoso.com:5986/wsman
  WinRmAuth auth = WinRmAuth::kNegotiate;
  std::string user;
  std::string password;  ///< never logged, never in a message
  std::string ca_file;   ///< a PEM file of CAs trusted besides the system's; empty: the system's only
  /// Lets the server act with the runner's Kerberos credentials for one more hop (libcurl's GSS-API
  /// delegation, unconditionally: the server's account must be trusted for delegation). Negotiate only.
  bool delegate = false;
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
    kOther,     ///< anything else libcurl reports
  };
  Kind kind = Kind::kOther;
  long status = 0;    ///< with kResponse
  std::string body;   ///< with kResponse
  std::string error;  ///< otherwise: libcurl's description
};

class WinRmHttp {
 public:
  explicit WinRmHttp(WinRmHttpSettings settings);
  ~WinRmHttp();
  WinRmHttp(const WinRmHttp&) = delete;
  WinRmHttp& operator=(const WinRmHttp&) = delete;

  /// POSTs one envelope; `timeout` bounds the whole exchange (connect included).
  HttpResult post(std::string_view envelope, std::chrono::milliseconds timeout);

  /// Forgets the connection, e.g. after a timed-out request left it in an unknown state.
  void reset_connection();

 private:
  struct Handle;
  WinRmHttpSettings settings_;
  std::unique_ptr<Handle> handle_;  ///< the curl easy handle, created on first use
};

}  // namespace supctl::powershell
