// The MS-WSMV 2.2.9.1 framing of sealed WinRM messages, against bytes written out by hand.

#include "backends/powershell/winrm_sealing.h"

#include <catch2/catch.hpp>
#include <string>

namespace supctl::powershell::sealing {
namespace {

using namespace std::string_literals;

/// The framing of a 5-byte envelope sealed as "SIGN" + "abcde", byte for byte.
const std::string kFramed =
    "--Encrypted Boundary\r\n"
    "\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
    "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=5\r\n"
    "--Encrypted Boundary\r\n"
    "\tContent-Type: application/octet-stream\r\n"
    "\x04\x00\x00\x00"s
    "SIGNabcde"
    "--Encrypted Boundary--\r\n";

TEST_CASE("sealing frames a message as MS-WSMV writes it", "[winrm][sealing]") {
  CHECK(frame(5, "SIGN", "abcde") == kFramed);
  CHECK(content_type() ==
        "multipart/encrypted;protocol=\"application/HTTP-SPNEGO-session-encrypted\";boundary=\"Encrypted Boundary\"");
}

TEST_CASE("sealing reads back the parts of a framed message", "[winrm][sealing]") {
  Part part;
  std::string error;
  REQUIRE(parse(kFramed, kBoundary, &part, &error));
  CHECK(part.protocol == kSpnegoProtocol);
  CHECK(part.length == 5);
  CHECK(part.signature == "SIGN");
  CHECK(part.data == "abcde");
}

TEST_CASE("sealing reads data that holds the boundary, line ends and zero bytes", "[winrm][sealing]") {
  std::string data = "\r\n--Encrypted Boundary\r\n\0--Encrypted Boundary--\r\nx"s;
  std::string signature(16, '\xFF');
  std::string body = frame(data.size(), signature, data);
  Part part;
  std::string error;
  REQUIRE(parse(body, kBoundary, &part, &error));
  CHECK(part.signature == signature);
  CHECK(part.data == data);
  CHECK(part.length == data.size());
}

TEST_CASE("sealing accepts the closing boundary older clients write and spaces after the dashes", "[winrm][sealing]") {
  std::string body =
      kFramed.substr(0, kFramed.size() - "--Encrypted Boundary--\r\n"s.size()) + "--Encrypted Boundary\r\n";
  Part part;
  std::string error;
  REQUIRE(parse(body, kBoundary, &part, &error));
  CHECK(part.data == "abcde");
  std::string spaced = "-- Encrypted Boundary\r\n" + kFramed.substr("--Encrypted Boundary\r\n"s.size());
  REQUIRE(parse(spaced, kBoundary, &part, &error));
  CHECK(part.signature == "SIGN");
}

TEST_CASE("sealing refuses broken framing with the reason", "[winrm][sealing]") {
  Part part;
  std::string error;
  CHECK_FALSE(parse("<s:Envelope/>", kBoundary, &part, &error));
  CHECK(error == "the sealed message does not start with the boundary '--Encrypted Boundary'");
  // Cut anywhere before the closing boundary: never read as a message.
  for (std::size_t cut = 1; cut < kFramed.size(); ++cut) {
    INFO(cut);
    CHECK_FALSE(parse(kFramed.substr(0, cut), kBoundary, &part, &error));
  }
  std::string no_length = kFramed;
  no_length.replace(no_length.find("Length=5"), 8, "Length=x");
  CHECK_FALSE(parse(no_length, kBoundary, &part, &error));
  CHECK(error == "the sealed message's OriginalContent has no valid Length=");
  std::string huge_signature = kFramed;
  huge_signature[huge_signature.find("\x04\x00\x00\x00"s)] = '\x40';
  CHECK_FALSE(parse(huge_signature, kBoundary, &part, &error));
  CHECK(error == "the sealed message is cut short: a 64-byte signature in 9 bytes");
  std::string wrong_part = kFramed;
  wrong_part.replace(wrong_part.find("octet-stream"), 12, "soap+xml");
  CHECK_FALSE(parse(wrong_part, kBoundary, &part, &error));
  CHECK(error == "the sealed message's second part is not application/octet-stream");
}

TEST_CASE("sealing tells a sealed response's content type from a clear one", "[winrm][sealing]") {
  std::string boundary;
  std::string error;
  CHECK(sealed_content_type(content_type(), &boundary, &error));
  CHECK(boundary == "Encrypted Boundary");
  CHECK(sealed_content_type(
      "multipart/encrypted; protocol=\"application/HTTP-Kerberos-session-encrypted\"; boundary=Other", &boundary,
      &error));
  CHECK(boundary == "Other");
  CHECK_FALSE(sealed_content_type("application/soap+xml;charset=UTF-8", &boundary, &error));
  CHECK(error.empty());
  CHECK_FALSE(
      sealed_content_type("multipart/encrypted;protocol=\"application/HTTP-CredSSP-session-encrypted\";"
                          "boundary=\"Encrypted Boundary\"",
                          &boundary, &error));
  CHECK(error ==
        "the server sealed its message with protocol 'application/HTTP-CredSSP-session-encrypted', not "
        "'application/HTTP-SPNEGO-session-encrypted'");
  CHECK_FALSE(sealed_content_type("multipart/x-multi-encrypted;boundary=\"Encrypted Boundary\"", &boundary, &error));
  CHECK_FALSE(error.empty());
}

}  // namespace
}  // namespace supctl::powershell::sealing
