#pragma once
// A scripted WS-Management endpoint for the WinRM transport's tests: an HTTP/1.1 server on a
// loopback port (plain, or TLS with a self-signed certificate made by the openssl command), one
// thread per connection, that records every request and answers through a handler. FakeWinRs is
// such a handler: a WinRS shell service whose answers can be scripted step by step.
//
// With NegotiateOptions the responder is Windows' default listener (HTTP, AllowUnencrypted =
// false): a GSS-API acceptor for `Authorization: Negotiate` (and `Kerberos`) whose context belongs
// to the TCP connection, that unseals every request body before the handler sees it and seals
// every answer (MS-WSMV 2.2.9.1; tests/support/sealed_message.h, tests/support/gss_acceptor.h).
// Over TLS it is the HTTPS listener: bodies in clear, and the authentication checked against the
// channel bindings of its certificate (RFC 5929 tls-server-end-point, Extended Protection).

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <pugixml.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "support/gss_acceptor.h"
#include "support/sealed_message.h"

namespace supctl::test {

// ---- base64, independent of the code under test ----

inline std::string b64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= std::uint8_t(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

inline std::string b64_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+'             ? 62
            : c == '/'             ? 63
                                   : -1;
    if (v < 0) continue;
    buffer = (buffer << 6) | std::uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

// ---- a self-signed certificate for 127.0.0.1 ----

/// A key and certificate in a temporary directory, made once per test program and removed at exit.
struct TestCertificate {
  std::filesystem::path dir;
  std::filesystem::path cert;
  std::filesystem::path key;
  /// Channel bindings' application data: "tls-server-end-point:" and the certificate's SHA-256 (its
  /// signature's hash), from `openssl x509 -fingerprint`.
  std::string channel_bindings;

  static const TestCertificate& get() {
    static const TestCertificate instance;
    return instance;
  }

  TestCertificate(const TestCertificate&) = delete;
  TestCertificate& operator=(const TestCertificate&) = delete;
  ~TestCertificate() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

 private:
  TestCertificate()
      : dir(std::filesystem::temp_directory_path() / fmt::format("supctl-winrm-test-{}", getpid())),
        cert(dir / "cert.pem"),
        key(dir / "key.pem") {
    std::filesystem::create_directories(dir);
    std::string command = fmt::format(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout '{}' -out '{}' >/dev/null 2>&1",
        key.string(), cert.string());
    if (std::system(command.c_str()) != 0 || !std::filesystem::exists(cert)) {
      throw std::runtime_error("openssl req could not make a test certificate: " + command);
    }
    channel_bindings = "tls-server-end-point:" + fingerprint(cert, "sha256");
  }

 public:
  /// The certificate's hash by `openssl x509 -fingerprint -<digest>`, as bytes.
  static std::string fingerprint(const std::filesystem::path& certificate, std::string_view digest) {
    std::string command = fmt::format("openssl x509 -in '{}' -noout -fingerprint -{}", certificate.string(), digest);
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("could not run " + command);
    std::string text;
    char chunk[256];
    while (std::fgets(chunk, sizeof chunk, pipe)) text += chunk;
    pclose(pipe);
    std::string bytes;
    std::size_t equals = text.find('=');
    for (std::size_t i = equals == std::string::npos ? text.size() : equals + 1; i + 1 < text.size(); i += 3) {
      bytes += static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16));
    }
    if (bytes.empty()) throw std::runtime_error("no fingerprint from " + command + ": " + text);
    return bytes;
  }
};

// ---- libssl, loaded at run time ----

/// The few libssl functions the TLS responder uses. The test program links libcurl, which loads
/// libssl, but not libssl itself; so they are looked up rather than linked.
struct LibSsl {
  decltype(&SSL_CTX_new) ctx_new = nullptr;
  decltype(&TLS_server_method) server_method = nullptr;
  decltype(&SSL_CTX_use_certificate_file) use_certificate = nullptr;
  decltype(&SSL_CTX_use_PrivateKey_file) use_key = nullptr;
  decltype(&SSL_CTX_free) ctx_free = nullptr;
  decltype(&SSL_new) create = nullptr;
  decltype(&SSL_set_fd) set_fd = nullptr;
  decltype(&SSL_accept) accept = nullptr;
  decltype(&SSL_read) read = nullptr;
  decltype(&SSL_write) write = nullptr;
  decltype(&SSL_pending) pending = nullptr;
  decltype(&SSL_shutdown) shutdown = nullptr;
  decltype(&SSL_free) free = nullptr;
  decltype(&SSL_CTX_set_alpn_select_cb) set_alpn_select = nullptr;

