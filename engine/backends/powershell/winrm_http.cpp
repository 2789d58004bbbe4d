#include "backends/powershell/winrm_http.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <system_error>
#include <vector>

#include "backends/powershell/channel_binding.h"
#include "backends/powershell/gss.h"
#include "backends/powershell/winrm_sealing.h"
#include "model/base64.h"

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
    case WinRmAuth::kKerberos:
      return "kerberos";
  }
  return "negotiate";
}

namespace {

using Clock = std::chrono::steady_clock;

/// The response headers supctl reads, from the last response of a transfer.
struct Headers {
  std::vector<std::string> www_authenticate;  ///< every WWW-Authenticate value, in order
  std::string content_type;
};

std::size_t read_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* headers = static_cast<Headers*>(user);
  std::size_t bytes = size * count;
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) *headers = Headers{};  // a new response (after a 100 Continue, say)
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  if (name == "www-authenticate") headers->www_authenticate.emplace_back(value);
  if (name == "content-type") headers->content_type = std::string(value);
  return bytes;
}

/// The Negotiate challenge of a response: whether the server offers the scheme at all, and its token.
struct Challenge {
  bool offered = false;
  std::string token;                 ///< decoded; empty when the scheme came without one
  std::vector<std::string> schemes;  ///< every scheme offered, for the error when Negotiate is not
  bool malformed = false;            ///< the token is not base64
};

Challenge negotiate_challenge(const std::vector<std::string>& values) {
  Challenge challenge;
  for (const std::string& value : values) {
    std::string_view rest(value);
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item.empty()) continue;
      std::size_t space = item.find(' ');
      std::string scheme(item.substr(0, space));
      challenge.schemes.push_back(scheme);
      std::string lower = scheme;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower != "negotiate") continue;
      challenge.offered = true;
      if (space == std::string_view::npos) continue;
      std::string_view encoded = item.substr(space + 1);
      while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
      auto token = model::base64_decode(encoded);
      if (!token) {
        challenge.malformed = true;
      } else {
        challenge.token = std::move(*token);
      }
    }
  }
  return challenge;
}

/// The error for a 401 that does not offer Negotiate, naming what it offers and how to enable it.
std::string not_offered(const Challenge& challenge, WinRmAuth auth) {
  std::string offered;
  for (const std::string& scheme : challenge.schemes) offered += (offered.empty() ? "" : ", ") + scheme;
  return fmt::format("the server does not offer Negotiate authentication (it offers: {}): enable it with winrm set "
                     "winrm/config/service/auth @{{Negotiate=\"true\"}}{}",
                     offered.empty() ? std::string("nothing") : offered,
                     auth == WinRmAuth::kKerberos ? ", and Kerberos=\"true\"" : "");
}

/// An exchange of the handshake (empty POSTs): one broken after it went out ran nothing on the
/// server, so it is a connection failure, not a message that may have run.
HttpResult handshake_failure(HttpResult result) {
  if (result.kind == HttpResult::Kind::kDropped) result.kind = HttpResult::Kind::kConnect;
  return result;
}

gss::Mechanism mechanism_of(WinRmAuth auth) {
  switch (auth) {
    case WinRmAuth::kNtlm:
      return gss::Mechanism::kNtlm;
    case WinRmAuth::kKerberos:
      return gss::Mechanism::kKerberos;
    default:
      return gss::Mechanism::kNegotiate;
  }
}

