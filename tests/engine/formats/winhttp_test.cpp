#include "formats/winhttp.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace supctl::formats {
namespace {

/// Lays a WinHttpSettings value out by hand, independently of encode_winhttp_settings.
class Blob {
 public:
  Blob& dword(std::uint32_t value) {
    bytes_.push_back(static_cast<char>(value & 0xFF));
    bytes_.push_back(static_cast<char>((value >> 8) & 0xFF));
    bytes_.push_back(static_cast<char>((value >> 16) & 0xFF));
    bytes_.push_back(static_cast<char>((value >> 24) & 0xFF));
    return *this;
  }
  Blob& text(std::string_view s) {
    bytes_ += s;
    return *this;
  }
  /// A length DWORD followed by the string.
  Blob& counted(std::string_view s) { return dword(static_cast<std::uint32_t>(s.size())).text(s); }
  Blob& raw(std::initializer_list<int> bytes) {
    for (int b : bytes) bytes_.push_back(static_cast<char>(b));
    return *this;
  }
  const std::string& str() const { return bytes_; }

 private:
  std::string bytes_;
};

ProxyEndpoint endpoint(std::string scheme, std::string host, std::optional<int> port) {
  return ProxyEndpoint{std::move(scheme), std::move(host), port};
}

std::optional<WinHttpProxy> decode(const std::string& blob, std::string* error) {
  return decode_winhttp_settings(blob, error);
}

// --- the registry value -------------------------------------------------------------------------

TEST_CASE("winhttp decodes the default direct blob of a fresh Windows", "[verify][winhttp]") {
  const std::string blob = Blob().raw({0x18, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}).str();
  REQUIRE(blob.size() == 20);
  std::string error;
  auto proxy = decode(blob, &error);
  REQUIRE(proxy);
  CHECK(error.empty());
  CHECK(proxy->direct);
  CHECK(proxy->server_list.empty());
  CHECK(proxy->bypass_list.empty());
  CHECK(proxy->servers.empty());
  CHECK(proxy->bypass.empty());
  CHECK(*proxy == WinHttpProxy{});
}

TEST_CASE("winhttp decodes one proxy with a bypass list laid out by hand", "[verify][winhttp]") {
  const std::string blob =
      Blob().dword(0x28).dword(7).dword(3).counted("proxy.contoso.com:8080").counted("<local>;*.contoso.com").str();
  std::string error;
  auto proxy = decode(blob, &error);
  REQUIRE(proxy);
  CHECK_FALSE(proxy->direct);
  CHECK(proxy->server_list == "proxy.contoso.com:8080");
  CHECK(proxy->servers == std::vector<ProxyEndpoint>{endpoint("", "proxy.contoso.com", 8080)});
  CHECK(proxy->bypass_list == "<local>;*.contoso.com");
  CHECK(proxy->bypass == std::vector<std::string>{"<local>", "*.contoso.com"});
}

TEST_CASE("winhttp decodes a proxy whose bypass length is zero", "[verify][winhttp]") {
  auto proxy = decode(Blob().dword(0x28).dword(1).dword(3).counted("10.0.0.8:3128").dword(0).str(), nullptr);
  REQUIRE(proxy);
  CHECK_FALSE(proxy->direct);
  CHECK(proxy->servers == std::vector<ProxyEndpoint>{endpoint("", "10.0.0.8", 3128)});
  CHECK(proxy->bypass_list.empty());
  CHECK(proxy->bypass.empty());
}

TEST_CASE("winhttp decodes per-scheme proxies", "[verify][winhttp]") {
  auto proxy = decode(
      Blob().dword(0x28).dword(2).dword(3).counted("http=proxy.corp:80;HTTPS=Secure-Proxy.corp:443").dword(0).str(),
      nullptr);
  REQUIRE(proxy);
  CHECK(proxy->server_list == "http=proxy.corp:80;HTTPS=Secure-Proxy.corp:443");
  CHECK(proxy->servers ==
        std::vector<ProxyEndpoint>{endpoint("http", "proxy.corp", 80), endpoint("https", "Secure-Proxy.corp", 443)});
}

TEST_CASE("winhttp decodes a 0x18-version blob with a proxy", "[verify][winhttp]") {
  auto proxy = decode(Blob().dword(0x18).dword(0x2A).dword(3).counted("proxy:8080").counted("<local>").str(), nullptr);
  REQUIRE(proxy);
  CHECK_FALSE(proxy->direct);
  CHECK(proxy->servers == std::vector<ProxyEndpoint>{endpoint("", "proxy", 8080)});
  CHECK(proxy->bypass == std::vector<std::string>{"<local>"});
}

TEST_CASE("winhttp ignores bytes after the bypass list", "[verify][winhttp]") {
  // Some writers append an auto-config URL and zero padding.
  auto proxy =
      decode(Blob()
                 .dword(0x46)
                 .dword(3)
                 .dword(3)
                 .counted("proxy:8080")
                 .counted("<local>")
                 .counted("http://wpad/proxy.pac")
                 .raw({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
                 .str(),
             nullptr);
  REQUIRE(proxy);
  CHECK(proxy->server_list == "proxy:8080");
  CHECK(proxy->bypass_list == "<local>");

  auto odd_tail =
      decode(Blob().dword(0x28).dword(0).dword(3).counted("proxy:8080").dword(0).raw({0xFF, 0x01}).str(), nullptr);
  REQUIRE(odd_tail);
  CHECK(odd_tail->server_list == "proxy:8080");
  CHECK(odd_tail->bypass.empty());
}

TEST_CASE("winhttp tolerates a blob that ends right after the proxy string", "[verify][winhttp]") {
  auto proxy = decode(Blob().dword(0x28).dword(0).dword(3).counted("proxy:8080").str(), nullptr);
  REQUIRE(proxy);
  CHECK_FALSE(proxy->direct);
  CHECK(proxy->server_list == "proxy:8080");
  CHECK(proxy->bypass_list.empty());

  auto direct = decode(Blob().dword(0x18).dword(0).dword(1).dword(0).str(), nullptr);
  REQUIRE(direct);
  CHECK(direct->direct);
}

TEST_CASE("winhttp reads direct access when the proxy flag is clear or the proxy string empty", "[verify][winhttp]") {
  SECTION("flags 1 with a leftover proxy string") {
    auto proxy = decode(Blob().dword(0x28).dword(5).dword(1).counted("proxy:8080").counted("<local>").str(), nullptr);
    REQUIRE(proxy);
    CHECK(*proxy == WinHttpProxy{});
  }
  SECTION("flags 3 with an empty proxy string") {
    auto proxy = decode(Blob().dword(0x28).dword(5).dword(3).dword(0).counted("<local>").str(), nullptr);
    REQUIRE(proxy);
    CHECK(*proxy == WinHttpProxy{});
  }
  SECTION("flags 2 without the always-on bit still names a proxy") {
    auto proxy = decode(Blob().dword(0x28).dword(5).dword(2).counted("proxy:8080").dword(0).str(), nullptr);
    REQUIRE(proxy);
    CHECK_FALSE(proxy->direct);
  }
}

TEST_CASE("winhttp reports every malformed blob as an error", "[verify][winhttp]") {
  std::string error;
  SECTION("empty") {
    CHECK_FALSE(decode("", &error));
    CHECK(error == "the WinHttpSettings value is 0 bytes long, shorter than its 16-byte header");
  }
  SECTION("shorter than 16 bytes") {
    CHECK_FALSE(decode(Blob().dword(0x18).dword(0).dword(1).raw({0, 0}).str(), &error));
    CHECK(error == "the WinHttpSettings value is 14 bytes long, shorter than its 16-byte header");
  }
  SECTION("proxy length past the end") {
    CHECK_FALSE(decode(Blob().dword(0x18).dword(0).dword(3).dword(40).dword(0).str(), &error));
    CHECK(error ==
          "the WinHttpSettings value is 20 bytes long, but its proxy string of 40 bytes at offset 16 runs past it");
  }
  SECTION("proxy length 0xFFFFFFFF") {
    CHECK_FALSE(decode(Blob().dword(0x28).dword(0).dword(3).dword(0xFFFFFFFF).text("proxy:8080").str(), &error));
    CHECK(error ==
          "the WinHttpSettings value is 26 bytes long, but its proxy string of 4294967295 bytes at offset 16 runs past "
          "it");
  }
  SECTION("bypass length cut short") {
    CHECK_FALSE(decode(Blob().dword(0x28).dword(0).dword(3).counted("p:1").raw({5, 0}).str(), &error));
    CHECK(error == "the WinHttpSettings value is 21 bytes long, but its bypass length at offset 19 runs past it");
  }
  SECTION("bypass length past the end") {
    CHECK_FALSE(decode(Blob().dword(0x28).dword(0).dword(3).counted("p:1").dword(8).text("<local>").str(), &error));
    CHECK(error ==
          "the WinHttpSettings value is 30 bytes long, but its bypass list of 8 bytes at offset 23 runs past it");
  }
  SECTION("bypass length 0xFFFFFFFF") {
    CHECK_FALSE(decode(Blob().dword(0x28).dword(0).dword(3).counted("p:1").dword(0xFFFFFFFF).str(), &error));
    CHECK(error ==
          "the WinHttpSettings value is 23 bytes long, but its bypass list of 4294967295 bytes at offset 23 runs past "
          "it");
  }
  SECTION("no error out-parameter") {
    CHECK_FALSE(decode(Blob().dword(0x28).dword(0).dword(3).dword(0xFFFFFFF0).str(), nullptr));
  }
}

TEST_CASE("winhttp survives every truncation of a real blob", "[verify][winhttp]") {
  const std::string full =
      Blob().dword(0x28).dword(9).dword(3).counted("http=a:80;https=b:443").counted("<local>;*.corp").str();
  for (std::size_t n = 0; n <= full.size(); ++n) {
    std::string error;
    auto proxy = decode(full.substr(0, n), &error);
    // Only the whole blob, and the cut right after the proxy string, decode; every other cut says why.
    const bool whole = n == full.size();
    const bool after_proxy = n == 16 + std::string_view("http=a:80;https=b:443").size();
    CHECK(proxy.has_value() == (whole || after_proxy));
    CHECK(error.empty() == proxy.has_value());
  }
}

TEST_CASE("winhttp encodes what netsh writes", "[verify][winhttp]") {
  CHECK(encode_winhttp_settings(WinHttpProxy{}) == Blob().dword(0x28).dword(0).dword(1).dword(0).dword(0).str());
  CHECK(encode_winhttp_settings(make_winhttp_proxy("proxy:8080", "<local>"), 4) ==
        Blob().dword(0x28).dword(4).dword(3).counted("proxy:8080").counted("<local>").str());
}

TEST_CASE("winhttp decode of encode gives the proxy back", "[verify][winhttp]") {
  for (const WinHttpProxy& p : {WinHttpProxy{}, make_winhttp_proxy("proxy.contoso.com:8080"),
                                make_winhttp_proxy("proxy.contoso.com:8080", "<local>;*.contoso.com"),
                                make_winhttp_proxy("http=proxy.corp:80;https=secure-proxy.corp:443", "<local>"),
                                make_winhttp_proxy("http=proxy.corp:80 https=secure-proxy.corp:443")}) {
    std::string error;
    auto back = decode(encode_winhttp_settings(p, 17), &error);
    INFO(p.server_list << " / " << p.bypass_list << " / " << error);
    REQUIRE(back);
    CHECK(*back == p);
  }
}

// --- server and bypass lists --------------------------------------------------------------------

TEST_CASE("winhttp parses server list entries", "[verify][winhttp]") {
  CHECK(make_winhttp_proxy("Proxy.Contoso.com:8080").servers ==
        std::vector<ProxyEndpoint>{endpoint("", "Proxy.Contoso.com", 8080)});
  CHECK(make_winhttp_proxy("proxy").servers == std::vector<ProxyEndpoint>{endpoint("", "proxy", std::nullopt)});
  CHECK(make_winhttp_proxy("http://proxy:3128/").servers == std::vector<ProxyEndpoint>{endpoint("", "proxy", 3128)});
  CHECK(make_winhttp_proxy("HTTPS=HTTP://proxy:3128").servers ==
        std::vector<ProxyEndpoint>{endpoint("https", "proxy", 3128)});
  CHECK(make_winhttp_proxy("[fd00::1]:8080").servers == std::vector<ProxyEndpoint>{endpoint("", "[fd00::1]", 8080)});
  CHECK(make_winhttp_proxy("proxy:abc").servers == std::vector<ProxyEndpoint>{endpoint("", "proxy:abc", std::nullopt)});
  CHECK(make_winhttp_proxy("http=a:80; https=b:443  ftp=c").servers ==
        std::vector<ProxyEndpoint>{endpoint("http", "a", 80), endpoint("https", "b", 443),
                                   endpoint("ftp", "c", std::nullopt)});
}

TEST_CASE("winhttp makes a proxy from strings", "[verify][winhttp]") {
  WinHttpProxy p = make_winhttp_proxy(" proxy:8080 ", " <local> ; ;*.contoso.com;");
  CHECK_FALSE(p.direct);
  CHECK(p.server_list == "proxy:8080");
  CHECK(p.bypass_list == "<local> ; ;*.contoso.com;");
  CHECK(p.bypass == std::vector<std::string>{"<local>", "*.contoso.com"});
  CHECK(make_winhttp_proxy("") == WinHttpProxy{});
  CHECK(make_winhttp_proxy(" ; ", "<local>") == WinHttpProxy{});
}

// --- netsh winhttp show proxy -------------------------------------------------------------------

TEST_CASE("winhttp parses netsh direct access output", "[verify][winhttp]") {
  std::string error;
  auto lf =
      parse_netsh_winhttp("\nCurrent WinHTTP proxy settings:\n\n    Direct access (no proxy server).\n\n", &error);
  REQUIRE(lf);
  CHECK(*lf == WinHttpProxy{});
  auto crlf = parse_netsh_winhttp(
      "\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Direct access (no proxy server).\r\n\r\n", &error);
  REQUIRE(crlf);
  CHECK(*crlf == WinHttpProxy{});
  auto capital = parse_netsh_winhttp("Current WinHTTP proxy settings:\r\n    Direct Access (no proxy server).", &error);
  REQUIRE(capital);
  CHECK(capital->direct);
  CHECK(error.empty());
}

TEST_CASE("winhttp parses netsh proxy output with a bypass list", "[verify][winhttp]") {
  std::string error;
  auto proxy = parse_netsh_winhttp(
      "\r\n"
      "Current WinHTTP proxy settings:\r\n"
      "\r\n"
      "    Proxy Server(s) :  proxy.contoso.com:8080\r\n"
      "    Bypass List     :  <local>;*.contoso.com\r\n"
      "\r\n",
      &error);
  REQUIRE(proxy);
  CHECK(*proxy == make_winhttp_proxy("proxy.contoso.com:8080", "<local>;*.contoso.com"));
  CHECK(proxy->bypass == std::vector<std::string>{"<local>", "*.contoso.com"});
}

TEST_CASE("winhttp parses netsh proxy output with no bypass list", "[verify][winhttp]") {
  auto proxy = parse_netsh_winhttp(
      "\n"
      "Current WinHTTP proxy settings:\n"
      "\n"
      "    Proxy Server(s) :  10.0.0.8:3128\n"
      "    Bypass List     :  (none)\n"
      "\n",
      nullptr);
  REQUIRE(proxy);
  CHECK_FALSE(proxy->direct);
  CHECK(proxy->servers == std::vector<ProxyEndpoint>{endpoint("", "10.0.0.8", 3128)});
  CHECK(proxy->bypass_list.empty());
  CHECK(proxy->bypass.empty());
}

TEST_CASE("winhttp parses netsh per-scheme proxy output", "[verify][winhttp]") {
  auto proxy = parse_netsh_winhttp(
      "Current WinHTTP proxy settings:\n"
      "\n"
      "    Proxy Server(s) :  http=proxy.corp:80;https=secure-proxy.corp:443\n"
      "    Bypass List     :  <local>\n",
      nullptr);
  REQUIRE(proxy);
  CHECK(proxy->servers ==
        std::vector<ProxyEndpoint>{endpoint("http", "proxy.corp", 80), endpoint("https", "secure-proxy.corp", 443)});
}

TEST_CASE("winhttp refuses netsh output it does not understand", "[verify][winhttp]") {
  std::string error;
  SECTION("localised") {
    const std::string_view russian =
        "\r\n"
        "Текущие параметры прокси-сервера WinHTTP:\r\n"
        "\r\n"
        "    Прокси-сервер:  proxy:8080\r\n"
        "    Список обхода:  (нет)\r\n";
    CHECK_FALSE(parse_netsh_winhttp(russian, &error));
    CHECK(error ==
          "the output of 'netsh winhttp show proxy' was not understood: "
          "'Текущие параметры прокси-сервера WinHTTP:' (a localised Windows, or an error?); "
          "read the WinHttpSettings value under "
          "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections instead");
  }
  SECTION("localised lines under an English header") {
    CHECK_FALSE(parse_netsh_winhttp("Current WinHTTP proxy settings:\n\n    Прокси-сервер:  proxy:8080\n", &error));
    CHECK_THAT(error, Catch::StartsWith(
                          "the output of 'netsh winhttp show proxy' was not understood: 'Прокси-сервер:  proxy:8080'"));
  }
  SECTION("an error message") {
    CHECK_FALSE(parse_netsh_winhttp("\r\nError writing proxy settings. (5) Access is denied.\r\n\r\n", &error));
    CHECK_THAT(error, Catch::StartsWith("the output of 'netsh winhttp show proxy' was not understood: "
                                        "'Error writing proxy settings. (5) Access is denied.'"));
    CHECK_THAT(
        error,
        Catch::EndsWith("read the WinHttpSettings value under "
                        "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections instead"));
  }
  SECTION("empty") {
    CHECK_FALSE(parse_netsh_winhttp("", &error));
    CHECK_THAT(error,
               Catch::StartsWith("the output of 'netsh winhttp show proxy' was empty; read the WinHttpSettings value"));
    CHECK_FALSE(parse_netsh_winhttp("\r\n  \r\n", &error));
    CHECK_THAT(error, Catch::StartsWith("the output of 'netsh winhttp show proxy' was empty"));
  }
  SECTION("the header alone") {
    CHECK_FALSE(parse_netsh_winhttp("\nCurrent WinHTTP proxy settings:\n\n", &error));
    CHECK_THAT(error, Catch::StartsWith(
                          "the output of 'netsh winhttp show proxy' names neither direct access nor a proxy server"));
  }
  SECTION("direct access and a proxy at once") {
    CHECK_FALSE(parse_netsh_winhttp(
        "Current WinHTTP proxy settings:\n    Direct access (no proxy server).\n    Proxy Server(s) :  p:1\n", &error));
    CHECK_THAT(error, Catch::StartsWith(
                          "the output of 'netsh winhttp show proxy' was not understood: 'Proxy Server(s) :  p:1'"));
  }
  SECTION("no error out-parameter") { CHECK_FALSE(parse_netsh_winhttp("garbage", nullptr)); }
}

TEST_CASE("winhttp renders netsh output exactly", "[verify][winhttp]") {
  CHECK(render_netsh_winhttp(WinHttpProxy{}) ==
        "\r\n"
        "Current WinHTTP proxy settings:\r\n"
        "\r\n"
        "    Direct access (no proxy server).\r\n"
        "\r\n");
  CHECK(render_netsh_winhttp(make_winhttp_proxy("proxy.contoso.com:8080", "<local>;*.contoso.com")) ==
        "\r\n"
        "Current WinHTTP proxy settings:\r\n"
        "\r\n"
        "    Proxy Server(s) :  proxy.contoso.com:8080\r\n"
        "    Bypass List     :  <local>;*.contoso.com\r\n"
        "\r\n");
  CHECK(render_netsh_winhttp(make_winhttp_proxy("proxy:8080")) ==
        "\r\n"
        "Current WinHTTP proxy settings:\r\n"
        "\r\n"
        "    Proxy Server(s) :  proxy:8080\r\n"
        "    Bypass List     :  (none)\r\n"
        "\r\n");
}

TEST_CASE("winhttp parse of render gives the proxy back", "[verify][winhttp]") {
  for (const WinHttpProxy& p : {WinHttpProxy{}, make_winhttp_proxy("proxy.contoso.com:8080"),
                                make_winhttp_proxy("proxy.contoso.com:8080", "<local>;*.contoso.com"),
                                make_winhttp_proxy("http=proxy.corp:80;https=secure-proxy.corp:443", "<local>")}) {
    std::string error;
    auto back = parse_netsh_winhttp(render_netsh_winhttp(p), &error);
    INFO(p.server_list << " / " << p.bypass_list << " / " << error);
    REQUIRE(back);
    CHECK(*back == p);
  }
}

// --- comparison ---------------------------------------------------------------------------------

TEST_CASE("winhttp picks the endpoint for a scheme", "[verify][winhttp]") {
  WinHttpProxy per_scheme = make_winhttp_proxy("http=a:80;https=b:443;c:3128");
  CHECK(proxy_for(per_scheme, "http") == endpoint("http", "a", 80));
  CHECK(proxy_for(per_scheme, "HTTPS") == endpoint("https", "b", 443));
  CHECK(proxy_for(per_scheme, "ftp") == endpoint("", "c", 3128));
  CHECK(proxy_for(make_winhttp_proxy("c:3128;https=b:443"), "https") == endpoint("https", "b", 443));
  CHECK_FALSE(proxy_for(make_winhttp_proxy("http=a:80"), "https"));
  CHECK_FALSE(proxy_for(WinHttpProxy{}, "http"));
}

TEST_CASE("winhttp matches a declared proxy", "[verify][winhttp]") {
  CHECK_FALSE(winhttp_differs(make_winhttp_proxy("proxy.contoso.com:8080"), "proxy.contoso.com", 8080));
  CHECK_FALSE(winhttp_differs(make_winhttp_proxy("PROXY.Contoso.com:8080", "<local>"), "proxy.contoso.com", 8080));
  CHECK_FALSE(winhttp_differs(make_winhttp_proxy("http=p:8080;https=P:8080"), "p", 8080));
  CHECK_FALSE(winhttp_differs(make_winhttp_proxy("proxy"), "proxy", 80));
  CHECK_FALSE(winhttp_differs(make_winhttp_proxy("http://proxy:8080"), "proxy", 8080));
}

TEST_CASE("winhttp says how it differs from a declared proxy", "[verify][winhttp]") {
  CHECK(winhttp_differs(WinHttpProxy{}, "proxy.contoso.com", 8080) ==
        "WinHTTP uses direct access (no proxy server), not 'proxy.contoso.com:8080'");
  CHECK(winhttp_differs(make_winhttp_proxy("http=proxy.contoso.com:8080;https=other:3128"), "proxy.contoso.com",
                        8080) == "WinHTTP sends https to 'other:3128', not 'proxy.contoso.com:8080'");
  CHECK(winhttp_differs(make_winhttp_proxy("https=proxy.contoso.com:8080;other:3128"), "proxy.contoso.com", 8080) ==
        "WinHTTP sends http to 'other:3128', not 'proxy.contoso.com:8080'");
  CHECK(winhttp_differs(make_winhttp_proxy("other:3128"), "proxy.contoso.com", 8080) ==
        "WinHTTP sends http and https to 'other:3128', not 'proxy.contoso.com:8080'");
  CHECK(winhttp_differs(make_winhttp_proxy("proxy.contoso.com:3128"), "proxy.contoso.com", 8080) ==
        "WinHTTP sends http and https to 'proxy.contoso.com:3128', not 'proxy.contoso.com:8080'");
  CHECK(winhttp_differs(make_winhttp_proxy("proxy.contoso.com"), "proxy.contoso.com", 8080) ==
        "WinHTTP sends http and https to 'proxy.contoso.com' (port 80), not 'proxy.contoso.com:8080'");
  CHECK(winhttp_differs(make_winhttp_proxy("http=a:80;https=b:443"), "proxy.contoso.com", 8080) ==
        "WinHTTP sends http to 'a:80' and https to 'b:443', not 'proxy.contoso.com:8080'");
  CHECK(winhttp_differs(make_winhttp_proxy("http=proxy.contoso.com:8080"), "proxy.contoso.com", 8080) ==
        "WinHTTP sends https directly (no entry of the proxy list 'http=proxy.contoso.com:8080' applies), not "
        "'proxy.contoso.com:8080'");
  CHECK(winhttp_differs(make_winhttp_proxy("ftp=a:21"), "proxy.contoso.com", 8080) ==
        "WinHTTP sends http and https directly (no entry of the proxy list 'ftp=a:21' applies), not "
        "'proxy.contoso.com:8080'");
}

TEST_CASE("winhttp checks a declared direct access", "[verify][winhttp]") {
  CHECK_FALSE(winhttp_not_direct(WinHttpProxy{}));
  CHECK(winhttp_not_direct(make_winhttp_proxy("http=a:80;https=b:443", "<local>")) ==
        "WinHTTP uses the proxy 'http=a:80;https=b:443'");
}

}  // namespace
}  // namespace supctl::formats
