#pragma once
/// Base64 (RFC 4648, with padding): bytes inside operation results (a log's bytes, a binary registry
/// value), the -EncodedCommand argument and WinRM's stream chunks.

#include <optional>
#include <string>
#include <string_view>

namespace supctl::model {

std::string base64_encode(std::string_view bytes);
/// Ignores whitespace; nullopt on any other character outside the alphabet or bad padding.
std::optional<std::string> base64_decode(std::string_view text);

/// Binary registry data as the registry operations carry it: lower-case hex bytes separated by
/// single spaces ("01 0a ff").
std::string spaced_hex(std::string_view bytes);
/// The bytes of spaced hex (spaces optional, either case); nullopt on anything else.
std::optional<std::string> bytes_of_spaced_hex(std::string_view text);

}  // namespace supctl::model
