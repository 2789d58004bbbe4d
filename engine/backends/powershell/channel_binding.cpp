#include "backends/powershell/channel_binding.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace supctl::powershell {

std::optional<std::string> tls_server_end_point(std::string_view certificate_pem, std::string* error) {
  std::unique_ptr<BIO, decltype(&BIO_free)> input(
      BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(
      input ? PEM_read_bio_X509(input.get(), nullptr, nullptr, nullptr) : nullptr, &X509_free);
  if (!certificate) {
    *error = "the server's TLS certificate could not be read for channel binding";
    return std::nullopt;
  }
  // The signature's hash, from its parameters where the algorithm carries them (RSASSA-PSS).
  int digest_nid = NID_undef;
  if (X509_get_signature_info(certificate.get(), &digest_nid, nullptr, nullptr, nullptr) != 1) digest_nid = NID_undef;
  // RFC 5929 4.1: MD5 and SHA-1 are replaced by SHA-256; so is "no hash" (Windows does the same).
  if (digest_nid == NID_undef || digest_nid == NID_md5 || digest_nid == NID_sha1) digest_nid = NID_sha256;
  const EVP_MD* digest = EVP_get_digestbynid(digest_nid);
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!digest || X509_digest(certificate.get(), digest, hash, &length) != 1) {
    *error = "the server's TLS certificate could not be hashed for channel binding";
    return std::nullopt;
  }
  std::string data = "tls-server-end-point:";
  data.append(reinterpret_cast<const char*>(hash), length);
  return data;
}

}  // namespace supctl::powershell
