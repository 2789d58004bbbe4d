#include "formats/log.h"

#include <sys/resource.h>

#include <fmt/format.h>
#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace supctl::formats {
namespace {

using namespace std::string_literals;

/// Every field of an entry on one line, so that entries compare as strings and differences print.
std::string describe(const LogEntry& e) {
  std::string out = fmt::format("{} {} ", e.line, log_format_name(e.format));
  out += e.time ? e.time->str() : "-";
  out += fmt::format(" [{}] {} ", e.component, log_severity_name(e.severity));
  out += e.thread ? std::to_string(*e.thread) : "-";
  out += " | " + e.message;
  return out;
}

std::vector<std::string> describe_all(const std::vector<LogEntry>& entries) {
  std::vector<std::string> out;
  for (const LogEntry& e : entries) out.push_back(describe(e));
  return out;
}

/// `bytes` fed `piece` bytes at a time, then finished.
std::vector<LogEntry> read_in_pieces(std::string_view bytes, std::size_t piece, LogEncoding encoding = LogEncoding::kDetect,
                                     std::size_t max_entry = LogReader::kDefaultMaxEntryBytes) {
  std::vector<LogEntry> entries;
  LogReader reader([&entries](LogEntry&& e) { entries.push_back(std::move(e)); }, encoding, max_entry);
  for (std::size_t at = 0; at < bytes.size(); at += piece) reader.feed(bytes.substr(at, piece));
  reader.finish();
  return entries;
}

/// Valid UTF-8 as code points (the tests only encode text they wrote).
std::vector<char32_t> code_points(std::string_view utf8) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < utf8.size();) {
    auto b = static_cast<unsigned char>(utf8[i]);
    int extra = b < 0x80 ? 0 : b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
    char32_t cp = extra == 0 ? b : extra == 1 ? (b & 0x1F) : extra == 2 ? (b & 0x0F) : (b & 0x07);
    for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    out.push_back(cp);
    i += 1 + extra;
  }
  return out;
}

void put_unit(std::string& out, char32_t unit) {
  out += static_cast<char>(unit & 0xFF);
  out += static_cast<char>((unit >> 8) & 0xFF);
}