  static const LibSsl& get() {
    static const LibSsl instance;
    return instance;
  }

 private:
  LibSsl() {
    void* library = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!library) throw std::runtime_error("the test responder could not load libssl.so.3");
    load(library, ctx_new, "SSL_CTX_new");
    load(library, server_method, "TLS_server_method");
    load(library, use_certificate, "SSL_CTX_use_certificate_file");
    load(library, use_key, "SSL_CTX_use_PrivateKey_file");
    load(library, ctx_free, "SSL_CTX_free");
    load(library, create, "SSL_new");
    load(library, set_fd, "SSL_set_fd");
    load(library, accept, "SSL_accept");
    load(library, read, "SSL_read");
    load(library, write, "SSL_write");
    load(library, pending, "SSL_pending");
    load(library, shutdown, "SSL_shutdown");
    load(library, free, "SSL_free");
    load(library, set_alpn_select, "SSL_CTX_set_alpn_select_cb");
  }
  template <typename F>
  static void load(void* library, F& function, const char* name) {
    function = reinterpret_cast<F>(dlsym(library, name));
    if (!function) throw std::runtime_error(std::string("libssl.so.3 lacks ") + name);
  }
};

// ---- HTTP ----

struct HttpRequest {
  int connection = 0;  ///< which TCP connection brought it: 1, 2, ... in accept order
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lowercased, in order
  std::string body;       ///< as the handler saw it: unsealed when `sealed`
  bool sealed = false;    ///< it arrived sealed (multipart/encrypted) and was unsealed
  std::string wire_body;  ///< the body as it came on the wire, when `sealed`
  /// Why the responder refused it without handing it to the handler ("" when the handler answered):
  /// a seal that does not verify, a Length= that lies, a body in clear where sealing is required.
  std::string rejection;

  /// The value of a header (name case-insensitive); "" when absent.
  std::string header(std::string_view name) const {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const auto& [n, v] : headers) {
      if (n == lower) return v;
    }
    return {};
  }
  bool has_header(std::string_view name) const {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return h.first == lower; });
  }
};

struct Reply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool chunked = false;  ///< Transfer-Encoding: chunked, in 64-byte chunks
  bool hang = false;     ///< never answer: hold the connection until the client leaves or the responder stops
  bool drop = false;     ///< never answer: close the connection at once (a server that went away mid-request)
};

using Handler = std::function<Reply(const HttpRequest&)>;

/// The responder as a GSS-API acceptor: on plain HTTP as WinRM ships on Windows, or over TLS.
struct NegotiateOptions {
  std::vector<std::string> challenges{"Negotiate", "Kerberos"};  ///< WWW-Authenticate schemes offered on a 401
  /// Plain HTTP: false handles an authenticated body in clear (AllowUnencrypted = true). Over TLS
  /// bodies are always in clear.
  bool require_sealing = true;
  /// Over TLS, the channel bindings the acceptor checks tokens against: by default the
  /// certificate's (TestCertificate::channel_bindings); others stand for a machine in between that
  /// opens TLS itself; "" checks none.
  std::optional<std::string> channel_bindings;
  /// Over TLS, refuses a context whose client sent no channel bindings (CbtHardeningLevel = Strict);
  /// without it, as with Relaxed, bindings that do not match are refused and missing ones let through.
  bool require_channel_binding = false;
};

/// One security context the responder established.
struct Authentication {
  int connection = 0;
  std::string scheme;     ///< of the Authorization header that completed it: "Negotiate" or "Kerberos"
  std::string mechanism;  ///< "kerberos" or "ntlm" (through SPNEGO or raw)
  std::string principal;  ///< the client: "alice@SUPCTL.TEST" (Kerberos) or "DOMAIN\\user" (NTLM)
  bool delegation_flag = false;       ///< the client offered delegation (GSS_C_DELEG_FLAG)
  bool delegated_credential = false;  ///< and a delegated credential arrived
  bool confidentiality = false;       ///< GSS_C_CONF_FLAG: the context can seal
  bool channel_bound = false;         ///< the client's bindings were checked and matched (GSS_C_CHANNEL_BOUND_FLAG)
};

