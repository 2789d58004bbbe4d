#pragma once
/// The MS-WSMV 2.2.9.1 framing of a sealed WinRM body (`multipart/encrypted` with
/// `application/HTTP-SPNEGO-session-encrypted`), for the tests' responder: written from the
/// specification, independent of supctl's client, and knowing nothing of GSS-API.
//
//   --Encrypted Boundary\r\n
//   \tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
//   \tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plain length>\r\n
//   --Encrypted Boundary\r\n
//   \tContent-Type: application/octet-stream\r\n
//   <uint32 LE signature length><signature><sealed bytes>--Encrypted Boundary--\r\n

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace supctl::test::sealed {

inline constexpr std::string_view kContentType =
    R"(multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary")";
inline constexpr std::string_view kBoundary = "--Encrypted Boundary\r\n";
inline constexpr std::string_view kEnd = "--Encrypted Boundary--\r\n";
inline constexpr std::string_view kProtocolPart = "\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n";
inline constexpr std::string_view kOriginalPrefix = "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=";
inline constexpr std::string_view kStreamPart = "\tContent-Type: application/octet-stream\r\n";

/// One sealed message, taken apart.
struct Message {
  std::size_t declared_length = 0;  ///< the Length= of OriginalContent: the plain message's size
  std::string signature;            ///< the bytes the 4-byte length announces
  std::string data;                 ///< the sealed bytes after the signature, up to the closing boundary
};

/// Whether a Content-Type header names the sealed SPNEGO framing.
inline bool is_sealed_content_type(std::string_view content_type) {
  return content_type.starts_with("multipart/encrypted") &&
         content_type.find(R"(protocol="application/HTTP-SPNEGO-session-encrypted")") != std::string_view::npos;
}

/// The body of a sealed message whose plain form has `plain_length` bytes.
inline std::string frame(std::size_t plain_length, std::string_view signature, std::string_view data) {
  std::string out;
  out += kBoundary;
  out += kProtocolPart;
  out += kOriginalPrefix;
  out += std::to_string(plain_length);
  out += "\r\n";
  out += kBoundary;
  out += kStreamPart;
  const auto n = static_cast<std::uint32_t>(signature.size());
  for (int shift = 0; shift < 32; shift += 8) out += static_cast<char>((n >> shift) & 0xFF);
  out += signature;
  out += data;
  out += kEnd;
  return out;
}

/// Takes a sealed body apart; nullopt with `*error` saying what is not where it should be.
inline std::optional<Message> parse(std::string_view body, std::string* error) {
  auto expect = [&](std::string_view part, const char* what) {
    if (!body.starts_with(part)) {
      *error = std::string("sealed body: expected ") + what;
      return false;
    }
    body.remove_prefix(part.size());
    return true;
  };
  if (!expect(kBoundary, "the opening boundary") || !expect(kProtocolPart, "the protocol part's Content-Type") ||
      !expect(kOriginalPrefix, "OriginalContent with Length=")) {
    return std::nullopt;
  }
  Message message;
  std::size_t digits = 0;
  while (digits < body.size() && body[digits] >= '0' && body[digits] <= '9' && digits < 12) {
    message.declared_length = message.declared_length * 10 + std::size_t(body[digits] - '0');
    ++digits;
  }
  body.remove_prefix(digits);
  if (digits == 0) {
    *error = "sealed body: expected a number after Length= and the line's end";
    return std::nullopt;
  }
  if (!expect("\r\n", "a number after Length= and the line's end") ||
      !expect(kBoundary, "the second boundary") || !expect(kStreamPart, "the octet-stream part's Content-Type")) {
    return std::nullopt;
  }
  if (!body.ends_with(kEnd)) {
    *error = "sealed body: expected the closing boundary at the end";
    return std::nullopt;
  }
  body.remove_suffix(kEnd.size());
  if (body.size() < 4) {
    *error = "sealed body: no signature length";
    return std::nullopt;
  }
  std::uint32_t length = 0;
  for (int i = 3; i >= 0; --i) length = (length << 8) | std::uint8_t(body[static_cast<std::size_t>(i)]);
  body.remove_prefix(4);
  if (length > body.size()) {
    *error = "sealed body: the signature length " + std::to_string(length) + " exceeds the " +
             std::to_string(body.size()) + " bytes left";
    return std::nullopt;
  }
  message.signature = std::string(body.substr(0, length));
  message.data = std::string(body.substr(length));
  return message;
}

}  // namespace supctl::test::sealed
