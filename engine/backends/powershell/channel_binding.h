#pragma once
/// Channel binding for HTTPS (RFC 5929 "tls-server-end-point"): ties the GSS-API authentication
/// to the TLS connection it runs in, so credentials cannot be relayed through a machine that
/// terminates TLS in between. Windows checks it (Extended Protection, the listener's
/// CbtHardeningLevel); Kerberos carries it in the authenticator, NTLM in MsvAvChannelBindings.

#include <optional>
#include <string>
#include <string_view>

namespace supctl::powershell {

/// The bindings' application data for a server certificate given in PEM: "tls-server-end-point:"
/// followed by the certificate's hash, taken with the hash of its signature algorithm (for
/// RSASSA-PSS, the one its parameters name; SHA-256 when that is MD5 or SHA-1, or when the
/// algorithm has no hash of its own, as Ed25519). nullopt with `*error` when the text holds no
/// certificate.
std::optional<std::string> tls_server_end_point(std::string_view certificate_pem, std::string* error);

}  // namespace supctl::powershell