/// Wipes a string that held a secret before its memory is released.
void wipe(std::string& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

/// A curl_slist freed once.
struct HeaderList {
  curl_slist* list = nullptr;
  HeaderList() = default;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  ~HeaderList() {
    if (list) curl_slist_free_all(list);
  }
  void add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

}  // namespace

struct WinRmHttp::Handle {
  CURL* curl = nullptr;
  std::array<char, CURL_ERROR_SIZE> error{};
  std::unique_ptr<gss::ClientContext> context;  ///< Negotiate: the connection's, once authenticated
  /// HTTPS with Negotiate: the channel bindings of the connection's server certificate, read when
  /// libcurl opened the connection ("" with `binding_error` when it could not be read).
  std::string channel_bindings;
  std::string binding_error;

  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

/// What one transfer gave.
struct WinRmHttp::Exchange {
  HttpResult result;            ///< kind and error; status and body with kResponse
  Headers headers;              ///< of the final response
  bool new_connection = false;  ///< libcurl opened a connection for this transfer
  int sends = 0;                ///< requests libcurl wrote: 2 when it re-sent on a fresh connection itself
};

namespace {

/// Counts the requests a transfer wrote (their header blocks); keeps nothing of what they held.
int count_sends(CURL*, curl_infotype type, char*, std::size_t, void* user) {
  if (type == CURLINFO_HEADER_OUT) ++*static_cast<int*>(user);
  return 0;
}

}  // namespace

WinRmHttp::WinRmHttp(WinRmHttpSettings settings) : settings_(std::move(settings)) {}

WinRmHttp::~WinRmHttp() = default;

void WinRmHttp::reset_connection() { handle_.reset(); }

bool WinRmHttp::open_handle(HttpResult* result) {
  if (handle_) return true;
  global_init();
  auto handle = std::make_unique<Handle>();
  handle->curl = curl_easy_init();
  if (!handle->curl) {
    result->kind = HttpResult::Kind::kOther;
    result->error = "libcurl could not start a session";
    return false;
  }
  CURL* c = handle->curl;
  curl_easy_setopt(c, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  // WinRM speaks HTTP/1.1, and Negotiate authenticates a TCP connection: never HTTP/2 (which a
  // libcurl built with nghttp2 offers over TLS), where a server's fall-back would re-send.
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, handle->error.data());
  if (settings_.auth == WinRmAuth::kBasic) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(c, CURLOPT_USERNAME, settings_.user.c_str());
    // libcurl copies a C string: the copy made for it here is wiped once libcurl has its own.
    std::string password(settings_.password);
    curl_easy_setopt(c, CURLOPT_PASSWORD, password.c_str());
    wipe(password);
  } else if (https()) {
    // The server's certificate, for the channel bindings of each new connection.
    curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
  } else {
    // The security context belongs to one TCP connection to the server: never through a plain HTTP
    // proxy (HTTPS goes through a proxy's CONNECT tunnel end to end, so it may).
    curl_easy_setopt(c, CURLOPT_PROXY, "");
  }
  // The certificate is always checked; ca_file adds a CA (the system's directory still counts).
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings_.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &write_body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &read_header);
  handle_ = std::move(handle);
  return true;
}

WinRmHttp::Exchange WinRmHttp::perform(std::string_view body, std::string_view content_type,
                                       std::string_view authorization, Clock::time_point deadline) {
  Exchange out;
  HttpResult& result = out.result;
  if (!open_handle(&result)) return out;
  CURL* c = handle_->curl;
  HeaderList headers;
  headers.add(fmt::format("Content-Type: {}", content_type.empty()
                                                  ? std::string_view("application/soap+xml;charset=UTF-8")
                                                  : content_type));
  headers.add("User-Agent: supctl WinRM client");
  headers.add("Expect:");  // no 100-continue round trip
  if (!authorization.empty()) headers.add(fmt::format("Authorization: {}", authorization));
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  auto connect = std::min(settings_.connect_timeout, timeout);
  Sink sink{&result.body};
  handle_->error[0] = '\0';
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(connect.count(), 1)));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(timeout.count(), 1)));
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &out.headers);
  // The debug callback sees each request's headers go out (libcurl calls it only when verbose; it
  // prints nothing itself): a transfer that wrote two was re-sent by libcurl on a new connection.
  curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, &count_sends);
  curl_easy_setopt(c, CURLOPT_DEBUGDATA, &out.sends);
  curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);

  CURLcode code = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);  // the list dies with this call
  curl_easy_setopt(c, CURLOPT_HEADERDATA, nullptr);
  curl_easy_setopt(c, CURLOPT_DEBUGDATA, nullptr);
  curl_easy_setopt(c, CURLOPT_VERBOSE, 0L);
  long connects = 0;
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
  out.new_connection = connects > 0;
  if (out.new_connection && settings_.auth != WinRmAuth::kBasic && https()) read_channel_bindings();
  if (code == CURLE_OK) {
    result.kind = HttpResult::Kind::kResponse;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.status);
    return out;
  }
  // Connected: a new connection was made, or a reused one carried the request.
  curl_off_t connect_time = 0;
  long request_size = 0;
  long os_error = 0;
  curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect_time);
  curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &request_size);
  curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_error);
  result.kind = classify(code, connect_time > 0 || request_size > 0);
  // Broken after the request went out: not a connection that could not be made (which is tried
  // again before a shell exists), since the server may have acted on it.
  if (result.kind == HttpResult::Kind::kConnect && out.sends > 0 &&
      (code == CURLE_GOT_NOTHING || code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR)) {
    result.kind = HttpResult::Kind::kDropped;
  }
  result.body.clear();
  result.error = sink.too_large              ? "the response is larger than 64 MiB"
                 : handle_->error[0] != '\0' ? std::string(handle_->error.data())
                                             : std::string(curl_easy_strerror(code));
  if (os_error != 0 && result.kind == HttpResult::Kind::kConnect) {
    result.error += ": " + std::system_category().message(static_cast<int>(os_error));
  }
  if (result.kind == HttpResult::Kind::kTimedOut) reset_connection();
  return out;
}