class WsmanResponder {
 public:
  /// Listens on 127.0.0.1 at a free port; with `tls`, speaks HTTPS with TestCertificate.
  /// With `negotiate`, demands GSS-API authentication (and, on plain HTTP, sealing).
  WsmanResponder(Handler handler, bool tls, std::optional<NegotiateOptions> negotiate = std::nullopt)
      : handler_(std::move(handler)), negotiate_(std::move(negotiate)) {
    signal(SIGPIPE, SIG_IGN);  // a client that left must not end the test program
    if (tls && negotiate_) {
      negotiate_->require_sealing = false;
      if (!negotiate_->channel_bindings) negotiate_->channel_bindings = TestCertificate::get().channel_bindings;
    }
    if (tls) {
      const TestCertificate& certificate = TestCertificate::get();
      const LibSsl& tls_library = LibSsl::get();
      ssl_ = tls_library.ctx_new(tls_library.server_method());
      if (!ssl_ || tls_library.use_certificate(ssl_, certificate.cert.c_str(), SSL_FILETYPE_PEM) != 1 ||
          tls_library.use_key(ssl_, certificate.key.c_str(), SSL_FILETYPE_PEM) != 1) {
        throw std::runtime_error("the test responder could not load its certificate");
      }
      tls_library.set_alpn_select(ssl_, &WsmanResponder::record_alpn, this);
    }
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener_, 16) != 0) {
      throw std::runtime_error("the test responder could not listen");
    }
    socklen_t length = sizeof address;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~WsmanResponder() { stop(); }
  WsmanResponder(const WsmanResponder&) = delete;
  WsmanResponder& operator=(const WsmanResponder&) = delete;

  int port() const { return port_; }

  /// Every request the handler answered, and (with NegotiateOptions) every request refused
  /// with a `rejection`; not the bodiless requests of a handshake.
  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  /// The security contexts established, in order (with NegotiateOptions).
  std::vector<Authentication> authentications() const {
    std::lock_guard lock(mutex_);
    return authentications_;
  }

  /// The handshakes refused: gss_accept_sec_context's error for each (with NegotiateOptions).
  std::vector<std::string> refused_handshakes() const {
    std::lock_guard lock(mutex_);
    return refused_handshakes_;
  }

  /// Over TLS, the application protocols each client offered (ALPN), comma-separated, in order;
  /// "" for a client that offered none. The responder selects none: HTTP/1.1.
  std::vector<std::string> alpn_offers() const {
    std::lock_guard lock(mutex_);
    return alpn_offers_;
  }

  /// Stops listening, releases hanging replies and joins every thread. Idempotent.
  void stop() {
    if (stopping_.exchange(true)) return;
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> connections;
    {
      std::lock_guard lock(mutex_);
      connections.swap(connections_);
    }
    for (auto& t : connections) t.join();
    if (listener_ >= 0) close(listener_);
    if (ssl_) LibSsl::get().ctx_free(ssl_);
    ssl_ = nullptr;
  }

  /// A loopback port where nothing listens (bound, then closed).
  static int closed_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    return ntohs(address.sin_port);
  }

 private:
  static int record_alpn(SSL*, const unsigned char**, unsigned char*, const unsigned char* in, unsigned int length,
                         void* self) {
    std::string offered;
    for (unsigned int i = 0; i < length; i += 1u + in[i]) {
      if (!offered.empty()) offered += ',';
      offered.append(reinterpret_cast<const char*>(in + i + 1), std::min<unsigned int>(in[i], length - i - 1));
    }
    auto* responder = static_cast<WsmanResponder*>(self);
    std::lock_guard lock(responder->mutex_);
    responder->alpn_offers_.push_back(std::move(offered));
    return SSL_TLSEXT_ERR_NOACK;  // no protocol selected: HTTP/1.1
  }

  /// One accepted connection, plain or TLS.
  struct Connection {
    int fd = -1;
    SSL* ssl = nullptr;
    ~Connection() {
      if (ssl) {
        LibSsl::get().shutdown(ssl);
        LibSsl::get().free(ssl);
      }
      if (fd >= 0) close(fd);
    }
    /// Reads what is there; 0 when the peer closed, -1 on error, -2 when `stop` was raised first.
    long read_some(char* buffer, std::size_t size, const std::atomic<bool>& stop) {
      while (!(ssl && LibSsl::get().pending(ssl) > 0)) {
        if (stop) return -2;
        pollfd p{fd, POLLIN, 0};
        int ready = poll(&p, 1, 20);
        if (ready > 0) break;
        if (ready < 0) return -1;
      }
      if (ssl) {
        int n = LibSsl::get().read(ssl, buffer, static_cast<int>(size));
        return n > 0 ? n : 0;
      }
      return recv(fd, buffer, size, 0);
    }
    bool write_all(std::string_view data) {
      while (!data.empty()) {
        long n = ssl ? LibSsl::get().write(ssl, data.data(), static_cast<int>(data.size()))
                     : send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
      }
      return true;
    }
  };

  void accept_loop() {
    int count = 0;
    while (!stopping_) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      timeval limit{5, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
      int id = ++count;
      std::lock_guard lock(mutex_);
      connections_.emplace_back([this, fd, id] { serve(fd, id); });
    }
  }

  void serve(int fd, int id) {
    Connection connection;
    connection.fd = fd;
    if (ssl_) {
      const LibSsl& tls_library = LibSsl::get();
      connection.ssl = tls_library.create(ssl_);
      tls_library.set_fd(connection.ssl, fd);
      if (tls_library.accept(connection.ssl) != 1) {
        return;  // the client refused the certificate, or went away
      }
    }
    std::string buffer;
    char chunk[65536];
    GssAcceptor gss;  // the connection's security context (NegotiateOptions)
    for (;;) {
      // The head.
      std::size_t head_end;
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        long n = connection.read_some(chunk, sizeof chunk, stopping_);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      HttpRequest request;
      request.connection = id;
      std::string_view head(buffer.data(), head_end);
      std::size_t line_end = head.find("\r\n");
      std::string_view line = head.substr(0, line_end);
      auto space1 = line.find(' ');
      auto space2 = line.find(' ', space1 + 1);
      request.method = std::string(line.substr(0, space1));
      request.target = std::string(line.substr(space1 + 1, space2 - space1 - 1));
      std::size_t length = 0;
      while (line_end != std::string_view::npos && line_end < head.size()) {
        std::size_t next = head.find("\r\n", line_end + 2);
        std::string_view field =
            head.substr(line_end + 2, (next == std::string_view::npos ? head.size() : next) - line_end - 2);
        line_end = next;
        auto colon = field.find(':');
        if (colon == std::string_view::npos) continue;
        std::string name(field.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string_view value = field.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (name == "content-length") length = std::stoul(std::string(value));
        request.headers.emplace_back(name, std::string(value));
      }
      buffer.erase(0, head_end + 4);
      // The body (libcurl sends POSTFIELDS with a Content-Length).
      while (buffer.size() < length) {
        long n = connection.read_some(chunk, sizeof chunk, stopping_);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      request.body = buffer.substr(0, length);
      buffer.erase(0, length);
      Reply reply;
      if (negotiate_) {
        reply = negotiated(gss, request);
      } else {
        {
          std::lock_guard lock(mutex_);
          requests_.push_back(request);
        }
        reply = handler_(request);
      }
      if (reply.hang) {
        while (connection.read_some(chunk, sizeof chunk, stopping_) > 0) {
        }
        return;
      }
      if (reply.drop) return;
      if (!connection.write_all(render(reply))) return;
    }
  }

  /// A request under NegotiateOptions: the handshake, then unsealing, the handler, and sealing.
  Reply negotiated(GssAcceptor& gss, HttpRequest& request) {
    auto challenge = [&] {
      Reply reply{.status = 401};
      for (const std::string& scheme : negotiate_->challenges) reply.headers.emplace_back("WWW-Authenticate", scheme);
      return reply;
    };
    auto refuse = [&](std::string why) {
      request.rejection = std::move(why);
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      return Reply{.status = 400};
    };
    std::string mutual;  // the last token for the client, sent with the answer that completes the handshake
    if (const std::string authorization = request.header("Authorization"); !authorization.empty()) {
      const std::size_t space = authorization.find(' ');
      const std::string scheme = authorization.substr(0, space);
      const std::string token = space == std::string::npos ? std::string() : b64_decode(authorization.substr(space + 1));
      GssAcceptor::Step step = gss.accept(token, negotiate_->channel_bindings.value_or(std::string()));
      if (step.error.empty() && step.complete && negotiate_->require_channel_binding && !gss.channel_bound()) {
        step.error = "the client sent no channel bindings, and this listener requires them (CbtHardeningLevel = Strict)";
        gss.reset();
      }
      if (!step.error.empty()) {
        std::lock_guard lock(mutex_);
        refused_handshakes_.push_back(step.error);
        return challenge();
      }
      if (!step.complete) return {.status = 401, .headers = {{"WWW-Authenticate", scheme + " " + b64_encode(step.token)}}};
      {
        std::lock_guard lock(mutex_);
        authentications_.push_back({request.connection, scheme, gss.mechanism(), gss.principal(), gss.delegation_flag(),
                                    gss.delegated_credential(), gss.confidentiality(), gss.channel_bound()});
      }
      if (!step.token.empty()) mutual = scheme + " " + b64_encode(step.token);
    }
    if (!gss.complete()) return challenge();
    auto with_mutual = [&](Reply reply) {
      if (!mutual.empty()) reply.headers.emplace_back("WWW-Authenticate", mutual);
      return reply;
    };
    if (request.body.empty()) return with_mutual(Reply{});  // the handshake's own empty POST
    if (sealed::is_sealed_content_type(request.header("Content-Type"))) {
      std::string error;
      std::optional<sealed::Message> message = sealed::parse(request.body, &error);
      if (!message) return refuse(error);
      std::optional<std::string> plain = gss.unseal({message->signature, message->data}, &error);
      if (!plain) return refuse(error);
      if (plain->size() != message->declared_length) {
        return refuse(fmt::format("Length={} but the unsealed message has {} bytes", message->declared_length, plain->size()));
      }
      request.wire_body = std::exchange(request.body, std::move(*plain));
      request.sealed = true;
    } else if (negotiate_->require_sealing) {
      return refuse("a body in clear where every message must be sealed");
    }
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    Reply reply = handler_(request);
    if (request.sealed && !reply.body.empty()) {
      std::string error;
      std::optional<GssAcceptor::Sealed> sealed_reply = gss.seal(reply.body, &error);
      if (!sealed_reply) throw std::runtime_error("the test responder could not seal its answer: " + error);
      reply.body = sealed::frame(reply.body.size(), sealed_reply->signature, sealed_reply->data);
      reply.headers.emplace_back("Content-Type", std::string(sealed::kContentType));
    }
    return with_mutual(std::move(reply));
  }

  static std::string render(const Reply& reply) {
    std::string_view reason = reply.status == 200   ? "OK"
                              : reply.status == 400 ? "Bad Request"
                              : reply.status == 401 ? "Unauthorized"
                              : reply.status == 500 ? "Internal Server Error"
                                                    : "Status";
    std::string out = fmt::format("HTTP/1.1 {} {}\r\nServer: Microsoft-HTTPAPI/2.0\r\n", reply.status, reason);
    const bool typed = std::any_of(reply.headers.begin(), reply.headers.end(), [](const auto& h) {
      return h.first.size() == 12 && strncasecmp(h.first.c_str(), "Content-Type", 12) == 0;
    });
    if (!reply.body.empty() && !typed) out += "Content-Type: application/soap+xml;charset=UTF-8\r\n";
    for (const auto& [name, value] : reply.headers) out += fmt::format("{}: {}\r\n", name, value);
    if (reply.chunked) {
      out += "Transfer-Encoding: chunked\r\n\r\n";
      for (std::size_t i = 0; i < reply.body.size(); i += 64) {
        std::string_view piece = std::string_view(reply.body).substr(i, 64);
        out += fmt::format("{:x}\r\n{}\r\n", piece.size(), piece);
      }
      out += "0\r\n\r\n";
    } else {
      out += fmt::format("Content-Length: {}\r\n\r\n{}", reply.body.size(), reply.body);
    }
    return out;
  }

  Handler handler_;
  std::optional<NegotiateOptions> negotiate_;
  SSL_CTX* ssl_ = nullptr;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<std::thread> connections_;
  std::vector<HttpRequest> requests_;
  std::vector<Authentication> authentications_;
  std::vector<std::string> refused_handshakes_;
  std::vector<std::string> alpn_offers_;
};

// ---- WS-Management envelopes, shaped as WinRS sends them ----

namespace wsman_reply {

inline constexpr std::string_view kFaultAction = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault";

/// The a:MessageID of a request supctl sent ("" when it has none).
inline std::string message_id(const HttpRequest& request) {
  pugi::xml_document doc;
  doc.load_buffer(request.body.data(), request.body.size());
  return doc.select_node("/env:Envelope/env:Header/a:MessageID").node().text().get();
}

/// The a:Action of a request supctl sent.
inline std::string action(const HttpRequest& request) {
  pugi::xml_document doc;
  doc.load_buffer(request.body.data(), request.body.size());
  return doc.select_node("/env:Envelope/env:Header/a:Action").node().text().get();
}

/// The last segment of the action URI: Create, Command, Send, Receive, Signal, Delete.
inline std::string step(const HttpRequest& request) {
  std::string uri = action(request);
  return uri.substr(uri.rfind('/') + 1);
}

inline std::string envelope(const HttpRequest& request, std::string_view response_action, std::string_view body) {
  return fmt::format(
      R"(<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" )"
      R"(xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" )"
      R"(xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" )"
      R"(xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"><s:Header><a:Action>{}</a:Action>)"
      R"(<a:MessageID>uuid:0F0E0D0C-0000-4000-8000-000000000001</a:MessageID>)"
      R"(<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>{}</a:RelatesTo>)"
      R"(</s:Header><s:Body>{}</s:Body></s:Envelope>)",
      response_action, message_id(request), body);
}