std::string to_utf16le(std::string_view utf8, bool bom) {
  std::string out = bom ? "\xFF\xFE"s : ""s;
  for (char32_t cp : code_points(utf8)) {
    if (cp >= 0x10000) {
      put_unit(out, 0xD800 + ((cp - 0x10000) >> 10));
      put_unit(out, 0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      put_unit(out, cp);
    }
  }
  return out;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80 ? 1 : (b >= 0xC2 && b <= 0xDF) ? 2 : (b >= 0xE0 && b <= 0xEF) ? 3 : (b >= 0xF0 && b <= 0xF4) ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    char32_t cp = code_points(s.substr(i, n)).front();
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

const std::string kReplacement = "\xEF\xBF\xBD";

/// AddressSanitizer keeps freed memory in quarantine, so peak RSS says nothing about the reader there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

// Real lines (transport.md section 3 and the SUP installation article).
constexpr std::string_view kPeerCacheLine =
    R"(<![LOG[Downloaded file from http:// <SourceServerName>:8003/SCCM_BranchCache$/SS10000C/sccm?/install.wim to C:\_SMSTaskSequence\Packages\SS10000C\install.wim ]LOG]!><time="14:24:33.329+420" date="06-26-2015" component="ApplyOperatingSystem" context="" type="1" thread="1256" file="downloadcontent.cpp:1626">)";
constexpr std::string_view kSummarizerLine =
    "---->: An event has occurred, the event code is: 0x1  $$<SMS_SITE_SYSTEM_STATUS_SUMMARIZER><12-06-2016 "
    "03:11:46.039+300><thread=4840 (0x12E8)>";
constexpr std::string_view kHierarchyLine =
    "Sending status message (MessageID = 500). $$<SMS_HIERARCHY_MANAGER><07-15-2023 09:12:45.332+240><thread=4116 (0x1014)>";

/// A log in every format, with the awkward cases, for the chunking comparisons.
std::string mixed_log() {
  std::string log;
  log += std::string(kPeerCacheLine) + "\r\n";
  log +=
      "<![LOG[Subscribed Update Categories <?xml version=\"1.0\" ?>\r\n<Categories>\r\n</Categories>]LOG]!><time=\"08:00:12.3456789-060\" "
      "date=\"1-2-2024\" component=\"SMS_WSUS_CONFIGURATION_MANAGER\" context=\"\" type=\"2\" thread=\"5120\" file=\"wcm.cpp:10\">\r\n";
  log += std::string(kSummarizerLine) + "\r\n";
  log += "PutInstanceAsync SMS_SCI_SysResUse~  $$<SMS Provider><11-21-2026 08:00:10.100+420><thread=3344 (0xD10)>\n";
  log +=
      "Subscribed Update Categories <?xml version=\"1.0\" ?>~~<Categories>~~</Categories>~~  $$<SMS_WSUS_CONFIGURATION_MANAGER>"
      "<11-21-2026 08:00:12.345+420><thread=5120 (0x1400)>\n";
  log += "<02/09/14 22:53:28> SMSWSUS Setup Started....\r\n";
  log += "<02/09/14 22:53:44> Installation was successful.\n";
  log += "Sync failed. Will retry in 60 minutes\n";
  log += "\r\n";
  log += "Größe: 4 Kategorien 😀 für café\r\n";
  log +=
      "<![LOG[first]LOG]!><time=\"01:02:03.004+000\" date=\"02-03-2025\" component=\"A\" type=\"3\" thread=\"1\">"
      "<![LOG[second\r\nspans]LOG]!><time=\"01:02:03.005+000\" date=\"02-03-2025\" component=\"B\" type=\"1\" thread=\"2\">\r\n";
  log += "<![LOG[never closed\r\n";
  log += "<![LOG[after the unclosed one]LOG]!><time=\"09:00:00.000+000\" date=\"02-03-2025\" component=\"C\" type=\"1\" thread=\"3\">\n";
  log += "<![LOG[truncated at the end\r\nof the stream";
  return log;
}

}  // namespace

TEST_CASE("log cmtrace line from the peer cache article has every field", "[verify][log]") {
  auto entries = read_log(std::string(kPeerCacheLine) + "\r\n");
  REQUIRE(entries.size() == 1);
  const LogEntry& e = entries[0];
  CHECK(e.format == LogFormat::kCmTrace);
  CHECK(
      e.message ==
      R"(Downloaded file from http:// <SourceServerName>:8003/SCCM_BranchCache$/SS10000C/sccm?/install.wim to C:\_SMSTaskSequence\Packages\SS10000C\install.wim )");
  REQUIRE(e.time);
  CHECK(e.time->year == 2015);
  CHECK(e.time->month == 6);
  CHECK(e.time->day == 26);
  CHECK(e.time->hour == 14);
  CHECK(e.time->minute == 24);
  CHECK(e.time->second == 33);
  CHECK(e.time->millisecond == 329);
  CHECK(e.time->bias_minutes == 420);
  CHECK(e.time->str() == "2015-06-26 14:24:33.329 +420");
  CHECK(e.component == "ApplyOperatingSystem");
  CHECK(e.severity == LogSeverity::kInfo);
  CHECK(e.thread == 1256);
  CHECK(e.line == 1);
}

TEST_CASE("log cmtrace attributes are read by name and tolerate variations", "[verify][log]") {
  SECTION("seven fractional digits - negative bias - unpadded date - a user context") {
    LogEntry e = parse_log_line(
        R"(<![LOG[Script started]LOG]!><time="8:05:09.1234567-060" date="1-2-2024" component="Script" context="CONTOSO\admin" type="2" thread="12" file="">)");
    CHECK(describe(e) == "1 cmtrace 2024-01-02 08:05:09.123 -060 [Script] warning 12 | Script started");
  }
  SECTION("attributes in another order with an extra one") {
    LogEntry e = parse_log_line(
        R"(<![LOG[done]LOG]!><component="WUAHandler" extra="x>y" thread="7" type="3" date="12-31-2025" time="23:59:59.999+000">)");
    CHECK(describe(e) == "1 cmtrace 2025-12-31 23:59:59.999 +000 [WUAHandler] error 7 | done");
  }
  SECTION("a time without bias or fraction") {
    LogEntry e = parse_log_line(R"(<![LOG[x]LOG]!><time="23:00:01" date="11-21-2026" component="C" type="1" thread="3">)");
    REQUIRE(e.time);
    CHECK(!e.time->bias_minutes);
    CHECK(e.time->str() == "2026-11-21 23:00:01.000");
  }
  SECTION("missing attributes leave fields empty and the type is inferred") {
    LogEntry e = parse_log_line(R"(<![LOG[Connection failed]LOG]!><component="X">)");
    CHECK(describe(e) == "1 cmtrace - [X] error - | Connection failed");
  }
  SECTION("no attributes at all") { CHECK(describe(parse_log_line("<![LOG[bare]LOG]!>")) == "1 cmtrace - [] info - | bare"); }
  SECTION("an impossible date leaves the time out") {
    LogEntry e = parse_log_line(R"(<![LOG[x]LOG]!><time="10:00:00.000+000" date="13-45-2024" component="C" type="1" thread="3">)");
    CHECK(!e.time);
    CHECK(e.component == "C");
  }
}

TEST_CASE("log cmtrace type sets the severity", "[verify][log]") {
  auto with_type = [](std::string_view type) {
    return parse_log_line(fmt::format(R"(<![LOG[error text is not read when a type is given]LOG]!><time="10:00:00.000+000" )"
                                      R"(date="01-01-2026" component="C" context="" type="{}" thread="1" file="">)",
                                      type))
        .severity;
  };
  CHECK(with_type("1") == LogSeverity::kInfo);
  CHECK(with_type("2") == LogSeverity::kWarning);
  CHECK(with_type("3") == LogSeverity::kError);
  CHECK(with_type("0") == LogSeverity::kInfo);
  CHECK(with_type("4") == LogSeverity::kInfo);
  CHECK(with_type("5") == LogSeverity::kInfo);
}

TEST_CASE("log multi-line cmtrace message keeps its newlines", "[verify][log]") {
  std::string log =
      "<![LOG[Subscribed Update Categories <?xml version=\"1.0\" ?>\r\n<Categories>\r\n <Category Id=\"Product:x\"/>\r\n"
      "</Categories>]LOG]!><time=\"08:00:12.345+420\" date=\"11-21-2026\" component=\"SMS_WSUS_CONFIGURATION_MANAGER\" "
      "context=\"\" type=\"1\" thread=\"5120\" file=\"\">\r\n"
      "<![LOG[next]LOG]!><time=\"08:00:13.000+420\" date=\"11-21-2026\" component=\"SMS_WSUS_CONFIGURATION_MANAGER\" "
      "context=\"\" type=\"1\" thread=\"5120\" file=\"\">\r\n";
  auto entries = read_log(log);
  REQUIRE(entries.size() == 2);
  CHECK(describe(entries[0]) ==
        "1 cmtrace 2026-11-21 08:00:12.345 +420 [SMS_WSUS_CONFIGURATION_MANAGER] info 5120 | Subscribed Update Categories "
        "<?xml version=\"1.0\" ?>\n<Categories>\n <Category Id=\"Product:x\"/>\n</Categories>");
  CHECK(entries[1].line == 5);
  CHECK(entries[1].message == "next");
}

TEST_CASE("log two cmtrace entries on one line come out in order", "[verify][log]") {
  std::string log =
      R"(<![LOG[a]LOG]!><time="01:00:00.000+000" date="01-01-2026" component="A" type="1" thread="1">)"
      R"(<![LOG[b starts]LOG]!><time="01:00:00.001+000" date="01-01-2026" component="B" type="1" thread="2">)"
      R"(<![LOG[c spans)"
      "\r\nlines]LOG]!><time=\"01:00:00.002+000\" date=\"01-01-2026\" component=\"C\" type=\"1\" thread=\"3\"> trailing words\n"
      "plain\n";
  auto entries = read_log(log);
  REQUIRE(entries.size() == 5);
  CHECK(describe(entries[0]) == "1 cmtrace 2026-01-01 01:00:00.000 +000 [A] info 1 | a");
  CHECK(describe(entries[1]) == "1 cmtrace 2026-01-01 01:00:00.001 +000 [B] info 2 | b starts");
  CHECK(describe(entries[2]) == "1 cmtrace 2026-01-01 01:00:00.002 +000 [C] info 3 | c spans\nlines");
  CHECK(describe(entries[3]) == "2 text - [] info - | trailing words");
  CHECK(describe(entries[4]) == "3 text - [] info - | plain");
}

TEST_CASE("log site-server lines have component stamp and thread", "[verify][log]") {
  CHECK(describe(parse_log_line(kSummarizerLine)) ==
        "1 site-server 2016-12-06 03:11:46.039 +300 [SMS_SITE_SYSTEM_STATUS_SUMMARIZER] info 4840 | "
        "---->: An event has occurred, the event code is: 0x1");
  CHECK(describe(parse_log_line(kHierarchyLine)) ==
        "1 site-server 2023-07-15 09:12:45.332 +240 [SMS_HIERARCHY_MANAGER] info 4116 | Sending status message (MessageID = 500).");
  LogEntry e = parse_log_line(kSummarizerLine);
  REQUIRE(e.time);
  CHECK(e.time->year == 2016);
  CHECK(e.time->month == 12);
  CHECK(e.time->day == 6);
  CHECK(e.time->hour == 3);
  CHECK(e.time->minute == 11);
  CHECK(e.time->second == 46);
  CHECK(e.time->millisecond == 39);
  CHECK(e.time->bias_minutes == 300);
  CHECK(e.format == LogFormat::kSiteServer);
}

TEST_CASE("log site-server tildes become newlines and components may have spaces", "[verify][log]") {
  CHECK(
      describe(parse_log_line("PutInstanceAsync SMS_SCI_SysResUse~  $$<SMS Provider><11-21-2026 08:00:10.100+420><thread=3344 (0xD10)>")) ==
      "1 site-server 2026-11-21 08:00:10.100 +420 [SMS Provider] info 3344 | PutInstanceAsync SMS_SCI_SysResUse");
  CHECK(parse_log_line("Setting new configuration state to 1 (WSUS_CONFIG_PENDING)~  $$<SMS_WSUS_CONFIGURATION_MANAGER><11-21-2026 "
                       "08:00:12.345+420><thread=5120 (0x1400)>")
            .message == "Setting new configuration state to 1 (WSUS_CONFIG_PENDING)");
  LogEntry xml = parse_log_line(
      "Subscribed Update Categories <?xml version=\"1.0\" ?>~~<Categories>~~ <Category Id=\"Product:x\"><![CDATA[Windows Server "
      "2012]]></Category>~~</Categories>~~  $$<SMS_WSUS_CONFIGURATION_MANAGER><11-21-2026 08:00:12.345+420><thread=5120 (0x1400)>");
  CHECK(xml.message ==
        "Subscribed Update Categories <?xml version=\"1.0\" ?>\n<Categories>\n <Category Id=\"Product:x\"><![CDATA[Windows Server "
        "2012]]></Category>\n</Categories>");
  CHECK(xml.component == "SMS_WSUS_CONFIGURATION_MANAGER");
  LogEntry failed = parse_log_line(
      "Sync failed: WSUS server not configured. Please refer to WCM.log for configuration error details. Source: CWSyncMgr::DoSync  "
      "$$<SMS_WSUS_SYNC_MANAGER><11-21-2026 09:00:00.000+420><thread=2211 (0x8A3)>");
  CHECK(failed.severity == LogSeverity::kError);
  CHECK(failed.thread == 2211);
}

TEST_CASE("log site-server stamps it cannot read keep the component", "[verify][log]") {
  CHECK(describe(parse_log_line("Starting Site Component Manager  $$<SMS_SITE_COMPONENT_MANAGER><Fri Mar 26 10:43:41.547 1999 Eastern "
                                "Standard Time><thread=278>")) ==
        "1 site-server - [SMS_SITE_COMPONENT_MANAGER] info 278 | Starting Site Component Manager");
  CHECK(describe(parse_log_line("Warning: half a stamp  $$<SMS_EXECUTIVE><11-21-2026 08:0")) ==
        "1 site-server - [SMS_EXECUTIVE] warning - | Warning: half a stamp");
  CHECK(parse_log_line("costs $$< 5 dollars").format == LogFormat::kText);
}

TEST_CASE("log setup lines from SUPSetup.log", "[verify][log]") {
  std::string log =
      "<02/09/14 22:53:28> ====================================================================\r\n"
      "<02/09/14 22:53:28> SMSWSUS Setup Started....\r\n"
      "<02/09/14 22:53:28>    ======== Installing Pre Reqs for Role SMSWSUS ========\r\n"
      "<02/09/14 22:53:28> Did not find supported version of assembly Microsoft.UpdateServices.Administration.\r\n"
      "<02/09/14 22:53:44> CTool::RegisterManagedBinary: Failed to register E:\\ConfigMgr\\bin\\x64\\wsusmsp.dll with .Net Fx 2.0\r\n"
      "<02/09/14 22:53:44> INFO: MSODBC version is 18.4.1.1\r\n"
      "<02/09/14 22:53:44> Installation was successful.\r\n"
      "<02/09/14 22:53:44> ~RoleSetup().\r\n";
  auto entries = read_log(log);
  REQUIRE(entries.size() == 8);
  CHECK(describe(entries[0]) ==
        "1 setup 2014-02-09 22:53:28.000 [] info - | ====================================================================");
  CHECK(describe(entries[1]) == "2 setup 2014-02-09 22:53:28.000 [] info - | SMSWSUS Setup Started....");
  CHECK(entries[2].message == "   ======== Installing Pre Reqs for Role SMSWSUS ========");
  CHECK(entries[3].severity == LogSeverity::kInfo);
  CHECK(entries[4].severity == LogSeverity::kError);
  CHECK(entries[5].severity == LogSeverity::kInfo);
  CHECK(describe(entries[7]) == "8 setup 2014-02-09 22:53:44.000 [] info - | ~RoleSetup().");
  REQUIRE(entries[7].time);
  CHECK(!entries[7].time->bias_minutes);
  CHECK(entries[7].time->year == 2014);
  CHECK(entries[7].time->second == 44);
}

TEST_CASE("log plain text lines infer their severity", "[verify][log]") {
  CHECK(describe(parse_log_line("Sync failed. Will retry in 60 minutes")) == "1 text - [] error - | Sync failed. Will retry in 60 minutes");
  CHECK(parse_log_line("System.Net.WebException: The request failed with HTTP status 502").severity == LogSeverity::kError);
  CHECK(parse_log_line("ERROR: something").severity == LogSeverity::kError);
  CHECK(parse_log_line("Cluster Failover completed").severity == LogSeverity::kInfo);
  CHECK(parse_log_line("failover then FAILURE").severity == LogSeverity::kError);
  CHECK(parse_log_line("WARNING: low disk").severity == LogSeverity::kWarning);
  CHECK(parse_log_line("a warning and an error").severity == LogSeverity::kError);
  CHECK(parse_log_line("Successfully connected to local WSUS server").severity == LogSeverity::kInfo);
  CHECK(parse_log_line("Bootstrap operations completed.").format == LogFormat::kText);
  CHECK(parse_log_line("<02/09/14 25:99:00> not a stamp").format == LogFormat::kText);
  CHECK(describe(parse_log_line("<![LOG[never closed")) == "1 text - [] info - | <![LOG[never closed");
}

TEST_CASE("log time renders its bias with a sign", "[verify][log]") {
  LogTime t{2026, 11, 21, 8, 0, 12, 345, std::nullopt};
  CHECK(t.str() == "2026-11-21 08:00:12.345");
  t.bias_minutes = 420;
  CHECK(t.str() == "2026-11-21 08:00:12.345 +420");
  t.bias_minutes = 0;
  CHECK(t.str() == "2026-11-21 08:00:12.345 +000");
  t.bias_minutes = -60;
  CHECK(t.str() == "2026-11-21 08:00:12.345 -060");
}

TEST_CASE("log format and severity names", "[verify][log]") {
  CHECK(log_format_name(LogFormat::kCmTrace) == "cmtrace");
  CHECK(log_format_name(LogFormat::kSiteServer) == "site-server");
  CHECK(log_format_name(LogFormat::kSetup) == "setup");
  CHECK(log_format_name(LogFormat::kText) == "text");
  CHECK(log_severity_name(LogSeverity::kInfo) == "info");
  CHECK(log_severity_name(LogSeverity::kWarning) == "warning");
  CHECK(log_severity_name(LogSeverity::kError) == "error");
}

TEST_CASE("log line numbers count blank lines which make no entry", "[verify][log]") {
  std::vector<LogEntry> entries;
  LogReader reader([&entries](LogEntry&& e) { entries.push_back(std::move(e)); });
  reader.feed("a\n\nb\r\n\r\n  \t\nc");
  CHECK(reader.lines() == 5);
  reader.finish();
  CHECK(reader.lines() == 6);
  CHECK(describe_all(entries) == std::vector<std::string>{"1 text - [] info - | a", "3 text - [] info - | b", "6 text - [] info - | c"});
}

TEST_CASE("log utf-8 bom and crlf", "[verify][log]") {
  std::vector<LogEntry> entries;
  LogReader reader([&entries](LogEntry&& e) { entries.push_back(std::move(e)); });
  CHECK(reader.encoding() == LogEncoding::kDetect);
  reader.feed("\xEF\xBB");
  CHECK(reader.encoding() == LogEncoding::kDetect);
  reader.feed("\xBF<02/09/14 22:53:28> SMSWSUS Setup Started....\r\ncaf\xC3\xA9\r");
  CHECK(reader.encoding() == LogEncoding::kUtf8);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].format == LogFormat::kSetup);
  CHECK(entries[0].message == "SMSWSUS Setup Started....");
  reader.feed("\n");
  REQUIRE(entries.size() == 2);
  CHECK(entries[1].message == "café");
  CHECK(entries[1].line == 2);
  CHECK(reader.buffered() == 0);
}