HttpResult WinRmHttp::post(std::string_view envelope, std::chrono::milliseconds timeout) {
  if (settings_.auth != WinRmAuth::kBasic) return post_negotiated(envelope, timeout);
  return perform(envelope, {}, {}, Clock::now() + timeout).result;
}

bool WinRmHttp::https() const { return settings_.url.starts_with("https://"); }

void WinRmHttp::read_channel_bindings() {
  handle_->channel_bindings.clear();
  handle_->binding_error = "libcurl gave no server certificate for channel binding";
  curl_certinfo* info = nullptr;
  if (curl_easy_getinfo(handle_->curl, CURLINFO_CERTINFO, &info) != CURLE_OK || !info || info->num_of_certs < 1) return;
  for (curl_slist* field = info->certinfo[0]; field; field = field->next) {  // [0]: the server's own
    std::string_view text(field->data);
    if (!text.starts_with("Cert:")) continue;
    std::string error;
    std::optional<std::string> bindings = tls_server_end_point(text.substr(5), &error);
    handle_->binding_error = bindings ? std::string() : error;
    if (bindings) handle_->channel_bindings = std::move(*bindings);
    return;
  }
}

bool WinRmHttp::abandon(HttpResult* result, HttpResult::Kind kind, std::string error) {
  result->kind = kind;
  result->status = 0;
  result->body.clear();
  result->error = std::move(error);
  handle_.reset();  // the connection's state is unknown: a new one next time
  return false;
}

bool WinRmHttp::probe(Clock::time_point deadline, HttpResult* result) {
  Exchange exchange = perform({}, {}, {}, deadline);
  if (exchange.result.kind != HttpResult::Kind::kResponse) {
    *result = handshake_failure(std::move(exchange.result));
    handle_.reset();
    return false;
  }
  auto fail = [&](std::string error) { return abandon(result, HttpResult::Kind::kAuth, std::move(error)); };
  if (exchange.result.status != 401) {
    return fail(fmt::format("the server answered HTTP {} to a request without credentials, where WinRM answers 401: "
                            "check that this address and port are the server's WinRM listener (winrm enumerate "
                            "winrm/config/listener)",
                            exchange.result.status));
  }
  Challenge challenge = negotiate_challenge(exchange.headers.www_authenticate);
  if (!challenge.offered) return fail(not_offered(challenge, settings_.auth));
  if (!handle_->binding_error.empty()) return fail(handle_->binding_error);
  return true;
}

