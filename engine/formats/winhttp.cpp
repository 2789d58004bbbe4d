#include "formats/winhttp.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "model/text.h"

namespace supctl::formats {
namespace {


/// Fixed part of the blob: version, counter, flags, proxy length.
constexpr std::size_t kHeaderSize = 16;
constexpr std::uint32_t kFlagDirect = 0x1;  ///< PROXY_TYPE_DIRECT; netsh always sets it
constexpr std::uint32_t kFlagProxy = 0x2;   ///< PROXY_TYPE_PROXY: the proxy string is used
constexpr std::uint32_t kEncodeVersion = 0x28;

/// The lines of `netsh winhttp show proxy`, as Windows prints them in English.
constexpr std::string_view kNetshHeader = "Current WinHTTP proxy settings:";
constexpr std::string_view kNetshDirect = "Direct access (no proxy server).";
constexpr std::string_view kNetshProxyLabel = "Proxy Server(s)";
constexpr std::string_view kNetshBypassLabel = "Bypass List";
constexpr std::string_view kNetshNone = "(none)";

using model::iequals;
using model::istarts_with;
using model::lower;


bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

void set_error(std::string* error, std::string message) {
  if (error) *error = std::move(message);
}

/// The little-endian DWORD at `offset`; the caller has checked that four bytes are there.
std::uint32_t dword_at(std::string_view blob, std::size_t offset) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value |= static_cast<std::uint32_t>(static_cast<unsigned char>(blob[offset + i])) << (8 * i);
  }
  return value;
}

void put_dword(std::string& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

/// A string field of the blob, cut at a NUL should a writer have counted a terminator in its length.
std::string_view blob_string(std::string_view blob, std::size_t offset, std::size_t length) {
  std::string_view s = blob.substr(offset, length);
  return s.substr(0, s.find('\0'));
}

/// A port of one to five digits within 1..65535, else nullopt.
std::optional<int> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return std::nullopt;
  return port;
}

/// One entry of a server list: "[scheme=][http://]host[:port][/]". nullopt when it names no host.
std::optional<ProxyEndpoint> parse_endpoint(std::string_view entry) {
  ProxyEndpoint endpoint;
  if (std::size_t eq = entry.find('='); eq != std::string_view::npos) {
    endpoint.scheme = lower(trim(entry.substr(0, eq)));
    entry = trim(entry.substr(eq + 1));
  }
  if (istarts_with(entry, "http://")) entry.remove_prefix(7);
  while (!entry.empty() && entry.back() == '/') entry.remove_suffix(1);

  std::string_view host = entry;
  std::string_view port_text;
  if (!entry.empty() && entry.front() == '[') {
    // An IPv6 literal: "[::1]:8080".
    if (std::size_t close = entry.find(']'); close != std::string_view::npos) {
      host = entry.substr(0, close + 1);
      std::string_view rest = entry.substr(close + 1);
      if (!rest.empty() && rest.front() == ':') port_text = rest.substr(1);
    }
  } else if (std::size_t colon = entry.rfind(':'); colon != std::string_view::npos && entry.find(':') == colon) {
    host = entry.substr(0, colon);
    port_text = entry.substr(colon + 1);
  }
  if (!port_text.empty()) {
    endpoint.port = parse_port(port_text);
    // Text after the colon that is no port stays part of the host, so that messages show it.
    if (!endpoint.port) host = entry;
  }
  if (host.empty()) return std::nullopt;
  endpoint.host = std::string(host);
  return endpoint;
}

/// A server list split on ';' and whitespace, as WinHTTP accepts it.
std::vector<ProxyEndpoint> parse_server_list(std::string_view list) {
  std::vector<ProxyEndpoint> servers;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = start;
    while (end < list.size() && list[end] != ';' && !is_space(list[end])) ++end;
    std::string_view entry = list.substr(start, end - start);
    if (!entry.empty()) {
      if (auto endpoint = parse_endpoint(entry)) servers.push_back(std::move(*endpoint));
    }
    start = end + 1;
  }
  return servers;
}

std::vector<std::string> split_bypass(std::string_view list) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = std::min(list.find(';', start), list.size());
    std::string_view item = trim(list.substr(start, end - start));
    if (!item.empty()) items.emplace_back(item);
    start = end + 1;
  }
  return items;
}

std::string endpoint_text(const ProxyEndpoint& endpoint) {
  if (endpoint.port) return fmt::format("'{}:{}'", endpoint.host, *endpoint.port);
  return fmt::format("'{}' (port 80)", endpoint.host);
}