TEST_CASE("log partial last line waits for finish", "[verify][log]") {
  std::vector<LogEntry> entries;
  LogReader reader([&entries](LogEntry&& e) { entries.push_back(std::move(e)); });
  reader.feed("<02/09/14 22:53:44> Installation was successful.\r\n<02/09/14 22:53:44> ~RoleSetup().");
  REQUIRE(entries.size() == 1);
  CHECK(reader.buffered() == std::string_view("<02/09/14 22:53:44> ~RoleSetup().").size());
  CHECK(reader.lines() == 1);
  reader.feed("");
  CHECK(entries.size() == 1);
  reader.finish();
  REQUIRE(entries.size() == 2);
  CHECK(describe(entries[1]) == "2 setup 2014-02-09 22:53:44.000 [] info - | ~RoleSetup().");
  CHECK(reader.lines() == 2);
  CHECK(reader.buffered() == 0);
}

TEST_CASE("log a cmtrace line without a final line end still parses on finish", "[verify][log]") {
  std::vector<LogEntry> entries;
  LogReader reader([&entries](LogEntry&& e) { entries.push_back(std::move(e)); });
  reader.feed(kPeerCacheLine);
  CHECK(entries.empty());
  reader.finish();
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].format == LogFormat::kCmTrace);
  CHECK(entries[0].thread == 1256);
}

