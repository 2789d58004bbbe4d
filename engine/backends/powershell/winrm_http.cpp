#include "backends/powershell/winrm_http.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <system_error>

namespace supctl::powershell {
namespace {

/// A response larger than this is refused: WinRS keeps envelopes under MaxEnvelopeSize (512 kB).
constexpr std::size_t kMaxBody = 64 * 1024 * 1024;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
  std::string* body;
  bool too_large = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t bytes = size * count;
  if (sink->body->size() + bytes > kMaxBody) {
    sink->too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  sink->body->append(data, bytes);
  return bytes;
}

long curl_auth(WinRmAuth auth) {
  switch (auth) {
    case WinRmAuth::kBasic:
      return static_cast<long>(CURLAUTH_BASIC);
    case WinRmAuth::kNtlm:
      return static_cast<long>(CURLAUTH_NTLM);
    case WinRmAuth::kNegotiate:
      return static_cast<long>(CURLAUTH_NEGOTIATE);
  }
  return static_cast<long>(CURLAUTH_NEGOTIATE);
}

}  // namespace

long gssapi_delegation(const WinRmHttpSettings& settings) {
  return settings.delegate && settings.auth == WinRmAuth::kNegotiate ? static_cast<long>(CURLGSSAPI_DELEGATION_FLAG)
                                                                      : static_cast<long>(CURLGSSAPI_DELEGATION_NONE);
}

namespace {

HttpResult::Kind classify(CURLcode code, bool connected) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return HttpResult::Kind::kResolve;
    case CURLE_COULDNT_CONNECT:
      return HttpResult::Kind::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return HttpResult::Kind::kTls;
    case CURLE_OPERATION_TIMEDOUT:
      return connected ? HttpResult::Kind::kTimedOut : HttpResult::Kind::kConnect;
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
      return HttpResult::Kind::kConnect;
    default:
      return HttpResult::Kind::kOther;
  }
}

}  // namespace

std::string_view winrm_auth_name(WinRmAuth auth) {
  switch (auth) {
    case WinRmAuth::kBasic:
      return "basic";
    case WinRmAuth::kNtlm:
      return "ntlm";
    case WinRmAuth::kNegotiate:
      return "negotiate";
  }
  return "negotiate";
}

struct WinRmHttp::Handle {
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;
  std::array<char, CURL_ERROR_SIZE> error{};

  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
    if (headers) curl_slist_free_all(headers);
  }
};

WinRmHttp::WinRmHttp(WinRmHttpSettings settings) : settings_(std::move(settings)) {}

WinRmHttp::~WinRmHttp() = default;

void WinRmHttp::reset_connection() { handle_.reset(); }

HttpResult WinRmHttp::post(std::string_view envelope, std::chrono::milliseconds timeout) {
  HttpResult result;
  if (!handle_) {
    global_init();
    auto handle = std::make_unique<Handle>();
    handle->curl = curl_easy_init();
    if (!handle->curl) {
      result.error = "libcurl could not start a session";
      return result;
    }
    CURL* c = handle->curl;
    handle->headers = curl_slist_append(handle->headers, "Content-Type: application/soap+xml;charset=UTF-8");
    handle->headers = curl_slist_append(handle->headers, "User-Agent: supctl WinRM client");
    handle->headers = curl_slist_append(handle->headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(c, CURLOPT_URL, settings_.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, handle->headers);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, handle->error.data());
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, curl_auth(settings_.auth));
    curl_easy_setopt(c, CURLOPT_GSSAPI_DELEGATION, gssapi_delegation(settings_));
    curl_easy_setopt(c, CURLOPT_USERNAME, settings_.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, settings_.password.c_str());
    // The certificate is always checked; ca_file adds a CA (the system's directory still counts).
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!settings_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings_.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &write_body);
    handle_ = std::move(handle);
  }
  CURL* c = handle_->curl;
  Sink sink{&result.body};
  handle_->error[0] = '\0';
  auto connect = std::min(settings_.connect_timeout, timeout);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(connect.count(), 1)));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(timeout.count(), 1)));
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, envelope.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(envelope.size()));
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);

  CURLcode code = curl_easy_perform(c);
  if (code == CURLE_OK) {
    result.kind = HttpResult::Kind::kResponse;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.status);
    return result;
  }
  // Connected: a new connection was made, or a reused one carried the request.
  curl_off_t connect_time = 0;
  long request_size = 0;
  long os_error = 0;
  curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect_time);
  curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &request_size);
  curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_error);
  result.kind = classify(code, connect_time > 0 || request_size > 0);
  result.body.clear();
  result.error = sink.too_large              ? "the response is larger than 64 MiB"
                 : handle_->error[0] != '\0' ? std::string(handle_->error.data())
                                             : std::string(curl_easy_strerror(code));
  if (os_error != 0 && result.kind == HttpResult::Kind::kConnect) {
    result.error += ": " + std::system_category().message(static_cast<int>(os_error));
  }
  if (result.kind == HttpResult::Kind::kTimedOut) reset_connection();
  return result;
}

}  // namespace supctl::powershell
