#pragma once
// What the transport tests (local_test, ssh_test) send to the fake powershell
// (tests/support/fake_powershell.cpp) and what it records back: one copy for both. The base64 and
// UTF-16LE here are the tests' own, independent of the product's, so that they check it.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include "backends/powershell/transport.h"

namespace supctl::test {

inline std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

/// UTF-8 (assumed valid) to UTF-16LE, surrogate pairs included.
inline std::string utf16le(std::string_view utf8) {
  std::string out;
  auto unit = [&](unsigned u) {
    out += static_cast<char>(u & 0xFF);
    out += static_cast<char>(u >> 8);
  };
  for (std::size_t i = 0; i < utf8.size();) {
    unsigned c = static_cast<unsigned char>(utf8[i]);
    int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    unsigned cp = extra == 0 ? c : c & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    i += 1 + extra;
    if (cp >= 0x10000) {
      unit(0xD800 + ((cp - 0x10000) >> 10));
      unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      unit(cp);
    }
  }
  return out;
}

/// A bootstrap, a script and JSON as a transport receives them from the backend.
inline powershell::Invocation invocation(std::string_view bootstrap, std::string_view script, std::string_view json) {
  powershell::Invocation invocation;
  invocation.arguments = {"-NoProfile", "-NonInteractive", "-ExecutionPolicy",
                          "Bypass",     "-EncodedCommand", base64(utf16le(bootstrap))};
  invocation.stdin_payload = std::string(script) + std::string(powershell::kPayloadSentinel) + std::string(json);
  invocation.timeout = std::chrono::seconds(20);
  return invocation;
}

/// What the fake writes to FAKE_POWERSHELL_RECORD when it receives exactly this.
inline std::string expected_record(const powershell::Invocation& sent, std::string_view bootstrap, std::string_view script,
                                   std::string_view json) {
  std::string record = "fake_powershell record\narguments " + std::to_string(sent.arguments.size()) + "\n";
  for (const std::string& argument : sent.arguments) record += argument + "\n";
  for (auto [name, bytes] : {std::pair{"bootstrap", bootstrap}, std::pair{"script", script}, std::pair{"json", json}}) {
    record += std::string(name) + " " + std::to_string(bytes.size()) + "\n" + std::string(bytes) + "\n";
  }
  return record + "stdin " + std::to_string(sent.stdin_payload.size()) + "\n";
}

/// A bootstrap with characters beyond ASCII, Latin-1 and the BMP.
inline constexpr std::string_view kBootstrap = "$ErrorActionPreference = 'Stop'; # Grüße, ✓, 𝄞\n$input | Out-String";

}  // namespace supctl::test