TEST_CASE("log utf-16le with bom decodes non-ascii and surrogate pairs", "[verify][log]") {
  std::string utf8 = std::string(kPeerCacheLine) + "\r\n" + "<![LOG[Größe 😀 done]LOG]!><time=\"10:00:00.000+000\" date=\"01-01-2026\" " +
                     "component=\"Comp é\" context=\"\" type=\"2\" thread=\"9\" file=\"\">\r\n" + std::string(kSummarizerLine) + "\r\n" +
                     "plain 😀 text\r\n";
  std::string utf16 = to_utf16le(utf8, true);
  REQUIRE(utf16.substr(0, 4) == "\xFF\xFE<\0"s);
  std::vector<LogEntry> entries;
  LogReader reader([&entries](LogEntry&& e) { entries.push_back(std::move(e)); });
  reader.feed(utf16);
  CHECK(reader.encoding() == LogEncoding::kUtf16Le);
  reader.finish();
  REQUIRE(entries.size() == 4);
  CHECK(describe(entries[1]) == "2 cmtrace 2026-01-01 10:00:00.000 +000 [Comp é] warning 9 | Größe 😀 done");
  CHECK(entries[3].message == "plain 😀 text");
  CHECK(describe_all(entries) == describe_all(read_log(utf8)));
}

