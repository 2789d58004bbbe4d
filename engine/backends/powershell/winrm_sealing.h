#pragma once
/// MS-WSMV 2.2.9.1 message encryption over HTTP: a SOAP envelope sealed by the connection's
/// GSS-API context, in a multipart/encrypted body, and back. The framing alone (`frame`, `parse`)
/// is pure; `seal` and `unseal` add the context and the Length check.

#include <cstddef>
#include <string>
#include <string_view>

#include "backends/powershell/gss.h"

namespace supctl::powershell::sealing {

inline constexpr std::string_view kBoundary = "Encrypted Boundary";
/// The protocol of a body sealed through SPNEGO (NTLM or Kerberos), which is what Negotiate gives.
inline constexpr std::string_view kSpnegoProtocol = "application/HTTP-SPNEGO-session-encrypted";
/// The protocol some servers name for a Kerberos-sealed body; accepted in responses, never sent.
inline constexpr std::string_view kKerberosProtocol = "application/HTTP-Kerberos-session-encrypted";

/// The Content-Type of a sealed request:
/// multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary".
std::string content_type();

/// A sealed body: the boundary, the protocol and the original length, the boundary, the octet-stream
/// part (`<uint32 LE signature length><signature><data>`), the closing boundary.
/// `original_length` is the plain envelope's length plus any padding (MS-WSMV's Length=).
std::string frame(std::size_t original_length, std::string_view signature, std::string_view data);

/// One sealed part read back from a body.
struct Part {
  std::string protocol;        ///< the first part's Content-Type
  std::size_t length = 0;      ///< OriginalContent's Length=
  std::string_view signature;  ///< into the body
  std::string_view data;       ///< into the body: everything up to the closing boundary
};

/// Whether `content_type` is a sealed body supctl can open; `*boundary` is its boundary then.
/// False with `*error` for another multipart/*encrypted type or protocol; false with an empty
/// `*error` for a body that is not sealed at all (application/soap+xml, none).
bool sealed_content_type(std::string_view content_type, std::string* boundary, std::string* error);

/// Reads the one sealed part of `body` (MS-WSMV framing with `boundary`). The closing boundary may
/// be `--B--\r\n` or `--B\r\n` (older clients); the data may hold any bytes, the boundary included,
/// because it is found from the end. False with `*error` when the framing is broken.
bool parse(std::string_view body, std::string_view boundary, Part* out, std::string* error);

/// Seals `envelope` with the context into `*body` (framed). False with `*failure`.
bool seal(gss::ClientContext& context, std::string_view envelope, std::string* body, gss::Failure* failure);

/// Opens a sealed response: the framing, the seal, then the unsealed size against Length=. Any
/// failure is kTampered, except a body that is not sealed at all, which is kOther.
bool unseal(gss::ClientContext& context, std::string_view content_type, std::string_view body, std::string* envelope,
            gss::Failure* failure);

}  // namespace supctl::powershell::sealing