inline Reply created(const HttpRequest& request, std::string_view shell_id) {
  return {
      .body = envelope(
          request, "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse",
          fmt::format(
              R"(<x:ResourceCreated><a:Address>https://sup01.contoso.com:5986/wsman</a:Address>)"
              R"(<a:ReferenceParameters><w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI>)"
              R"(<w:SelectorSet><w:Selector Name="ShellId">{}</w:Selector></w:SelectorSet></a:ReferenceParameters>)"
              R"(</x:ResourceCreated><rsp:Shell><rsp:ShellId>{}</rsp:ShellId></rsp:Shell>)",
              shell_id, shell_id))};
}

inline Reply command_started(const HttpRequest& request, std::string_view command_id) {
  return {.body = envelope(
              request, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse",
              fmt::format("<rsp:CommandResponse><rsp:CommandId>{}</rsp:CommandId></rsp:CommandResponse>", command_id))};
}

inline Reply empty(const HttpRequest& request, std::string_view response_action, std::string_view body = {}) {
  return {.body = envelope(request, response_action, body)};
}

struct Stream {
  std::string name;  ///< stdout or stderr
  std::string bytes;
  bool end = false;
};

/// A ReceiveResponse with these streams; with an exit code, the CommandState is Done.
inline Reply output(const HttpRequest& request, std::string_view command_id, const std::vector<Stream>& streams,
                    std::optional<std::string> exit_code = std::nullopt) {
  std::string body = "<rsp:ReceiveResponse>";
  for (const Stream& s : streams) {
    body += fmt::format(R"(<rsp:Stream Name="{}" CommandId="{}"{}>{}</rsp:Stream>)", s.name, command_id,
                        s.end ? R"( End="true")" : "", b64_encode(s.bytes));
  }
  if (exit_code) {
    body += fmt::format(
        R"(<rsp:CommandState CommandId="{}" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done">)"
        R"(<rsp:ExitCode>{}</rsp:ExitCode></rsp:CommandState>)",
        command_id, *exit_code);
  } else {
    body += fmt::format(
        R"(<rsp:CommandState CommandId="{}" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"/>)",
        command_id);
  }
  body += "</rsp:ReceiveResponse>";
  return {.body = envelope(request, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse", body)};
}

/// A SOAP fault (HTTP 500) with a WSManFault detail, as WinRM sends them.
inline Reply fault(const HttpRequest& request, std::string_view subcode, std::uint64_t code, std::string_view message) {
  std::string body = fmt::format(
      R"(<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>{}</s:Value></s:Subcode></s:Code>)"
      R"(<s:Reason><s:Text xml:lang="en-US">{} </s:Text></s:Reason><s:Detail>)"
      R"(<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="{}" Machine="sup01.contoso.com">)"
      R"(<f:Message>{} </f:Message></f:WSManFault></s:Detail></s:Fault>)",
      subcode, message, code, message);
  return {.status = 500, .body = envelope(request, kFaultAction, body)};
}

inline Reply operation_timeout(const HttpRequest& request) {
  return fault(
      request, "w:TimedOut", 2150858793,
      "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.");
}

inline Reply quota(const HttpRequest& request) {
  return fault(request, "w:InternalError", 2150859174,
               "The WS-Management service cannot process the request. This user is allowed a maximum number of 25 "
               "concurrent operations, which has been exceeded. Close existing operations for this user, or raise the "
               "quota for this user (MaxConcurrentOperationsPerUser).");
}

}  // namespace wsman_reply