TEST_CASE("log feeding one byte at a time gives the same entries as feeding whole", "[verify][log]") {
  std::string log = mixed_log();
  auto whole = describe_all(read_log(log));
  REQUIRE(whole.size() == 14);
  CHECK(whole[1] ==
        "2 cmtrace 2024-01-02 08:00:12.345 -060 [SMS_WSUS_CONFIGURATION_MANAGER] warning 5120 | Subscribed Update Categories <?xml "
        "version=\"1.0\" ?>\n<Categories>\n</Categories>");
  CHECK(whole[7] == "10 text - [] error - | Sync failed. Will retry in 60 minutes");
  CHECK(whole[8] == "12 text - [] info - | Größe: 4 Kategorien 😀 für café");
  CHECK(whole[9] == "13 cmtrace 2025-02-03 01:02:03.004 +000 [A] error 1 | first");
  CHECK(whole[10] == "13 cmtrace 2025-02-03 01:02:03.005 +000 [B] info 2 | second\nspans");
  CHECK(whole[11] == "15 text - [] info - | <![LOG[never closed");
  CHECK(whole[12] == "16 cmtrace 2025-02-03 09:00:00.000 +000 [C] info 3 | after the unclosed one");
  CHECK(whole[13] == "17 text - [] info - | <![LOG[truncated at the end\nof the stream");
  SECTION("utf-8") {
    for (std::size_t piece : {1, 2, 3, 7, 64, 1000}) {
      INFO("piece " << piece);
      CHECK(describe_all(read_in_pieces(log, piece)) == whole);
    }
    CHECK(describe_all(read_in_pieces("\xEF\xBB\xBF" + log, 1)) == whole);
  }
  SECTION("utf-16le") {
    std::string utf16 = to_utf16le(log, true);
    for (std::size_t piece : {1, 2, 3, 5, 64, 1001}) {
      INFO("piece " << piece);
      CHECK(describe_all(read_in_pieces(utf16, piece)) == whole);
    }
  }
  SECTION("with cuts at a small max_entry_bytes") {
    std::string cut_log =
        log + "\n" + std::string(300, 'x') + "\n<![LOG[" + std::string(100, 'y') + "\r\n" + std::string(100, 'z') + "\nafter\n";
    auto cut_whole = describe_all(read_in_pieces(cut_log, cut_log.size(), LogEncoding::kDetect, 128));
    for (std::size_t piece : {1, 2, 13}) {
      INFO("piece " << piece);
      CHECK(describe_all(read_in_pieces(cut_log, piece, LogEncoding::kDetect, 128)) == cut_whole);
    }
  }
}

TEST_CASE("log reader started mid-file in utf-16le", "[verify][log]") {
  std::string first = "<02/09/14 22:53:28> SMSWSUS Setup Started....\r\n";
  std::string rest = "<02/09/14 22:53:44> Größe 😀\r\n<02/09/14 22:53:44> ~RoleSetup().\r\n";
  std::string file = to_utf16le(first + rest, true);
  std::string tail = file.substr(2 + 2 * first.size());
  REQUIRE(tail.substr(0, 2) == "<\0"s);
  std::vector<LogEntry> entries;
  LogReader reader([&entries](LogEntry&& e) { entries.push_back(std::move(e)); }, LogEncoding::kUtf16Le);
  CHECK(reader.encoding() == LogEncoding::kUtf16Le);
  reader.feed(tail);
  reader.finish();
  CHECK(describe_all(entries) == std::vector<std::string>{"1 setup 2014-02-09 22:53:44.000 [] info - | Größe 😀",
                                                          "2 setup 2014-02-09 22:53:44.000 [] info - | ~RoleSetup()."});
  SECTION("a bom the reader was not expecting is skipped") {
    CHECK(describe_all(read_log(file, LogEncoding::kUtf16Le)) == describe_all(read_log(first + rest)));
    CHECK(describe_all(read_log("\xEF\xBB\xBF" + first, LogEncoding::kUtf8)) == describe_all(read_log(first)));
  }
}