bool WinRmHttp::authenticate(Clock::time_point deadline, HttpResult* result) {
  auto fail = [&](HttpResult::Kind kind, std::string error) { return abandon(result, kind, std::move(error)); };
  auto gss_failed = [&](const gss::Failure& failure) {
    bool local = failure.kind == gss::FailureKind::kNoMechanism || failure.kind == gss::FailureKind::kOther;
    return fail(local ? HttpResult::Kind::kOther : HttpResult::Kind::kAuth, failure.message);
  };
  if (!open_handle(result)) return false;
  handle_->context.reset();
  // Over HTTPS the first token carries the certificate's bindings: one request without credentials
  // opens the connection (WinRM answers 401) and shows the certificate.
  if (https() && !probe(deadline, result)) return false;
  gss::Failure failure;
  auto context = gss::ClientContext::create({.mechanism = mechanism_of(settings_.auth),
                                             .host = settings_.host,
                                             .user = settings_.user,
                                             .password = settings_.password,
                                             .delegate = settings_.delegate,
                                             .channel_bindings = https() ? handle_->channel_bindings : std::string(),
                                             .sealing = settings_.seal},
                                            &failure);
  if (!context) return gss_failed(failure);
  ++authentications_;
  std::string_view mechanism = winrm_auth_name(settings_.auth);
  std::string who = settings_.user.empty() ? std::string("supctl's Kerberos ticket")
                                           : fmt::format("the credentials of '{}'", settings_.user);
  std::string input;
  std::string token;
  constexpr int kMaxLegs = 8;  // NTLM needs 2, Kerberos 1, SPNEGO one more
  for (int leg = 1; leg <= kMaxLegs; ++leg) {
    if (!context->step(input, &token, &failure)) return gss_failed(failure);
    if (token.empty()) {
      return fail(HttpResult::Kind::kAuth,
                  fmt::format("{} authentication produced no token for the server to answer", mechanism));
    }
    // An empty POST carries each leg, as pywinrm sets up encryption: nothing is sent in clear.
    Exchange leg_exchange = perform({}, {}, fmt::format("Negotiate {}", model::base64_encode(token)), deadline);
    if (leg_exchange.result.kind != HttpResult::Kind::kResponse) {
      *result = handshake_failure(std::move(leg_exchange.result));
      handle_.reset();
      return false;
    }
    if ((leg > 1 || https()) && leg_exchange.new_connection) {
      return fail(HttpResult::Kind::kAuth,
                  fmt::format("the server closed the connection in the middle of {} authentication ({} "
                              "authenticates one kept-alive connection): check for a proxy or load balancer "
                              "in between that does not keep connections",
                              mechanism, mechanism));
    }
    Challenge challenge = negotiate_challenge(leg_exchange.headers.www_authenticate);
    if (challenge.malformed) {
      return fail(HttpResult::Kind::kAuth, "the server's Negotiate token is not base64");
    }
    long status = leg_exchange.result.status;
    if (status == 401) {
      if (!challenge.offered) return fail(HttpResult::Kind::kAuth, not_offered(challenge, settings_.auth));
      if (challenge.token.empty()) {
        // Refused after our last token: the credentials, or the account's rights on the server.
        std::string cause =
            context->negotiated() == gss::Mechanism::kNtlm || settings_.auth == WinRmAuth::kNtlm
                ? "logon failure: the user name or password is incorrect, or the account may not use WinRM there"
                : "the server refused the Kerberos ticket, or the account may not use WinRM there";
        return fail(HttpResult::Kind::kAuth,
                    fmt::format("{} ({} refused {} after the last {} token, HTTP 401); the account needs to be "
                                "in Administrators or Remote Management Users on the server{}",
                                cause, "the server", who, mechanism,
                                https() ? "; over HTTPS, a proxy or load balancer in between that opens TLS itself "
                                          "also makes the server refuse it (the certificate supctl saw is not the "
                                          "server's, so the channel binding does not match)"
                                        : ""));
      }
      if (context->complete()) {
        return fail(HttpResult::Kind::kAuth,
                    fmt::format("the server asks for more {} tokens after authentication finished", mechanism));
      }
      input = std::move(challenge.token);
      continue;
    }
    if (status < 200 || status >= 300) {
      return fail(HttpResult::Kind::kAuth,
                  fmt::format("the server answered HTTP {} to {} authentication, where WinRM answers 401 or "
                              "200: check that this address and port are the server's WinRM listener (winrm "
                              "enumerate winrm/config/listener) and that nothing in between answers for it",
                              status, mechanism));
    }
    // A 2xx ends the exchange; its token, if any, is the server's proof (mutual).
    if (!challenge.token.empty()) {
      std::string last;
      if (!context->step(challenge.token, &last, &failure)) return gss_failed(failure);
    }
    if (!context->complete()) {
      return fail(HttpResult::Kind::kAuth,
                  fmt::format("the server answered HTTP {} before {} authentication finished: it did not prove "
                              "who it is (mutual authentication), so supctl does not trust it",
                              status, mechanism));
    }
    if (settings_.delegate && !context->delegated()) {
      return fail(HttpResult::Kind::kAuth,
                  fmt::format("delegate = true, but {} authentication did not delegate supctl's credentials: {}",
                              mechanism,
                              context->negotiated() == gss::Mechanism::kNtlm
                                  ? "Negotiate fell back to NTLM, which cannot delegate (get a Kerberos ticket with kinit, "
                                    "and name the server as its SPN HTTP/<host> is registered)"
                                  : "the Kerberos ticket is not forwardable (kinit -f, or forwardable = true in "
                                    "krb5.conf), or the KDC does not let this account's tickets be forwarded"));
    }
    handle_->context = std::move(context);
    return true;
  }
  return fail(HttpResult::Kind::kAuth,
              fmt::format("{} authentication did not finish within {} exchanges", mechanism, kMaxLegs));
}