std::string netsh_not_understood(std::string_view line) {
  return fmt::format(
      "the output of 'netsh winhttp show proxy' was not understood: '{}' (a localised Windows, or an error?); "
      "read the {} value under {} instead",
      line, kWinHttpSettingsValue, kWinHttpSettingsKey);
}

/// "Label :  value" with any padding before the colon; nullopt when `line` is not that label's line.
std::optional<std::string_view> labelled_value(std::string_view line, std::string_view label) {
  if (!istarts_with(line, label)) return std::nullopt;
  std::string_view rest = trim(line.substr(label.size()));
  if (rest.empty() || rest.front() != ':') return std::nullopt;
  return trim(rest.substr(1));
}

}  // namespace

std::optional<WinHttpProxy> decode_winhttp_settings(std::string_view blob, std::string* error) {
  const std::size_t size = blob.size();
  if (size < kHeaderSize) {
    set_error(error, fmt::format("the {} value is {} bytes long, shorter than its {}-byte header", kWinHttpSettingsValue, size,
                                 kHeaderSize));
    return std::nullopt;
  }
  const std::uint32_t flags = dword_at(blob, 8);
  const std::uint32_t proxy_length = dword_at(blob, 12);
  if (proxy_length > size - kHeaderSize) {
    set_error(error,
              fmt::format("the {} value is {} bytes long, but its proxy string of {} bytes at offset {} runs past it",
                          kWinHttpSettingsValue, size, proxy_length, kHeaderSize));
    return std::nullopt;
  }
  std::string_view proxy = blob_string(blob, kHeaderSize, proxy_length);

  // The bypass length follows the proxy string; a blob that ends right after the proxy string has none.
  std::string_view bypass;
  const std::size_t bypass_length_offset = kHeaderSize + proxy_length;
  if (bypass_length_offset < size) {
    if (size - bypass_length_offset < 4) {
      set_error(error, fmt::format("the {} value is {} bytes long, but its bypass length at offset {} runs past it",
                                   kWinHttpSettingsValue, size, bypass_length_offset));
      return std::nullopt;
    }
    const std::uint32_t bypass_length = dword_at(blob, bypass_length_offset);
    const std::size_t bypass_offset = bypass_length_offset + 4;
    if (bypass_length > size - bypass_offset) {
      set_error(error,
                fmt::format("the {} value is {} bytes long, but its bypass list of {} bytes at offset {} runs past it",
                            kWinHttpSettingsValue, size, bypass_length, bypass_offset));
      return std::nullopt;
    }
    bypass = blob_string(blob, bypass_offset, bypass_length);
    // Whatever follows (an auto-config URL, padding) does not concern the named proxy.
  }

  if ((flags & kFlagProxy) == 0) return WinHttpProxy{};
  return make_winhttp_proxy(proxy, bypass);
}

std::string encode_winhttp_settings(const WinHttpProxy& proxy, std::uint32_t counter) {
  // `netsh winhttp reset proxy` writes empty strings: a bypass list without a proxy means nothing.
  const std::string_view server_list = proxy.direct ? std::string_view() : std::string_view(proxy.server_list);
  const std::string_view bypass_list = proxy.direct ? std::string_view() : std::string_view(proxy.bypass_list);
  std::string out;
  out.reserve(kHeaderSize + server_list.size() + 4 + bypass_list.size());
  put_dword(out, kEncodeVersion);
  put_dword(out, counter);
  put_dword(out, proxy.direct ? kFlagDirect : kFlagDirect | kFlagProxy);
  put_dword(out, static_cast<std::uint32_t>(server_list.size()));
  out.append(server_list);
  put_dword(out, static_cast<std::uint32_t>(bypass_list.size()));
  out.append(bypass_list);
  return out;
}

