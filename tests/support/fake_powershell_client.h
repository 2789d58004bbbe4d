#pragma once
// What the transport tests (local_test, ssh_test, session_test) send to the fake powershell
// (tests/support/fake_powershell.cpp) and what it records back: one copy for both. The base64 and
// UTF-16LE here are the tests' own, independent of the product's, so that they check it.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

/// What the fake writes to FAKE_POWERSHELL_RECORD when request number `number` of its process
/// carries exactly this, the process started with `arguments` (whose -EncodedCommand is `bootstrap`).
inline std::string expected_record(const std::vector<std::string>& arguments, std::string_view bootstrap,
                                   std::string_view script, std::string_view json, int number) {
  std::string record = "fake_powershell record\narguments " + std::to_string(arguments.size()) + "\n";
  for (const std::string& argument : arguments) record += argument + "\n";
  for (auto [name, bytes] : {std::pair{"bootstrap", bootstrap}, std::pair{"script", script}, std::pair{"json", json}}) {
    record += std::string(name) + " " + std::to_string(bytes.size()) + "\n" + std::string(bytes) + "\n";
  }
  return record + "request " + std::to_string(number) + "\n";
}

/// The lines of the fake's FAKE_POWERSHELL_LOG that start with `word` ("start", "request", "exit").
inline std::vector<std::string> fake_log(const std::filesystem::path& path, std::string_view word) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(std::string(word) + " ")) lines.push_back(line);
  }
  return lines;
}

}  // namespace supctl::test