HttpResult WinRmHttp::post_negotiated(std::string_view envelope, std::chrono::milliseconds timeout) {
  HttpResult result;
  Clock::time_point deadline = Clock::now() + timeout;
  for (int attempt = 1;; ++attempt) {
    if ((!handle_ || !handle_->context) && !authenticate(deadline, &result)) return result;
    gss::Failure failure;
    std::string body;
    if (settings_.seal && !sealing::seal(*handle_->context, envelope, &body, &failure)) {
      result.kind = HttpResult::Kind::kOther;
      result.error = failure.message;
      handle_.reset();
      return result;
    }
    Exchange exchange = settings_.seal ? perform(body, sealing::content_type(), {}, deadline)
                                       : perform(envelope, {}, {}, deadline);
    if (exchange.result.kind != HttpResult::Kind::kResponse) {
      if (handle_) handle_->context.reset();  // the connection is gone, and its context with it
      return std::move(exchange.result);
    }
    if (exchange.new_connection) {
      // A new connection has no context: whatever it answered, the next message authenticates again.
      std::unique_ptr<gss::ClientContext> stale = std::move(handle_->context);
      if (exchange.result.status == 401 && exchange.sends == 1 && attempt == 1) continue;  // it could not open the message: once more
      if (exchange.sends > 1) {
        // libcurl wrote the message on the old connection before re-sending it on a new one: the
        // server may have run that first copy, so it is not sent a third time.
        result.kind = HttpResult::Kind::kOther;  // not kConnect: that one may be tried again
        result.error = "the connection was lost while the message was sent; it may have run on the server, so supctl "
                       "does not send it again";
        return result;
      }
      handle_->context = std::move(stale);  // kept only to read this answer, dropped below
    }
    if (exchange.result.status == 401) {
      handle_->context.reset();
      result.kind = HttpResult::Kind::kAuth;
      result.error = fmt::format(
          "the server no longer accepts the connection's {} security context (HTTP 401 to an authenticated message)",
          winrm_auth_name(settings_.auth));
      return result;
    }
    result.kind = HttpResult::Kind::kResponse;
    result.status = exchange.result.status;
    if (!settings_.seal) {
      if (exchange.new_connection) handle_->context.reset();
      result.body = std::move(exchange.result.body);
      return result;
    }
    std::unique_ptr<gss::ClientContext> kept;
    if (exchange.new_connection) kept = std::move(handle_->context);  // this answer is read with it, no more
    gss::ClientContext& context = exchange.new_connection ? *kept : *handle_->context;
    if (exchange.result.body.empty()) {
      if (result.status != 200) return result;
      // A sealed request always gets a sealed envelope back: an empty 200 is not WinRM's answer.
      result.kind = HttpResult::Kind::kTampered;
      result.error = "the server answered a sealed message with an empty HTTP 200, not a sealed reply";
      handle_.reset();
      return result;
    }
    if (!sealing::unseal(context, exchange.headers.content_type, exchange.result.body, &result.body,
                         &failure)) {
      if (failure.kind == gss::FailureKind::kOther && result.status != 200) {
        // An error page in clear (HTTP 400, 503, ...): its status is reported, its words not trusted.
        result.body.clear();
        return result;
      }
      result.kind = HttpResult::Kind::kTampered;
      result.body.clear();
      result.error = failure.message;
      handle_.reset();  // sequence numbers are out of step now: a fresh connection and context
      return result;
    }
    return result;
  }
}

}  // namespace supctl::powershell