std::optional<WinHttpProxy> parse_netsh_winhttp(std::string_view output, std::string* error) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t end = std::min(output.find('\n', start), output.size());
    std::string_view line = trim(output.substr(start, end - start));  // trims a CR too
    if (!line.empty()) lines.push_back(line);
    start = end + 1;
  }
  if (lines.empty()) {
    set_error(error,
              fmt::format("the output of 'netsh winhttp show proxy' was empty; read the {} value under {} instead",
                          kWinHttpSettingsValue, kWinHttpSettingsKey));
    return std::nullopt;
  }
  if (!iequals(lines.front(), kNetshHeader)) {
    set_error(error, netsh_not_understood(lines.front()));
    return std::nullopt;
  }

  bool direct = false;
  std::optional<std::string_view> servers;
  std::optional<std::string_view> bypass;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    bool understood = false;
    if (lower(line).find("direct access") != std::string::npos) {
      understood = !direct && !servers && !bypass;
      direct = true;
    } else if (auto value = labelled_value(line, kNetshProxyLabel)) {
      understood = !direct && !servers;
      servers = value;
    } else if (auto bypass_value = labelled_value(line, kNetshBypassLabel)) {
      understood = !direct && !bypass;
      bypass = bypass_value;
    }
    if (!understood) {
      set_error(error, netsh_not_understood(line));
      return std::nullopt;
    }
  }
  if (direct) return WinHttpProxy{};
  if (!servers) {
    set_error(
        error,
        fmt::format(
            "the output of 'netsh winhttp show proxy' names neither direct access nor a proxy server; read the {} "
            "value under {} instead",
            kWinHttpSettingsValue, kWinHttpSettingsKey));
    return std::nullopt;
  }
  std::string_view bypass_list = bypass && !iequals(*bypass, kNetshNone) ? *bypass : std::string_view();
  return make_winhttp_proxy(*servers, bypass_list);
}

std::string render_netsh_winhttp(const WinHttpProxy& proxy) {
  std::string out = fmt::format("\r\n{}\r\n\r\n", kNetshHeader);
  if (proxy.direct) {
    out += fmt::format("    {}\r\n", kNetshDirect);
  } else {
    out += fmt::format("    {} :  {}\r\n", kNetshProxyLabel, proxy.server_list);
    out += fmt::format("    {:<15} :  {}\r\n", kNetshBypassLabel,
                       proxy.bypass_list.empty() ? kNetshNone : proxy.bypass_list);
  }
  out += "\r\n";
  return out;
}

WinHttpProxy make_winhttp_proxy(std::string_view server_list, std::string_view bypass_list) {
  WinHttpProxy proxy;
  server_list = trim(server_list);
  std::vector<ProxyEndpoint> servers = parse_server_list(server_list);
  // A list naming no host (empty, or only separators) leaves WinHTTP direct; so is the bypass list then moot.
  if (servers.empty()) return proxy;
  proxy.direct = false;
  proxy.server_list = std::string(server_list);
  proxy.servers = std::move(servers);
  bypass_list = trim(bypass_list);
  proxy.bypass_list = std::string(bypass_list);
  proxy.bypass = split_bypass(bypass_list);
  return proxy;
}

std::optional<ProxyEndpoint> proxy_for(const WinHttpProxy& proxy, std::string_view scheme) {
  if (proxy.direct) return std::nullopt;
  const std::string wanted = lower(scheme);
  for (const ProxyEndpoint& endpoint : proxy.servers) {
    if (endpoint.scheme == wanted) return endpoint;
  }
  for (const ProxyEndpoint& endpoint : proxy.servers) {
    if (endpoint.scheme.empty()) return endpoint;
  }
  return std::nullopt;
}

std::optional<std::string> winhttp_differs(const WinHttpProxy& actual, std::string_view server, int port) {
  const std::string declared = fmt::format("'{}:{}'", server, port);
  if (actual.direct) return fmt::format("WinHTTP uses direct access (no proxy server), not {}", declared);

  struct Route {
    std::string_view scheme;
    std::optional<ProxyEndpoint> endpoint;
    std::string where;  ///< "to 'host:port'" or "directly (...)"; empty when it goes through the declared proxy
  };
  std::array<Route, 2> routes{Route{"http", {}, {}}, Route{"https", {}, {}}};
  for (Route& route : routes) {
    route.endpoint = proxy_for(actual, route.scheme);
    if (!route.endpoint) {
      route.where = fmt::format("directly (no entry of the proxy list '{}' applies)", actual.server_list);
    } else if (!iequals(route.endpoint->host, server) || route.endpoint->port.value_or(80) != port) {
      route.where = "to " + endpoint_text(*route.endpoint);
    }
  }
  const Route& http = routes[0];
  const Route& https = routes[1];
  if (http.where.empty() && https.where.empty()) return std::nullopt;
  if (http.where == https.where) return fmt::format("WinHTTP sends http and https {}, not {}", http.where, declared);
  if (https.where.empty()) return fmt::format("WinHTTP sends http {}, not {}", http.where, declared);
  if (http.where.empty()) return fmt::format("WinHTTP sends https {}, not {}", https.where, declared);
  return fmt::format("WinHTTP sends http {} and https {}, not {}", http.where, https.where, declared);
}

std::optional<std::string> winhttp_not_direct(const WinHttpProxy& actual) {
  if (actual.direct) return std::nullopt;
  return fmt::format("WinHTTP uses the proxy '{}'", actual.server_list);
}

}  // namespace supctl::formats