/// A WinRS service: shells "shell-1", "shell-2", ... and commands "command-1", ...; each step
/// answers from its script first (in order), then as a healthy server running supctl's session
/// bootstrap would: Send's stdin frames are answered (see `answer`), and Receive returns those
/// answers, or "done, exit code 0, no output" when there are none.
class FakeWinRs {
 public:
  using Step = std::function<Reply(const HttpRequest&, const std::string& id)>;  ///< id: the current command

  std::deque<Step> creates, commands, sends, receives, signals, deletes;

  Reply operator()(const HttpRequest& request) {
    std::lock_guard lock(mutex_);
    std::string name = wsman_reply::step(request);
    auto scripted = [&](std::deque<Step>& queue) -> std::optional<Reply> {
      if (queue.empty()) return std::nullopt;
      Step step = std::move(queue.front());
      queue.pop_front();
      return step(request, command_id_);
    };
    namespace r = wsman_reply;
    if (name == "Create") {
      if (auto reply = scripted(creates)) return *reply;
      return r::created(request, fmt::format("shell-{}", ++shells_));
    }
    if (name == "Command") {
      if (auto reply = scripted(commands)) return *reply;
      command_id_ = fmt::format("command-{}", ++commands_);
      return r::command_started(request, command_id_);
    }
    if (name == "Send") {
      if (auto reply = scripted(sends)) return *reply;
      take_stdin(request);
      return r::empty(request, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SendResponse",
                      "<rsp:SendResponse/>");
    }
    if (name == "Receive") {
      if (auto reply = scripted(receives)) return *reply;
      if (!stdout_.empty()) return r::output(request, command_id_, {{"stdout", std::exchange(stdout_, std::string())}});
      return r::output(request, command_id_, {}, "0");
    }
    if (name == "Signal") {
      if (auto reply = scripted(signals)) return *reply;
      return r::empty(request, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SignalResponse",
                      "<rsp:SignalResponse/>");
    }
    if (name == "Delete") {
      if (auto reply = scripted(deletes)) return *reply;
      return r::empty(request, "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse");
    }
    return {.status = 400, .body = "unknown action " + name};
  }

