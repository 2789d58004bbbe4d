#include "backends/powershell/winrm_soap.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

namespace wsman = supctl::powershell::wsman;

// Namespaces are bound to other prefixes than supctl's, and one by default: reading goes by URI.
constexpr std::string_view kReceive =
    R"(<?xml version="1.0"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" )"
    R"(xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing"><soap:Header><wsa:RelatesTo>uuid:1</wsa:RelatesTo>)"
    R"(</soap:Header><soap:Body><ReceiveResponse xmlns="http://schemas.microsoft.com/wbem/wsman/1/windows/shell">)"
    R"(<Stream Name="stdout" CommandId="C1">aGVs</Stream><Stream Name="stderr" CommandId="C1">b29w</Stream>)"
    R"(<Stream Name="stdout" CommandId="OTHER">eHh4</Stream><Stream Name="stdout" CommandId="C1">bG8=</Stream>)"
    R"(<Stream Name="stdout" CommandId="C1" End="true"></Stream>)"
    R"(<CommandState CommandId="C1" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done">)"
    R"(<ExitCode>4294967295</ExitCode></CommandState></ReceiveResponse></soap:Body></soap:Envelope>)";

TEST_CASE("wsman reads receive responses by namespace URI", "[winrm]") {
  std::string error;
  auto output = wsman::parse_receive(kReceive, "C1", &error);
  INFO(error);
  REQUIRE(output);
  CHECK(output->stdout_bytes == "hello");
  CHECK(output->stderr_bytes == "oop");
  CHECK(output->done);
  CHECK(output->exit_code == -1);  // WinRS reports the 32-bit code unsigned
  CHECK(wsman::parse_response(kReceive).relates_to == "uuid:1");
}

TEST_CASE("wsman does not take an element of another namespace for a shell element", "[winrm]") {
  std::string text(kReceive);
  text.replace(text.find("windows/shell\">"), 13, "windows/other");
  std::string error;
  CHECK_FALSE(wsman::parse_receive(text, "C1", &error));
  CHECK(error == "the Receive response has no ReceiveResponse");
}

TEST_CASE("wsman reads a fault's reason and codes", "[winrm]") {
  constexpr std::string_view kFault =
      R"(<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value>)"
      R"(<s:Subcode><s:Value>w:TimedOut</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">  No output yet. </s:Text>)"
      R"(</s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858793"/>)"
      R"(</s:Detail></s:Fault></s:Body></s:Envelope>)";
  wsman::Response response = wsman::parse_response(kFault);
  REQUIRE(response.fault);
  CHECK(response.fault->subcode == "TimedOut");
  CHECK(response.fault->reason == "No output yet.");
  CHECK(response.fault->wsman_code == 2150858793u);
  CHECK(response.fault->timed_out());
  CHECK_FALSE(response.fault->quota());
  CHECK(response.fault->describe() == "No output yet. (WS-Management fault 2150858793)");
}

TEST_CASE("wsman recognises quota faults by code or by message", "[winrm]") {
  wsman::Fault by_wmi{.reason = "quota", .wmi_code = 2150859174};
  wsman::Fault by_message{.reason = "This user has exceeded MaxShellsPerUser."};
  wsman::Fault other{.reason = "Access is denied.", .wsman_code = 5};
  CHECK(by_wmi.quota());
  CHECK(by_message.quota());
  CHECK_FALSE(other.quota());
}

TEST_CASE("wsman reports text that is not a SOAP envelope", "[winrm]") {
  CHECK(wsman::parse_response("<html>Bad Request</html>").error ==
        "the response is not a SOAP 1.2 envelope (its root is 'html')");
  CHECK(wsman::parse_response("oops <").error.starts_with("the response is not XML"));
}

TEST_CASE("wsman base64 round-trips every byte value", "[winrm]") {
  std::string bytes;
  for (int i = 0; i < 256 * 3 + 2; ++i) bytes += static_cast<char>(i % 256);
  for (std::size_t n : {0u, 1u, 2u, 3u, 4u, 770u}) {
    std::string part = bytes.substr(0, n);
    CHECK(wsman::base64_decode(wsman::base64_encode(part)) == part);
  }
  CHECK(wsman::base64_encode("hello") == "aGVsbG8=");
  CHECK(wsman::base64_decode("aGVs\r\nbG8=") == "hello");
  CHECK_FALSE(wsman::base64_decode("aGVsbG8"));
  CHECK_FALSE(wsman::base64_decode("aGV*bG8="));
}

TEST_CASE("wsman quotes arguments the way Windows parses them", "[winrm]") {
  CHECK(wsman::quote_windows_argument("-NoProfile") == "-NoProfile");
  CHECK(wsman::quote_windows_argument("") == "\"\"");
  CHECK(wsman::quote_windows_argument("C:\\Program Files\\") == "\"C:\\Program Files\\\\\"");
  CHECK(wsman::quote_windows_argument("say \"hi\"") == "\"say \\\"hi\\\"\"");
}

}  // namespace
