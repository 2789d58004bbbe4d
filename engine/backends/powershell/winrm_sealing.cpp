#include "backends/powershell/winrm_sealing.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>

namespace supctl::powershell::sealing {
namespace {

/// No signature or header of NTLM or Kerberos comes near this; a larger prefix is a broken body.
constexpr std::size_t kMaxSignature = 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::string_view unquote(std::string_view value) {
  value = trim(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  return value;
}

/// The value of `name=` in a `;`-separated list (case-insensitive name), or nullopt.
std::optional<std::string_view> parameter(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    std::size_t end = list.find(';');
    std::string_view item = trim(list.substr(0, end));
    std::size_t equals = item.find('=');
    if (equals != std::string_view::npos && iequals(trim(item.substr(0, equals)), name)) {
      return unquote(item.substr(equals + 1));
    }
    if (end == std::string_view::npos) break;
    list.remove_prefix(end + 1);
  }
  return std::nullopt;
}

/// `--boundary\r\n` at `at` in `body` (spaces allowed after the dashes, as some servers write it);
/// the offset just past it, or npos.
std::size_t boundary_line(std::string_view body, std::size_t at, std::string_view boundary) {
  if (body.substr(at, 2) != "--") return std::string_view::npos;
  at += 2;
  while (at < body.size() && (body[at] == ' ' || body[at] == '\t')) ++at;
  if (body.substr(at, boundary.size()) != boundary) return std::string_view::npos;
  at += boundary.size();
  if (body.substr(at, 2) != "\r\n") return std::string_view::npos;
  return at + 2;
}

}  // namespace

std::string content_type() {
  return fmt::format("multipart/encrypted;protocol=\"{}\";boundary=\"{}\"", kSpnegoProtocol, kBoundary);
}

std::string frame(std::size_t original_length, std::string_view signature, std::string_view data) {
  std::string body;
  body.reserve(200 + signature.size() + data.size());
  body += fmt::format(
      "--{0}\r\n\tContent-Type: {1}\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length={2}\r\n"
      "--{0}\r\n\tContent-Type: application/octet-stream\r\n",
      kBoundary, kSpnegoProtocol, original_length);
  auto size = static_cast<std::uint32_t>(signature.size());
  for (int shift = 0; shift < 32; shift += 8) body += static_cast<char>((size >> shift) & 0xFF);
  body += signature;
  body += data;
  body += fmt::format("--{}--\r\n", kBoundary);
  return body;
}

bool sealed_content_type(std::string_view content_type, std::string* boundary, std::string* error) {
  error->clear();
  std::size_t semicolon = content_type.find(';');
  std::string_view type = trim(content_type.substr(0, semicolon));
  std::string_view rest = semicolon == std::string_view::npos ? std::string_view() : content_type.substr(semicolon + 1);
  if (iequals(type, "multipart/x-multi-encrypted")) {
    *error =
        "the server sent a message sealed in several chunks (multipart/x-multi-encrypted), which only CredSSP uses";
    return false;
  }
  if (!iequals(type, "multipart/encrypted")) return false;
  auto protocol = parameter(rest, "protocol");
  if (!protocol || !(iequals(*protocol, kSpnegoProtocol) || iequals(*protocol, kKerberosProtocol))) {
    *error = fmt::format("the server sealed its message with protocol '{}', not '{}'",
                         protocol ? std::string(*protocol) : std::string("(none)"), kSpnegoProtocol);
    return false;
  }
  auto value = parameter(rest, "boundary");
  if (!value || value->empty()) {
    *error = "the server's sealed message names no boundary";
    return false;
  }
  *boundary = std::string(*value);
  return true;
}

bool parse(std::string_view body, std::string_view boundary, Part* out, std::string* error) {
  std::size_t at = boundary_line(body, 0, boundary);
  if (at == std::string_view::npos) {
    *error = fmt::format("the sealed message does not start with the boundary '--{}'", boundary);
    return false;
  }
  // The first part's headers: ASCII lines up to the next boundary line.
  std::string marker = fmt::format("--{}\r\n", boundary);
  std::size_t second = std::string_view::npos;
  bool have_length = false;
  for (;;) {
    std::size_t line_end = body.find("\r\n", at);
    if (line_end == std::string_view::npos) {
      *error = "the sealed message ends inside its headers";
      return false;
    }
    std::size_t next = boundary_line(body, at, boundary);
    if (next != std::string_view::npos) {
      second = next;
      break;
    }
    std::string_view line = trim(body.substr(at, line_end - at));
    at = line_end + 2;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Content-Type")) out->protocol = std::string(value);
    if (iequals(name, "OriginalContent")) {
      auto length = parameter(value, "Length");
      if (!length || length->empty() || length->size() > 10 ||
          !std::all_of(length->begin(), length->end(), [](char c) { return c >= '0' && c <= '9'; })) {
        *error = "the sealed message's OriginalContent has no valid Length=";
        return false;
      }
      out->length = std::stoull(std::string(*length));
      have_length = true;
    }
  }
  if (!have_length) {
    *error = "the sealed message has no OriginalContent with its Length=";
    return false;
  }
  if (!(iequals(out->protocol, kSpnegoProtocol) || iequals(out->protocol, kKerberosProtocol))) {
    *error = fmt::format("the sealed message's part is '{}', not '{}'", out->protocol, kSpnegoProtocol);
    return false;
  }
  // The second part: its one header line, then the binary payload.
  at = second;
  std::size_t line_end = body.find("\r\n", at);
  if (line_end == std::string_view::npos ||
      !iequals(trim(body.substr(at, line_end - at)), "Content-Type: application/octet-stream")) {
    *error = "the sealed message's second part is not application/octet-stream";
    return false;
  }
  at = line_end + 2;
  // The closing boundary, found from the end: `--B--\r\n`, or `--B\r\n` as older clients write it.
  std::size_t end = std::string_view::npos;
  for (std::string closing : {fmt::format("--{}--\r\n", boundary), marker}) {
    if (body.size() >= at + closing.size() && body.ends_with(closing)) {
      end = body.size() - closing.size();
      break;
    }
  }
  if (end == std::string_view::npos) {
    *error = fmt::format("the sealed message does not end with the boundary '--{}--'", boundary);
    return false;
  }
  if (end - at < 4) {
    *error = "the sealed message is cut short: no signature length";
    return false;
  }
  std::uint32_t size = 0;
  for (int i = 3; i >= 0; --i) size = (size << 8) | static_cast<unsigned char>(body[at + static_cast<std::size_t>(i)]);
  at += 4;
  if (size > kMaxSignature || size > end - at) {
    *error = fmt::format("the sealed message is cut short: a {}-byte signature in {} bytes", size, end - at);
    return false;
  }
  out->signature = body.substr(at, size);
  out->data = body.substr(at + size, end - at - size);
  return true;
}

bool seal(gss::ClientContext& context, std::string_view envelope, std::string* body, gss::Failure* failure) {
  gss::Sealed sealed;
  if (!context.wrap(envelope, &sealed, failure)) return false;
  *body = frame(envelope.size() + sealed.padding, sealed.signature, sealed.data);
  return true;
}

bool unseal(gss::ClientContext& context, std::string_view content_type, std::string_view body, std::string* envelope,
            gss::Failure* failure) {
  std::string boundary;
  std::string error;
  if (!sealed_content_type(content_type, &boundary, &error)) {
    failure->kind = error.empty() ? gss::FailureKind::kOther : gss::FailureKind::kTampered;
    failure->message = error.empty() ? fmt::format(
                                           "the server answered a sealed request in clear (Content-Type '{}'), "
                                           "which supctl does not accept",
                                           content_type)
                                     : error;
    return false;
  }
  Part part;
  if (!parse(body, boundary, &part, &error)) {
    failure->kind = gss::FailureKind::kTampered;
    failure->message = error;
    return false;
  }
  if (!context.unwrap(part.signature, part.data, envelope, failure)) return false;
  if (envelope->size() != part.length) {
    failure->kind = gss::FailureKind::kTampered;
    failure->message =
        fmt::format("the sealed message says Length={} but holds {} bytes once opened: it was changed on the way",
                    part.length, envelope->size());
    envelope->clear();
    return false;
  }
  return true;
}

}  // namespace supctl::powershell::sealing