TEST_CASE("log invalid utf-8 and utf-16 become replacement characters", "[verify][log]") {
  const std::string& r = kReplacement;
  SECTION("utf-8") {
    auto entries = read_log(
        "a\xC0\xAF"
        "b\xED\xA0\x80"
        "c\xE2\x82"
        "d\xF0\x9F\x98\x80"
        "e\xF4\x90\x80\x80"
        "f\xFF"
        "g\nx\xE2\x82");
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].message == "a" + r + r + "b" + r + r + r + "c" + r + "d😀e" + r + r + r + r + "f" + r + "g");
    CHECK(entries[1].message == "x" + r);
    CHECK(describe_all(read_in_pieces("a\xC0\xAF"
                                      "b\xED\xA0\x80"
                                      "c\xE2\x82"
                                      "d\xF0\x9F\x98\x80"
                                      "e\xF4\x90\x80\x80"
                                      "f\xFF"
                                      "g\nx\xE2\x82",
                                      1)) == describe_all(entries));
  }
  SECTION("utf-16le") {
    std::string bytes =
        "\xFF\xFE"s + "a\0"s + "\x00\xD8"s + "b\0"s + "\x00\xDC"s + "c\0"s + "\x3D\xD8\x00\xDE"s + "\n\0"s + "\x3D\xD8"s + "z";
    auto entries = read_log(bytes);
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].message == "a" + r + "b" + r + "c😀");
    CHECK(entries[1].message == r + r);
    CHECK(describe_all(read_in_pieces(bytes, 1)) == describe_all(entries));
  }
  SECTION("a lone byte that might have been a bom") {
    CHECK(read_log("\xFF").at(0).message == r);
    CHECK(read_log("\xEF\xBB").at(0).message == r);
  }
}

TEST_CASE("log mixed encodings become replacement characters without a crash", "[verify][log]") {
  std::string log = "<02/09/14 22:53:28> SMSWSUS Setup Started....\r\n"s + "H\0i\0=\xD8\0\xDE"s + "\n" + "\xFF\xFE" + "x\0"s + "\r\n" +
                    std::string(kSummarizerLine) + "\r\n";
  auto entries = read_log(log);
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].format == LogFormat::kSetup);
  CHECK(entries[1].message == "Hi=" + kReplacement + kReplacement);
  CHECK(entries[2].message == kReplacement + kReplacement + "x");
  CHECK(entries[3].format == LogFormat::kSiteServer);
  CHECK(entries[3].line == 4);
  for (const LogEntry& e : entries) CHECK(valid_utf8(e.message));
}

TEST_CASE("log truncated cmtrace block comes out as text on finish", "[verify][log]") {
  std::vector<LogEntry> entries;
  LogReader reader([&entries](LogEntry&& e) { entries.push_back(std::move(e)); });
  reader.feed(std::string(kPeerCacheLine) + "\r\n<![LOG[first line\r\nsecond line]LOG");
  REQUIRE(entries.size() == 1);
  CHECK(reader.buffered() > 0);
  reader.finish();
  REQUIRE(entries.size() == 2);
  CHECK(describe(entries[1]) == "2 text - [] info - | <![LOG[first line\nsecond line]LOG");
  CHECK(reader.lines() == 3);
}

TEST_CASE("log a block opening while another is open ends the open one", "[verify][log]") {
  auto entries = read_log("<![LOG[never closed\r\nstill inside\r\n" + std::string(kPeerCacheLine) + "\r\n");
  REQUIRE(entries.size() == 2);
  CHECK(describe(entries[0]) == "1 text - [] info - | <![LOG[never closed\nstill inside");
  CHECK(entries[1].format == LogFormat::kCmTrace);
  CHECK(entries[1].line == 3);
}

