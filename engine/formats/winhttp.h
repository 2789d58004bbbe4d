#pragma once
/// The WinHTTP proxy of the SYSTEM account, as Windows stores it (the `WinHttpSettings` binary value
/// under HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections) and as
/// `netsh winhttp show proxy` prints it, and how it compares with a declared proxy.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace supctl::formats {

/// Where Windows keeps the SYSTEM account's WinHTTP proxy: a REG_BINARY value under HKLM.
inline constexpr std::string_view kWinHttpSettingsKey = R"(HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections)";
inline constexpr std::string_view kWinHttpSettingsValue = "WinHttpSettings";

/// One entry of a proxy server list: "proxy:8080" (every scheme) or "https=secure:443".
struct ProxyEndpoint {
  std::string scheme;         ///< lower case: "http", "https", ...; empty: every scheme
  std::string host;
  std::optional<int> port;    ///< nullopt when the entry names none (WinHTTP then uses 80)
  bool operator==(const ProxyEndpoint&) const = default;
};

struct WinHttpProxy {
  bool direct = true;                   ///< direct access (no proxy server)
  std::string server_list;              ///< as stored: "proxy:8080" or "http=a:80;https=b:443"; empty when direct
  std::string bypass_list;              ///< as stored, ';'-separated ("<local>;*.contoso.com"); empty for none
  std::vector<ProxyEndpoint> servers;   ///< server_list parsed, in order
  std::vector<std::string> bypass;      ///< bypass_list split, empty items dropped
  bool operator==(const WinHttpProxy&) const = default;
};

/// Decodes the WinHttpSettings blob. Layout (little-endian DWORDs): [0] a version/size word
/// (0x18 or 0x28), [4] a change counter, [8] flags (bit 0 direct access, bit 1 named proxy),
/// [12] the proxy string's length N, [16] N bytes of ASCII proxy list, then a DWORD bypass length
/// M and M bytes of bypass list. A blob too short for what its lengths say, or with lengths past
/// its end, is an error (`*error` says where), never a crash.
std::optional<WinHttpProxy> decode_winhttp_settings(std::string_view blob, std::string* error);

/// The blob Windows writes for `proxy` (`netsh winhttp set proxy` / `reset proxy`): version 0x28,
/// counter `counter`, flags 1 for direct access, 3 for a named proxy. decode(encode(p)) == p.
std::string encode_winhttp_settings(const WinHttpProxy& proxy, std::uint32_t counter = 0);

/// Parses `netsh winhttp show proxy` output (English; 'Direct access' compared without case; the
/// two-space padding; "(none)" for no bypass list; CRLF or LF). Anything else (a localised
/// Windows, an error message) is an error that quotes the output's first non-blank line.
std::optional<WinHttpProxy> parse_netsh_winhttp(std::string_view output, std::string* error);

/// What `netsh winhttp show proxy` prints for `proxy`, with CRLF line ends.
std::string render_netsh_winhttp(const WinHttpProxy& proxy);

/// A proxy made from a server list and a bypass list (parsing both); direct when `server_list`
/// is empty.
WinHttpProxy make_winhttp_proxy(std::string_view server_list, std::string_view bypass_list = {});

/// The endpoint WinHTTP uses for `scheme` ("http" or "https"): the scheme's own entry, else the
/// entry without a scheme; nullopt when direct or none applies.
std::optional<ProxyEndpoint> proxy_for(const WinHttpProxy& proxy, std::string_view scheme);

/// Whether traffic to Microsoft Update (http and https) goes through `server`:`port`. nullopt when
/// it does; otherwise what differs, in words ("WinHTTP uses direct access (no proxy server)",
/// "WinHTTP sends https to 'other:3128', not 'proxy.contoso.com:8080'"). Host names compare
/// without case; a missing port counts as 80.
std::optional<std::string> winhttp_differs(const WinHttpProxy& actual, std::string_view server, int port);

/// Whether WinHTTP is direct, for a declared "no proxy": nullopt when direct, else what it uses.
std::optional<std::string> winhttp_not_direct(const WinHttpProxy& actual);

}  // namespace supctl::formats