  /// What a request frame is answered with (its script and JSON given) by default.
  std::function<std::string(const std::string& script, const std::string& json)> answer =
      [](const std::string&, const std::string&) { return std::string("{\"ok\":true}"); };
  std::vector<std::pair<std::string, std::string>> frames;  ///< the requests received: script and JSON

 private:
  /// Reads the stdin a Send carries as the session bootstrap would: each complete request frame
  /// (engine/backends/powershell/protocol.h) is answered between its nonce's lines on stdout.
  void take_stdin(const HttpRequest& request) {
    pugi::xml_document doc;
    if (!doc.load_string(request.body.c_str())) return;
    for (pugi::xpath_node stream : doc.select_nodes("//*[local-name()='Stream']")) stdin_ += b64_decode(stream.node().text().get());
    constexpr std::size_t kHeader = 75;
    while (stdin_.size() >= kHeader) {
      if (stdin_[7] != 'R') {
        stdin_.clear();
        break;
      }
      const std::size_t script = std::stoul(stdin_.substr(42, 10));
      const std::size_t json = std::stoul(stdin_.substr(53, 10));
      if (stdin_.size() < kHeader + script + json) break;
      const std::string nonce = stdin_.substr(9, 32);
      frames.emplace_back(stdin_.substr(kHeader, script), stdin_.substr(kHeader + script, json));
      stdin_.erase(0, kHeader + script + json);
      stdout_ += "\n--- supctl response " + nonce + " begin ---\n" + answer(frames.back().first, frames.back().second) +
                 "\n--- supctl response " + nonce + " end ---\n";
    }
  }

  std::mutex mutex_;
  int shells_ = 0;
  int commands_ = 0;
  std::string command_id_;
  std::string stdin_;   ///< received, not yet a complete frame
  std::string stdout_;  ///< answers not yet received
};

}  // namespace supctl::test