TEST_CASE("log long entries are cut at max_entry_bytes and the next line parses", "[verify][log]") {
  constexpr std::size_t kMax = 4096;
  SECTION("a long line") {
    std::string log = std::string(10000, 'A') + "\r\n" + std::string(kPeerCacheLine) + "\r\n";
    std::vector<LogEntry> entries;
    LogReader reader([&entries](LogEntry&& e) { entries.push_back(std::move(e)); }, LogEncoding::kDetect, kMax);
    for (std::size_t at = 0; at < log.size(); at += 1000) {
      reader.feed(std::string_view(log).substr(at, 1000));
      CHECK(reader.buffered() <= kMax + 16);
    }
    reader.finish();
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].format == LogFormat::kText);
    CHECK(entries[0].message == std::string(kMax, 'A'));
    CHECK(entries[0].line == 1);
    CHECK(describe(entries[1]) == describe(parse_log_line(kPeerCacheLine)).replace(0, 1, "2"));
  }
  SECTION("a cut falls back to a character boundary") {
    std::string log = "x";
    for (int i = 0; i < 3000; ++i) log += "é";
    log += "\nnext\n";
    auto entries = read_in_pieces(log, 7, LogEncoding::kDetect, kMax);
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].message.size() == kMax - 1);
    CHECK(valid_utf8(entries[0].message));
    CHECK(describe(entries[1]) == "2 text - [] info - | next");
  }
  SECTION("a block that never closes") {
    std::string log = "<![LOG[start\r\n";
    for (int i = 0; i < 200; ++i) log += fmt::format("continuation line {:03} of a block that never closes\r\n", i);
    log += std::string(kPeerCacheLine) + "\r\n";
    std::vector<LogEntry> entries;
    LogReader reader([&entries](LogEntry&& e) { entries.push_back(std::move(e)); }, LogEncoding::kDetect, kMax);
    reader.feed(log);
    reader.finish();
    REQUIRE(entries.size() >= 3);
    CHECK(entries[0].format == LogFormat::kText);
    CHECK(entries[0].line == 1);
    CHECK(entries[0].message.starts_with("<![LOG[start\ncontinuation line 000"));
    auto newlines = static_cast<std::uint64_t>(std::count(entries[0].message.begin(), entries[0].message.end(), '\n'));
    // The CRs of the lines inside count toward the limit but are not in the message.
    CHECK(entries[0].message.size() + newlines == kMax);
    CHECK(entries[1].line == newlines + 2);
    CHECK(entries[1].format == LogFormat::kText);
    CHECK(entries[1].message.starts_with("continuation line "));
    CHECK(entries.back().format == LogFormat::kCmTrace);
    CHECK(entries.back().line == 202);
    CHECK(reader.lines() == 202);
  }
}

TEST_CASE("log chunking never changes where an entry is cut", "[verify][log]") {
  constexpr std::size_t kMax = 64;
  SECTION("a cut that falls on the line end of the block's last line") {
    std::string log = "<![LOG[" + std::string(57, 'a') + "\nsecond\n";
    std::vector<std::string> expected{"1 text - [] info - | <![LOG[" + std::string(57, 'a'), "2 text - [] info - | second"};
    for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{65}, log.size()}) {
      INFO("piece " << piece);
      CHECK(describe_all(read_in_pieces(log, piece, LogEncoding::kDetect, kMax)) == expected);
    }
  }
  SECTION("a block opening after a long unclosed one is awaited - not cut") {
    std::string log = "<![LOG[" + std::string(55, 'a') + "\r\n<![LOG[ok]LOG]!><type=\"1\">\n";
    std::vector<std::string> expected{"1 text - [] info - | <![LOG[" + std::string(55, 'a'), "2 cmtrace - [] info - | ok"};
    for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{67}, log.size()}) {
      INFO("piece " << piece);
      CHECK(describe_all(read_in_pieces(log, piece, LogEncoding::kDetect, kMax)) == expected);
    }
  }
}

TEST_CASE("log binary garbage does not crash and stays bounded", "[verify][log]") {
  std::mt19937 random(20261121);
  std::string garbage(64 * 1024, '\0');
  for (char& c : garbage) {
    auto v = random();
    c = v % 8 == 0 ? '\0' : static_cast<char>(v >> 8);
  }
  for (std::size_t max_entry : {std::size_t{256}, LogReader::kDefaultMaxEntryBytes}) {
    INFO("max_entry_bytes " << max_entry);
    std::size_t count = 0, bad = 0, largest_buffer = 0;
    LogReader reader(
        [&](LogEntry&& e) {
          ++count;
          if (!valid_utf8(e.message) || e.message.find('\0') != std::string::npos || e.message.size() > max_entry) ++bad;
        },
        LogEncoding::kDetect, max_entry);
    for (std::size_t at = 0; at < garbage.size();) {
      std::size_t n = 1 + random() % 4096;
      reader.feed(std::string_view(garbage).substr(at, n));
      at += n;
      largest_buffer = std::max(largest_buffer, reader.buffered());
    }
    reader.finish();
    CHECK(count > 0);
    CHECK(bad == 0);
    CHECK(largest_buffer <= max_entry + 16);
    CHECK(reader.buffered() == 0);
  }
}

TEST_CASE("log any chunking of hostile input gives the same entries", "[verify][log]") {
  const std::array<std::string, 16> kPieces{"<![LOG[",
                                            "]LOG]!>",
                                            "<time=\"10:00:00.000+000\" date=\"01-01-2026\" type=\"3\" thread=\"1\">",
                                            "\r\n",
                                            "\n",
                                            "\r",
                                            "$$<",
                                            "<SMS Provider>",
                                            "<thread=12 (0xC)>",
                                            "<02/09/14 22:53:28> ",
                                            "é",
                                            "\xF0\x9F",
                                            "\x98\x80",
                                            "\xFF\xFE",
                                            "~~",
                                            "plain words "};
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 random(seed);
    std::string log;
    while (log.size() < 4000) {
      auto v = random();
      if (v % 5 == 0) {
        log += static_cast<char>(random());
      } else {
        log += kPieces[v % kPieces.size()];
      }
    }
    // The same bytes read as UTF-8 and as UTF-16LE.
    const std::string& encoded = log;
    auto whole = describe_all(read_in_pieces(encoded, encoded.size(), LogEncoding::kDetect, 100));
    for (std::size_t piece : {std::size_t{1}, std::size_t{1} + seed % 17}) {
      INFO("seed " << seed << " piece " << piece);
      CHECK(describe_all(read_in_pieces(encoded, piece, LogEncoding::kDetect, 100)) == whole);
      CHECK(describe_all(read_in_pieces(encoded, piece, LogEncoding::kUtf16Le, 100)) ==
            describe_all(read_in_pieces(encoded, encoded.size(), LogEncoding::kUtf16Le, 100)));
    }
  }
}

