#pragma once
/// Secret fingerprints: how supctl notices that a secret changed without storing it. A
/// fingerprint is scrypt (memory-hard, so that guessing costs memory as well as time) over the
/// secret with the state's own salt, then, when the run has a state key, HMAC-SHA256 under that
/// key. It is stored with what made it, so that the parameters can be raised later and the old
/// kind (HMAC-SHA256 under a key kept in the state) is still recognised:
///   scrypt:ln=14,r=8,p=1:<64 hex>       scrypt+key:ln=14,r=8,p=1:<64 hex>       <64 hex> (old)

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace supctl::state {

/// scrypt's cost: N = 2^log2_n, block size r, parallelism p; memory is 128 * r * N bytes.
struct ScryptCost {
  int log2_n = 14;
  int r = 8;
  int p = 1;
  friend bool operator==(const ScryptCost&, const ScryptCost&) = default;
};

/// What fingerprints are made with now: 16 MiB and, on the development machine, about 50 ms each.
inline constexpr ScryptCost kFingerprintCost{};

struct Fingerprint {
  enum class Kind { kScrypt, kScryptKeyed, kHmac, kUnknown };
  Kind kind = Kind::kUnknown;
  ScryptCost cost;
  std::vector<unsigned char> digest;  ///< 32 bytes when the text is well formed
};

/// Reads a stored fingerprint; kUnknown when it is none of the kinds above, or its cost is over
/// 64 MiB or four times today's work (a state edited to make supctl spend memory is not obeyed).
Fingerprint parse_fingerprint(std::string_view text);
std::string format_fingerprint(Fingerprint::Kind kind, ScryptCost cost, std::span<const unsigned char> digest);

/// What a stored fingerprint is, in words (for `state show`): never its value.
std::string describe_fingerprint(std::string_view text);

/// Bytes as lower-case hex, as fingerprints and the state's meta values are written.
std::string to_hex(std::span<const unsigned char> bytes);
/// Hex (either case) as bytes; nullopt when it is not hex.
std::optional<std::vector<unsigned char>> from_hex(std::string_view hex);

/// scrypt of `secret` with `salt`, 32 bytes; nullopt when OpenSSL fails.
std::optional<std::vector<unsigned char>> scrypt(std::string_view secret, std::span<const unsigned char> salt, ScryptCost cost);
/// HMAC-SHA256 of `data` under `key`, 32 bytes; empty when OpenSSL fails.
std::vector<unsigned char> hmac_sha256(std::span<const unsigned char> key, std::span<const unsigned char> data);
/// Equal digests, compared in constant time.
bool same_digest(std::span<const unsigned char> a, std::span<const unsigned char> b);

}  // namespace supctl::state
