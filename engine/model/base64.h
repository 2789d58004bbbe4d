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

}  // namespace supctl::model
