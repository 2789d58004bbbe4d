#include "state/fingerprint.h"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <array>
#include <charconv>
#include <memory>

namespace supctl::state {
namespace {

constexpr std::size_t kDigestBytes = 32;
/// The most a stored fingerprint may ask for, so that a state edited to make supctl spend memory
/// or time is not obeyed: 64 MiB (128 * r * N bytes), and four times today's work (N * r * p).
constexpr std::uint64_t kMaxMemory = 64ull << 20;
constexpr std::uint64_t kMaxWork = 4ull * (1ull << kFingerprintCost.log2_n) * kFingerprintCost.r * kFingerprintCost.p;

/// A digest's hex: exactly kDigestBytes.
std::optional<std::vector<unsigned char>> digest_bytes(std::string_view text) {
  auto bytes = from_hex(text);
  if (!bytes || bytes->size() != kDigestBytes) return std::nullopt;
  return bytes;
}

/// "ln=14,r=8,p=1", within the limits.
std::optional<ScryptCost> parse_cost(std::string_view text) {
  ScryptCost cost;
  int* fields[] = {&cost.log2_n, &cost.r, &cost.p};
  const std::string_view names[] = {"ln=", "r=", "p="};
  for (int i = 0; i < 3; ++i) {
    if (!text.starts_with(names[i])) return std::nullopt;
    text.remove_prefix(names[i].size());
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *fields[i]);
    if (ec != std::errc()) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    if (i < 2) {
      if (!text.starts_with(',')) return std::nullopt;
      text.remove_prefix(1);
    }
  }
  if (!text.empty()) return std::nullopt;
  if (cost.log2_n < 1 || cost.log2_n > 30 || cost.r < 1 || cost.p < 1) return std::nullopt;
  const std::uint64_t n = 1ull << cost.log2_n;
  const auto r = static_cast<std::uint64_t>(cost.r);
  const auto p = static_cast<std::uint64_t>(cost.p);
  if (r > kMaxMemory / 128 / n || n * r > kMaxWork || n * r * p > kMaxWork) return std::nullopt;
  return cost;
}

}  // namespace

std::string to_hex(std::span<const unsigned char> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 0x0f]);
  }
  return hex;
}

std::optional<std::vector<unsigned char>> from_hex(std::string_view hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::vector<unsigned char> bytes;
  bytes.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int high = digit(hex[i]);
    int low = digit(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes.push_back(static_cast<unsigned char>(high * 16 + low));
  }
  return bytes;
}

Fingerprint parse_fingerprint(std::string_view text) {
  Fingerprint out;
  if (auto digest = digest_bytes(text)) {
    out.kind = Fingerprint::Kind::kHmac;
    out.digest = std::move(*digest);
    return out;
  }
  Fingerprint::Kind kind;
  if (text.starts_with("scrypt:")) {
    kind = Fingerprint::Kind::kScrypt;
    text.remove_prefix(7);
  } else if (text.starts_with("scrypt+key:")) {
    kind = Fingerprint::Kind::kScryptKeyed;
    text.remove_prefix(11);
  } else {
    return out;
  }
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return out;
  auto cost = parse_cost(text.substr(0, colon));
  auto digest = digest_bytes(text.substr(colon + 1));
  if (!cost || !digest) return out;
  out.kind = kind;
  out.cost = *cost;
  out.digest = std::move(*digest);
  return out;
}

std::string format_fingerprint(Fingerprint::Kind kind, ScryptCost cost, std::span<const unsigned char> digest) {
  if (kind == Fingerprint::Kind::kHmac) return to_hex(digest);
  return fmt::format("{}:ln={},r={},p={}:{}", kind == Fingerprint::Kind::kScryptKeyed ? "scrypt+key" : "scrypt", cost.log2_n,
                     cost.r, cost.p, to_hex(digest));
}

std::string describe_fingerprint(std::string_view text) {
  Fingerprint f = parse_fingerprint(text);
  switch (f.kind) {
    case Fingerprint::Kind::kScrypt:
      return fmt::format("scrypt (N=2^{}, r={}, p={}) with the state's salt", f.cost.log2_n, f.cost.r, f.cost.p);
    case Fingerprint::Kind::kScryptKeyed:
      return fmt::format("scrypt (N=2^{}, r={}, p={}) with the state's salt, keyed with the state key", f.cost.log2_n, f.cost.r,
                         f.cost.p);
    case Fingerprint::Kind::kHmac: return "HMAC-SHA256, the old kind: replaced by scrypt the next time apply sends this secret";
    case Fingerprint::Kind::kUnknown: break;
  }
  return "unreadable: the secret counts as changed, and apply records it again";
}

std::optional<std::vector<unsigned char>> scrypt(std::string_view secret, std::span<const unsigned char> salt, ScryptCost cost) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr), EVP_KDF_free);
  if (!kdf) return std::nullopt;
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> context(EVP_KDF_CTX_new(kdf.get()), EVP_KDF_CTX_free);
  if (!context) return std::nullopt;
  std::uint64_t n = 1ull << cost.log2_n;
  auto r = static_cast<std::uint32_t>(cost.r);
  auto p = static_cast<std::uint32_t>(cost.p);
  std::uint64_t max_memory = 2 * kMaxMemory;  // OpenSSL counts some overhead of its own
  // OpenSSL reads through these pointers and never writes; an empty secret still needs one.
  auto* password = const_cast<char*>(secret.data() != nullptr ? secret.data() : "");
  auto* salt_bytes = const_cast<unsigned char*>(salt.data());
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, password, secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt_bytes, salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &max_memory),
      OSSL_PARAM_construct_end(),
  };
  std::vector<unsigned char> out(kDigestBytes);
  if (EVP_KDF_derive(context.get(), out.data(), out.size(), params) != 1) return std::nullopt;
  return out;
}

std::vector<unsigned char> hmac_sha256(std::span<const unsigned char> key, std::span<const unsigned char> data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  std::size_t size = 0;
  static const unsigned char kNothing = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.empty() ? &kNothing : key.data(), key.size(),
                data.empty() ? &kNothing : data.data(), data.size(), out.data(), out.size(), &size) == nullptr) {
    return {};
  }
  return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(size)};
}

bool same_digest(std::span<const unsigned char> a, std::span<const unsigned char> b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace supctl::state