TEST_CASE("log reader can be moved between feeds", "[verify][log]") {
  std::vector<LogEntry> entries;
  LogReader first([&entries](LogEntry&& e) { entries.push_back(std::move(e)); });
  first.feed(kPeerCacheLine.substr(0, 40));
  LogReader second = std::move(first);
  second.feed(kPeerCacheLine.substr(40));
  second.feed("\n");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].thread == 1256);
}

TEST_CASE("log 200 MiB log is read in bounded memory", "[verify][log]") {
  struct Template {
    std::string_view component, message, file;
    int type;
  };
  static constexpr std::array<Template, 8> kTemplates{{
      {"SMS_WSUS_SYNC_MANAGER", "Synchronizing WSUS server SUP01.contoso.com", "wsyncmgr.cpp:1832", 1},
      {"SMS_WSUS_SYNC_MANAGER", "sync: WSUS synchronizing updates, processed 130 out of 130 items (100%)", "wsyncmgr.cpp:2011", 1},
      {"SMS_WSUS_SYNC_MANAGER",
       "Sync failed: UssCommunicationError: WebException: The remote name could not be resolved: 'sws.update.microsoft.com'",
       "wsyncmgr.cpp:1190", 3},
      {"SMS_WSUS_CONFIGURATION_MANAGER", "Attempting connection to WSUS server: CE1SITE.CONTOSO.COM, port: 8530, useSSL: False",
       "wcm.cpp:704", 1},
      {"SMS_WSUS_CONFIGURATION_MANAGER", "Setting new configuration state to 2 (WSUS_CONFIG_SUCCESS)", "wcm.cpp:1017", 1},
      {"SMS_WSUS_CONFIGURATION_MANAGER", "Proxy settings could not be verified; retrying", "wcm.cpp:1290", 2},
      {"SMS_WSUS_CONTROL_MANAGER", "Successfully connected to local WSUS server", "wsusctrl.cpp:515", 1},
      {"SMS_WSUS_CONTROL_MANAGER", "Größe der Datenbank geprüft 😀", "wsusctrl.cpp:802", 1},
  }};
  constexpr std::uint64_t kTotal = std::uint64_t{200} * 1024 * 1024;
  constexpr std::size_t kChunk = 64 * 1024;
  constexpr std::size_t kBound = 4096;  // more than the longest entry, far less than the log

  std::uint64_t seen = 0, seen_errors = 0, seen_other = 0;
  LogReader reader([&](LogEntry&& e) {
    ++seen;
    if (e.severity == LogSeverity::kError) ++seen_errors;
    if (e.format != LogFormat::kCmTrace || !e.time || !e.thread) ++seen_other;
  });

  const long rss_before = peak_rss_kib();
  std::string chunk;
  chunk.reserve(2 * kChunk);
  std::uint64_t fed = 0, entries = 0, lines = 0, errors = 0;
  std::size_t largest_buffer = 0;
  bool bounded = true;
  std::chrono::steady_clock::duration in_reader{};
  const auto start = std::chrono::steady_clock::now();
  while (fed < kTotal) {
    while (chunk.size() < kChunk) {
      const Template& t = kTemplates[entries % kTemplates.size()];
      std::uint64_t ms = entries * 7;
      bool multi = entries % 50 == 49;
      std::string_view message = multi ? "Subscribed Update Categories <?xml version=\"1.0\" ?>\r\n<Categories>\r\n <Category "
                                         "Id=\"Product:x\"><![CDATA[Windows Server 2012]]></Category>\r\n</Categories>"
                                       : t.message;
      fmt::format_to(std::back_inserter(chunk),
                     "<![LOG[{}]LOG]!><time=\"{:02}:{:02}:{:02}.{:03}+420\" date=\"11-21-2026\" component=\"{}\" context=\"\" "
                     "type=\"{}\" thread=\"{}\" file=\"{}\">\r\n",
                     message, ms / 3600000 % 24, ms / 60000 % 60, ms / 1000 % 60, ms % 1000, t.component, t.type, 4000 + entries % 64,
                     t.file);
      ++entries;
      lines += multi ? 4 : 1;
      if (t.type == 3) ++errors;
    }
    // Feed exactly kChunk bytes, so that the cuts fall mid-line, mid-character, mid-token.
    auto before = std::chrono::steady_clock::now();
    reader.feed(std::string_view(chunk).substr(0, kChunk));
    in_reader += std::chrono::steady_clock::now() - before;
    fed += kChunk;
    chunk.erase(0, kChunk);
    largest_buffer = std::max(largest_buffer, reader.buffered());
    if (reader.buffered() > kBound) bounded = false;
  }
  auto before = std::chrono::steady_clock::now();
  reader.feed(chunk);
  reader.finish();
  in_reader += std::chrono::steady_clock::now() - before;
  fed += chunk.size();
  const double total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double reader_seconds = std::chrono::duration<double>(in_reader).count();
  const long rss_after = peak_rss_kib();

  WARN(
      fmt::format("read {:.1f} MiB, {} entries, {} lines: reader {:.3f} s ({:.0f} MiB/s), with generation {:.3f} s; "
                  "largest buffer {} bytes; peak RSS {} KiB -> {} KiB (+{} KiB)",
                  static_cast<double>(fed) / (1024 * 1024), seen, reader.lines(), reader_seconds,
                  static_cast<double>(fed) / (1024 * 1024) / reader_seconds, total_seconds, largest_buffer, rss_before, rss_after,
                  rss_after - rss_before));
  CHECK(fed >= kTotal);
  CHECK(seen == entries);
  CHECK(reader.lines() == lines);
  CHECK(seen_errors == errors);
  CHECK(seen_other == 0);
  CHECK(bounded);
  CHECK(largest_buffer <= kBound);
  if (!kAddressSanitizer) CHECK(rss_after - rss_before < 64 * 1024);
}

}  // namespace supctl::formats
