// Kerberos delegation over WinRM: what supctl asks libcurl for, by the host's settings.

#include <curl/curl.h>

#include <catch2/catch.hpp>

#include "backends/powershell/winrm_http.h"

namespace supctl::powershell {
namespace {

TEST_CASE("WinRM asks libcurl to delegate Kerberos credentials only when the host says so, with Negotiate or Kerberos", "[winrm]") {
  WinRmHttpSettings settings;
  settings.auth = WinRmAuth::kNegotiate;
  CHECK(gssapi_delegation(settings) == static_cast<long>(CURLGSSAPI_DELEGATION_NONE));
  settings.delegate = true;
  CHECK(gssapi_delegation(settings) == static_cast<long>(CURLGSSAPI_DELEGATION_FLAG));
  settings.auth = WinRmAuth::kKerberos;
  CHECK(gssapi_delegation(settings) == static_cast<long>(CURLGSSAPI_DELEGATION_FLAG));
  // NTLM and Basic have no credentials to delegate (validation refuses delegate with them).
  settings.auth = WinRmAuth::kNtlm;
  CHECK(gssapi_delegation(settings) == static_cast<long>(CURLGSSAPI_DELEGATION_NONE));
  settings.auth = WinRmAuth::kBasic;
  CHECK(gssapi_delegation(settings) == static_cast<long>(CURLGSSAPI_DELEGATION_NONE));
}

}  // namespace
}  // namespace supctl::powershell
