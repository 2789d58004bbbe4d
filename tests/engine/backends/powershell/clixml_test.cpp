// CLIXML on stderr (reference/transport.md 1.4): error strings kept and unescaped, progress and
// other streams dropped, several documents in one stream, plain text passed through.

#include <catch2/catch.hpp>

#include <string>

#include "backends/powershell/clixml.h"

namespace supctl::powershell {
namespace {

const std::string kObjs = "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">";

const std::string kProgress =
    "<Obj S=\"progress\" RefId=\"0\"><TN "
    "RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>"
    "<MS><I64 N=\"SourceId\">1</I64><PR N=\"Record\"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil "
    "/><PI>-1</PI>"
    "<PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>";

std::string error_line(const std::string& text) { return "<S S=\"Error\">" + text + "_x000D__x000A_</S>"; }

TEST_CASE("stderr without CLIXML passes through unchanged", "[powershell]") {
  CHECK(decode_clixml("") == "");
  CHECK(decode_clixml("ssh: connect to host pr1wsus port 22: Connection refused\r\n") ==
        "ssh: connect to host pr1wsus port 22: Connection refused\r\n");
  CHECK(decode_clixml("<Objs> looks like XML but has no header _x000D_") ==
        "<Objs> looks like XML but has no header _x000D_");
}

TEST_CASE("the error of Write-Error is decoded into its lines", "[powershell]") {
  std::string stderr_text =
      "#< CLIXML\r\n" + kObjs + error_line("Write-Error \"Error\" : Error") +
      error_line("    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException") +
      error_line("    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException") +
      "<S S=\"Error\"> _x000D__x000A_</S></Objs>";
  CHECK(decode_clixml(stderr_text) ==
        "Write-Error \"Error\" : Error\n"
        "    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException\n"
        "    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException");
}

TEST_CASE("progress records and empty documents decode to nothing", "[powershell]") {
  CHECK(decode_clixml("#< CLIXML\r\n" + kObjs + "</Objs>") == "");
  CHECK(decode_clixml("#< CLIXML\r\n" + kObjs + kProgress + "</Objs>") == "");
  CHECK(decode_clixml("#< CLIXML\r\n" + kObjs + kProgress + error_line("boom") + "</Objs>") == "boom");
}

TEST_CASE("other streams than errors are dropped", "[powershell]") {
  std::string stderr_text =
      "#< CLIXML\r\n" + kObjs + "<S S=\"warning\">careful_x000D__x000A_</S>" +
      "<S S=\"verbose\">chatty_x000D__x000A_</S><S S=\"debug\">bugs</S><S S=\"Information\">fyi</S>" +
      error_line("the one that matters") + "</Objs>";
  CHECK(decode_clixml(stderr_text) == "the one that matters");
}

TEST_CASE("several documents in one stream and a doubled header", "[powershell]") {
  std::string stderr_text = "#< CLIXML\r\n#< CLIXML\r\n" + kObjs + kProgress + "</Objs>" + kObjs + error_line("first") +
                            "</Objs>" + "#< CLIXML\r\n" + kObjs + error_line("second") +
                            error_line("and its second line") + "</Objs>";
  CHECK(decode_clixml(stderr_text) == "first\nsecond\nand its second line");
}

TEST_CASE("escapes are undone on UTF-16 code units", "[powershell]") {
  CHECK(unescape_clixml_string("a_x0009_b_x000D__x000A_c") == "a\tb\r\nc");
  CHECK(unescape_clixml_string("lower_x000d__x000a_case") == "lower\r\ncase");
  // A literal "_x" is itself escaped as _x005F_: undone once, not twice.
  CHECK(unescape_clixml_string("_x005F_x0041_") == "_x0041_");
  // A surrogate pair is two escapes; a lone half is U+FFFD.
  CHECK(unescape_clixml_string("smile _xD83D__xDE00_!") == "smile \xF0\x9F\x98\x80!");
  CHECK(unescape_clixml_string("_xD83D_x") == "\xEF\xBF\xBDx");
  CHECK(unescape_clixml_string("_xDE00_") == "\xEF\xBF\xBD");
  CHECK(unescape_clixml_string("_xD83D__xD83D__xDE00_") == "\xEF\xBF\xBD\xF0\x9F\x98\x80");
  // Not escapes: kept as they are.
  CHECK(unescape_clixml_string("_x12G4_ _x123_ _x1234 x1234_") == "_x12G4_ _x123_ _x1234 x1234_");
  CHECK(unescape_clixml_string("_x00E9_ caf\xC3\xA9") == "\xC3\xA9 caf\xC3\xA9");
}

TEST_CASE("escapes and XML entities inside a document", "[powershell]") {
  std::string stderr_text =
      "#< CLIXML\r\n" + kObjs +
      error_line("Zugriff verweigert: &lt;HKLM\\X&gt; &amp; &quot;Y&quot; \xE2\x80\x93 _xD83D__xDE00_") + "</Objs>";
  CHECK(decode_clixml(stderr_text) == "Zugriff verweigert: <HKLM\\X> & \"Y\" \xE2\x80\x93 \xF0\x9F\x98\x80");
}

TEST_CASE("an error record object is shown by its ToString", "[powershell]") {
  std::string stderr_text =
      "#< CLIXML\r\n" + kObjs +
      "<Obj S=\"Error\" RefId=\"1\"><TN RefId=\"1\"><T>System.Management.Automation.ErrorRecord</T></TN>"
      "<ToString>Access is denied_x000D__x000A_</ToString><Props><S N=\"Message\">ignored</S></Props></Obj></Objs>";
  CHECK(decode_clixml(stderr_text) == "Access is denied");
}

TEST_CASE("text around documents is kept and broken documents are shown as they came", "[powershell]") {
  std::string mixed = "#< CLIXML\r\n" + kObjs + error_line("from PowerShell") + "</Objs>\r\nfrom a native program\r\n";
  CHECK(decode_clixml(mixed) == "from PowerShell\nfrom a native program");
  std::string broken = "#< CLIXML\r\n" + kObjs + "<S S=\"Error\">unclosed</Objs>";
  CHECK(decode_clixml(broken) == kObjs + "<S S=\"Error\">unclosed</Objs>");
  std::string cut = "#< CLIXML\r\n" + kObjs + error_line("whole") + "</Objs>" + kObjs + "<S S=\"Error\">cut sho";
  CHECK(decode_clixml(cut) == "whole\n" + kObjs + "<S S=\"Error\">cut sho");
}

}  // namespace
}  // namespace supctl::powershell
