#pragma once
/// The WinRM transport: a session's channel is one WinRS shell over WS-Management (HTTPS, or
/// plain HTTP with every message sealed by GSS-API) with one command running the bootstrap: Create and Command when it opens; each request
/// is one or more Sends of its bytes (never marked End) and Receives until its response is in;
/// closing sends the stop frame with End, then Signal terminate and Delete.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/powershell/transport.h"
#include "backends/powershell/winrm_http.h"

namespace supctl::powershell {

/// How to reach one machine's WinRM service; the [host] table's winrm settings, resolved.
struct WinRmSettings {
  std::string host;  ///< the name or address to connect to; also the certificate's expected name
  int port = 0;      ///< 0: 5986 with https, 5985 without
  bool https = true;
  WinRmAuth auth = WinRmAuth::kNegotiate;
  std::string user;
  std::string password;            ///< already resolved by the caller; never logged, never in an error
  std::string ca_file;             ///< a PEM file of CAs to trust besides the system's; empty: the system's only
  /// Plain HTTP in clear; false: plain HTTP is sealed (MS-WSMV encryption). Basic over HTTP is always refused.
  bool allow_unencrypted = false;
  bool delegate = false;           ///< Kerberos delegation (WinRmHttpSettings::delegate); refused with NTLM and Basic
  std::chrono::seconds operation_timeout{60};  ///< w:OperationTimeout of every request
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  int max_envelope_size = 512000;  ///< bytes, w:MaxEnvelopeSize
  int codepage = 65001;            ///< the shell's console codepage: UTF-8
  /// Before the second try to reach the service when the connection failed; doubled before the third.
  std::chrono::milliseconds retry_backoff{std::chrono::seconds(1)};
  /// How long each of Signal and Delete may take on the way out after a failure or a timeout.
  std::chrono::milliseconds cleanup_timeout{std::chrono::seconds(10)};

  int effective_port() const { return port != 0 ? port : (https ? 5986 : 5985); }
};

class WinRmTransport final : public Transport {
 public:
  explicit WinRmTransport(WinRmSettings settings);
  ~WinRmTransport() override;

  /// Create (connection failures tried three times, `retry_backoff` then twice that) and Command;
  /// a quota fault on either deletes the shell and tries one new one.
  std::unique_ptr<Channel> open(const std::vector<std::string>& arguments, Clock::time_point deadline,
                                Outcome* failure) override;
  std::string_view name() const override { return "winrm"; }

  /// Warnings for the caller to print, each produced once per transport: plain HTTP in clear in use.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  struct Shell;
  WinRmSettings settings_;
  std::string endpoint_;      ///< http(s)://host:port/wsman
  std::string config_error_;  ///< set when the settings can never work (Basic over HTTP, ...)
  std::vector<std::string> warnings_;
  std::unique_ptr<WinRmHttp> http_;  ///< kept across runs: the connection is reused
};

}  // namespace supctl::powershell
