// CLIXML on stderr (reference/transport.md 1.4): error strings kept, unescaped and turned into the
// host's words (clixml.h: "MESSAGE (WHAT, at line N: CODE)"), progress and other streams dropped,
// several documents in one stream, plain text passed through, terminal controls removed.
//
// The "pwsh" cases read stderr captured from real PowerShell 7.6 (tests/fixtures/clixml, README.md
// there); the 5.1 samples are written by hand after reference/transport.md and 5.1's NormalView.

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "backends/powershell/clixml.h"
#include "backends/powershell/script.h"

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

// A CLIXML stream of one document holding these error lines, as Windows PowerShell 5.1 writes it.
std::string clixml_of(const std::vector<std::string>& lines) {
  std::string out = "#< CLIXML\r\n" + kObjs;
  for (const std::string& line : lines) out += error_line(line);
  return out + "</Objs>";
}

// What real pwsh wrote on stderr (tests/fixtures/clixml/pwsh7-NAME.xml).
std::string captured(const std::string& name) {
  std::filesystem::path path =
      std::filesystem::path(SUPCTL_SOURCE_DIR) / "tests/fixtures/clixml" / ("pwsh7-" + name + ".xml");
  std::ifstream in(path, std::ios::binary);
  INFO(path.string());
  REQUIRE(in.good());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(text.starts_with("#< CLIXML"));
  return text;
}

const std::vector<std::string> kCaptured = {
    "throw",       "cmdlet",        "binding",        "parse",           "parse-script", "write-error",
    "two-errors",  "multiline",     "special",        "line1234",        "object-throw", "throw-line1",
    "parse-line1", "parse-wrapped", "throw-no-color", "throw-term-dumb",
};

// Well-formed UTF-8 with no control character but line break and tab.
bool printable_utf8(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7F) return false;
      ++i;
      continue;
    }
    std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (length == 0 || c > 0xF4 || i + length > text.size()) return false;
    std::uint32_t code = c & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = code << 6 | (next & 0x3F);
    }
    if ((length == 3 && code < 0x800) || (length == 4 && (code < 0x10000 || code > 0x10FFFF)) ||
        (code >= 0xD800 && code <= 0xDFFF) || (code >= 0x80 && code <= 0x9F))
      return false;
    i += length;
  }
  return true;
}

// ---- captured from PowerShell 7.6

TEST_CASE("clixml: pwsh 7 throw decoded into message and label and script line", "[powershell][clixml]") {
  CHECK(decode_clixml(captured("throw")) == "boom here (Exception, at line 2: throw 'boom here')");
  // Four-digit line numbers fill the column; the message is the same.
  CHECK(decode_clixml(captured("line1234")) == "deep down (Exception, at line 1234: throw 'deep down')");
  // An error on line 1 of a command has no "Line |" block: the label and the message on one line.
  CHECK(decode_clixml(captured("throw-line1")) == "boom here (Exception)");
}

TEST_CASE("clixml: pwsh 7 terminating cmdlet error decoded with the command as its label", "[powershell][clixml]") {
  CHECK(decode_clixml(captured("cmdlet")) ==
        "Cannot find path '/nonexistent' because it does not exist. "
        "(Get-Item, at line 2: Get-Item /nonexistent -ErrorAction Stop)");
}

TEST_CASE("clixml: pwsh 7 parameter binding error decoded", "[powershell][clixml]") {
  CHECK(decode_clixml(captured("binding")) ==
        "A parameter cannot be found that matches parameter name 'Nmae'. "
        "(Set-SupctlThing, at line 7: Set-SupctlThing -Nmae WsusPool)");
}

TEST_CASE("clixml: pwsh 7 parse errors decoded with the position inside the message", "[powershell][clixml]") {
  // [ScriptBlock]::Create('{') in the script: the ParseException's position becomes a note too.
  CHECK(decode_clixml(captured("parse")) ==
        "Exception calling \"Create\" with \"1\" argument(s): \"Missing closing '}' in statement block or type "
        "definition.\" (at line 1: {) (ParentContainsErrorRecordException, at line 2: [ScriptBlock]::Create('{'))");
  // The script itself does not parse: the bootstrap's Create (its line 9) fails, and the message
  // says where in the script.
  CHECK(decode_clixml(captured("parse-script")) ==
        "Exception calling \"Create\" with \"1\" argument(s): \"Missing closing '}' in statement block or type "
        "definition.\" (at line 2: if ($true) {) "
        "(ParentContainsErrorRecordException, at line 9: $s=[ScriptBlock]::Create($i.Substring(0,$n)))");
  // A command line that does not parse: ParserError, its colours splitting the code.
  CHECK(decode_clixml(captured("parse-line1")) ==
        "You must provide a value expression following the '=' operator. (ParserError, at line 1: $x = ))");
  // A ParserError's message is wrapped at the console width on "|" lines: joined again.
  std::string wrapped = decode_clixml(captured("parse-wrapped"));
  CHECK(wrapped == "Unexpected token '" + std::string(150, 'a') +
                       "' in expression or statement. (ParserError, at line 1: $x = 1 " + std::string(62, 'a') +
                       " \xE2\x80\xA6)");
}

TEST_CASE("clixml: pwsh 7 non-terminating Write-Error then exit 1 decoded", "[powershell][clixml]") {
  // The position is the bootstrap's "& $s $j" (its line 12): what PowerShell 7 reports for it.
  CHECK(decode_clixml(captured("write-error")) == "the pool is gone (Write-Error, at line 12: & $s $j)");
  CHECK(decode_clixml(captured("two-errors")) ==
        "the first error (Write-Error, at line 12: & $s $j)\n"
        "the second error\nin two lines (Write-Error, at line 12: & $s $j)");
}

TEST_CASE("clixml: pwsh 7 message of several lines decoded keeping its lines", "[powershell][clixml]") {
  CHECK(decode_clixml(captured("multiline")) ==
        "first line\nsecond line\nthird line (Exception, at line 2: throw \"first line`nsecond line`r`nthird line\")");
}

TEST_CASE("clixml: pwsh 7 message with non-ASCII text and XML-special characters decoded", "[powershell][clixml]") {
  // The code line is cut at the console width (" …" after the cut line's own space); the message is
  // whole, the emoji a surrogate pair.
  CHECK(decode_clixml(captured("special")) ==
        "Zugriff verweigert: <HKLM\\Software\\X> & \"Y\" 'z' – Grüße, 東京 😀 (Exception, at line 2: throw \"Zugriff "
        "verweigert: <HKLM\\Software\\X> & \"\"Y\"\" 'z' – Grüße, 東京  …)");
}

TEST_CASE("clixml: pwsh 7 serialised ErrorRecord object decoded by its properties", "[powershell][clixml]") {
  CHECK(decode_clixml(captured("object-throw")) == "boom here (OperationStopped, at line 2: throw 'boom here')");
}

TEST_CASE("clixml: pwsh 7 with NO_COLOR or TERM=dumb decodes to the same words", "[powershell][clixml]") {
  // NO_COLOR=1 does not take the colours out of the errors; TERM=dumb does.
  CHECK(captured("throw-no-color") == captured("throw"));
  CHECK(captured("throw-no-color").find("_x001B_") != std::string::npos);
  CHECK(captured("throw-term-dumb").find("_x001B_") == std::string::npos);
  CHECK(decode_clixml(captured("throw-term-dumb")) == decode_clixml(captured("throw")));
}

TEST_CASE("clixml: every pwsh 7 capture decodes to printable text without the host's decorations",
          "[powershell][clixml]") {
  for (const std::string& name : kCaptured) {
    std::string text = decode_clixml(captured(name));
    INFO(name << ": " << text);
    CHECK(!text.empty());
    CHECK(printable_utf8(text));
    CHECK(text.find('\r') == std::string::npos);
    for (const char* decoration : {"_x00", "[0m", "[31;1m", "Line |", "~~", "     |", "<Objs", "CLIXML"})
      CHECK(text.find(decoration) == std::string::npos);
  }
}

TEST_CASE("clixml: pwsh 7 captures cut short at any byte decode without harm", "[powershell][clixml]") {
  for (const char* name : {"parse-script", "special", "object-throw"}) {
    std::string whole = captured(name);
    for (std::size_t size = 0; size <= whole.size(); ++size) {
      std::string text = decode_clixml(std::string_view(whole).substr(0, size));
      INFO(name << " cut at " << size << ": " << text);
      REQUIRE(printable_utf8(text));
      REQUIRE(text.find('\x1b') == std::string::npos);
    }
  }
}

TEST_CASE("clixml: pwsh 7 error decoded reaches the operations' error through parse_outcome", "[powershell][clixml]") {
  // parse_outcome (script.h): no result document, so every operation fails with the decoded stderr.
  Outcome outcome;
  outcome.exit_code = 1;
  outcome.stderr_text = captured("parse-script");
  std::vector<plugin::OperationResult> results = parse_outcome(2, outcome);
  REQUIRE(results.size() == 2);
  CHECK(results[1].failure == plugin::FailureKind::kFailed);
  CHECK(results[1].error ==
        "PowerShell exited with code 1 and without a result document; stderr: Exception calling \"Create\" with \"1\" "
        "argument(s): \"Missing closing '}' in statement block or type definition.\" (at line 2: if ($true) {) "
        "(ParentContainsErrorRecordException, at line 9: $s=[ScriptBlock]::Create($i.Substring(0,$n)))");
  // Without stderr, what stdout held is shown, as safely.
  outcome.stderr_text.clear();
  outcome.stdout_text = "\x1b[32;1mhalf a table\x1b[0m\r\n\xFF";
  CHECK(parse_outcome(1, outcome)[0].error ==
        "PowerShell exited with code 1 and without a result document; stdout: half a table\r\n\xEF\xBF\xBD");
}

// ---- Windows PowerShell 5.1 (NormalView), written after its output

TEST_CASE("clixml: 5.1 throw decoded into message and category and script line", "[powershell][clixml]") {
  CHECK(decode_clixml(
            clixml_of({"boom here", "At line:4 char:1", "+ throw 'boom here'", "+ ~~~~~~~~~~~~~~~~~",
                       "    + CategoryInfo          : OperationStopped: (boom here:String) [], RuntimeException",
                       "    + FullyQualifiedErrorId : boom here", " "})) ==
        "boom here (OperationStopped, at line 4: throw 'boom here')");
}

TEST_CASE("clixml: 5.1 cmdlet error keeps the command the host put before its message", "[powershell][clixml]") {
  CHECK(decode_clixml(clixml_of(
            {"Get-Item : Cannot find path 'C:\\nonexistent' because it does not exist.", "At line:2 char:1",
             "+ Get-Item C:\\nonexistent -ErrorAction Stop", "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
             "    + CategoryInfo          : ObjectNotFound: (C:\\nonexistent:String) [Get-Item], ItemNotFoundException",
             "    + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand", " "})) ==
        "Get-Item : Cannot find path 'C:\\nonexistent' because it does not exist. "
        "(ObjectNotFound, at line 2: Get-Item C:\\nonexistent -ErrorAction Stop)");
}

TEST_CASE("clixml: 5.1 parse error in Create and one at the top of a message", "[powershell][clixml]") {
  CHECK(decode_clixml(clixml_of({"Exception calling \"Create\" with \"1\" argument(s): \"At line:1 char:2", "+ {",
                                 "+  ~", "Missing closing '}' in statement block or type definition.\"",
                                 "At line:9 char:1", "+ $s=[ScriptBlock]::Create($i.Substring(0,$n))",
                                 "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
                                 "    + CategoryInfo          : NotSpecified: (:) [], MethodInvocationException",
                                 "    + FullyQualifiedErrorId : ParseException", " "})) ==
        "Exception calling \"Create\" with \"1\" argument(s): \"Missing closing '}' in statement block or type "
        "definition.\" (at line 1: {) (NotSpecified, at line 9: $s=[ScriptBlock]::Create($i.Substring(0,$n)))");
  // A ParseException of its own: the position first, the message after it; a file named.
  CHECK(decode_clixml(clixml_of({"At C:\\Program Files\\x.ps1:3 char:12", "+ if ($true) {", "+            ~",
                                 "Missing closing '}' in statement block or type definition.",
                                 "    + CategoryInfo          : ParserError: (:) [], ParseException",
                                 "    + FullyQualifiedErrorId : MissingEndCurlyBrace"})) ==
        "Missing closing '}' in statement block or type definition. "
        "(ParserError, at line 3 in C:\\Program Files\\x.ps1: if ($true) {)");
}

TEST_CASE("clixml: 5.1 error of Write-Error decoded", "[powershell][clixml]") {
  // pywinrm's capture (transport.md 1.4): no position, the command before the message.
  std::string stderr_text =
      "#< CLIXML\r\n" + kObjs + error_line("Write-Error \"Error\" : Error") +
      error_line("    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException") +
      error_line("    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException") +
      "<S S=\"Error\"> _x000D__x000A_</S></Objs>";
  CHECK(decode_clixml(stderr_text) == "Write-Error \"Error\" : Error (NotSpecified)");
}

TEST_CASE("clixml: several 5.1 errors each with its own lines", "[powershell][clixml]") {
  CHECK(
      decode_clixml(clixml_of(
          {"first", "second line of first", "At line:3 char:5", "+     Write-Error first", "+     ~~~~~~~~~~~~~~~~~",
           "    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException",
           "    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException", " ", "second",
           "    + CategoryInfo          : InvalidData: (:) [], RuntimeException",
           "    + FullyQualifiedErrorId : second", "    + PSComputerName        : pr1wsus", " ", "trailing text"})) ==
      "first\nsecond line of first (NotSpecified, at line 3: Write-Error first)\nsecond (InvalidData)\ntrailing text");
}

// ---- the stream around the errors

TEST_CASE("clixml: stderr without CLIXML passes through with terminal controls removed", "[powershell][clixml]") {
  CHECK(decode_clixml("") == "");
  CHECK(decode_clixml("ssh: connect to host pr1wsus port 22: Connection refused\r\n") ==
        "ssh: connect to host pr1wsus port 22: Connection refused\r\n");
  CHECK(decode_clixml("<Objs> looks like XML but has no header _x000D_") ==
        "<Objs> looks like XML but has no header _x000D_");
  // Plain text is not taken for PowerShell's words.
  CHECK(decode_clixml("Exception: boom\nLine |\n   2 | x") == "Exception: boom\nLine |\n   2 | x");
  CHECK(decode_clixml("\x1b[31;1mred\x1b[0m\tand\x07 \x1b]0;title\x07plain\rover") == "red\tand plain\nover");
  CHECK(printable_text("\x1b[31;1mred\x1b[0m\r\n#< CLIXML\r\n\x9B") == "red\r\n#< CLIXML\r\n\xEF\xBF\xBD");
}

TEST_CASE("clixml: terminal escape sequences are removed however they arrive", "[powershell][clixml]") {
  auto one = [](const std::string& text) { return decode_clixml(clixml_of({text})); };
  CHECK(one("_x001B_[31;1mred_x001B_[0m") == "red");                                     // CLIXML escapes
  CHECK(one("&#x1B;[1;32mgreen&#27;[m") == "green");                                     // character references
  CHECK(one("_x009B_31mC1 CSI_x009B_0m") == "C1 CSI");                                   // U+009B
  CHECK(one("_x001B_]8;;https://x.invalid/_x001B_\\link_x001B_]8;;_x0007_") == "link");  // OSC 8, ST and BEL
  CHECK(one("_x009D_0;title_x009C_after") == "after");                                   // C1 OSC and ST
  CHECK(one("_x001B_(Bcharset _x001B_7saved _x001B_cend") == "charset saved end");
  CHECK(one("_x001B_[?25l_x001B_[2J_x001B_[1;1Hcleared") == "cleared");
  CHECK(one("unterminated _x001B_]0;not a title") == "unterminated 0;not a title");
  CHECK(one("a lone escape_x001B_") == "a lone escape");
  CHECK(one("the controls_x0000__x0007__x0008__x007F__x0085_ are gone") == "the controls are gone");
  CHECK(one("carriage_x000D_return") == "carriage\nreturn");
  // Bytes that are not UTF-8 (an OEM code page) become U+FFFD.
  CHECK(decode_clixml("caf\xE9 \xC3") == "caf\xEF\xBF\xBD \xEF\xBF\xBD");
  CHECK(one("caf\xE9") == "caf\xEF\xBF\xBD");
}

TEST_CASE("clixml: progress records and empty documents decode to nothing", "[powershell][clixml]") {
  CHECK(decode_clixml("#< CLIXML\r\n" + kObjs + "</Objs>") == "");
  CHECK(decode_clixml("#< CLIXML\r\n" + kObjs + kProgress + "</Objs>") == "");
  CHECK(decode_clixml("#< CLIXML\r\n" + kObjs + kProgress + error_line("boom") + "</Objs>") == "boom");
}

TEST_CASE("clixml: other streams than errors are dropped", "[powershell][clixml]") {
  std::string stderr_text =
      "#< CLIXML\r\n" + kObjs + "<S S=\"warning\">careful_x000D__x000A_</S>" +
      "<S S=\"verbose\">chatty_x000D__x000A_</S><S S=\"debug\">bugs</S><S S=\"Information\">fyi</S>" +
      error_line("the one that matters") + "</Objs>";
  CHECK(decode_clixml(stderr_text) == "the one that matters");
}

TEST_CASE("clixml: several documents in one stream and a doubled header", "[powershell][clixml]") {
  std::string stderr_text = "#< CLIXML\r\n#< CLIXML\r\n" + kObjs + kProgress + "</Objs>" + kObjs + error_line("first") +
                            "</Objs>" + "#< CLIXML\r\n" + kObjs + error_line("second") +
                            error_line("and its second line") + "</Objs>";
  CHECK(decode_clixml(stderr_text) == "first\nsecond\nand its second line");
}

TEST_CASE("clixml: escapes are undone on UTF-16 code units", "[powershell][clixml]") {
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

TEST_CASE("clixml: escapes and XML entities inside a document", "[powershell][clixml]") {
  std::string stderr_text =
      "#< CLIXML\r\n" + kObjs +
      error_line("Zugriff verweigert: &lt;HKLM\\X&gt; &amp; &quot;Y&quot; \xE2\x80\x93 _xD83D__xDE00_") + "</Objs>";
  CHECK(decode_clixml(stderr_text) == "Zugriff verweigert: <HKLM\\X> & \"Y\" \xE2\x80\x93 \xF0\x9F\x98\x80");
  // A literal "_x001B_" in a message is escaped as _x005F_x001B_: text, not a colour.
  CHECK(decode_clixml(clixml_of({"literal _x005F_x001B_[31m"})) == "literal _x001B_[31m");
}

TEST_CASE("clixml: an error record object is shown by its ToString", "[powershell][clixml]") {
  std::string stderr_text =
      "#< CLIXML\r\n" + kObjs +
      "<Obj S=\"Error\" RefId=\"1\"><TN RefId=\"1\"><T>System.Management.Automation.ErrorRecord</T></TN>"
      "<ToString>Access is denied_x000D__x000A_</ToString><Props><S N=\"Message\">ignored</S></Props></Obj></Objs>";
  CHECK(decode_clixml(stderr_text) == "Access is denied");
}

TEST_CASE("clixml: text around documents is kept and broken documents are shown as they came", "[powershell][clixml]") {
  std::string mixed = "#< CLIXML\r\n" + kObjs + error_line("from PowerShell") + "</Objs>\r\nfrom a native program\r\n";
  CHECK(decode_clixml(mixed) == "from PowerShell\nfrom a native program");
  std::string broken = "#< CLIXML\r\n" + kObjs + "<S S=\"Error\">unclosed</Objs>";
  CHECK(decode_clixml(broken) == kObjs + "<S S=\"Error\">unclosed</Objs>");
  std::string cut = "#< CLIXML\r\n" + kObjs + error_line("whole") + "</Objs>" + kObjs + "<S S=\"Error\">cut sho";
  CHECK(decode_clixml(cut) == "whole\n" + kObjs + "<S S=\"Error\">cut sho");
}

TEST_CASE("clixml: decoding is bounded", "[powershell][clixml]") {
  // Many errors: the text stops at the limit, at a character boundary, and says how much more.
  std::string many = "#< CLIXML\r\n" + kObjs;
  for (int i = 0; i < 20000; ++i) many += error_line("Exception: \xC3\xA9rror " + std::to_string(i));
  many += "</Objs>";
  std::string text = decode_clixml(many);
  CHECK(text.size() > kDecodedLimit);
  CHECK(text.size() < kDecodedLimit + 40);
  CHECK(text.starts_with("\xC3\xA9rror 0 (Exception)\n\xC3\xA9rror 1 (Exception)\n"));
  CHECK(text.find(" more bytes)") != std::string::npos);
  CHECK(printable_utf8(text));
  // Plain text too.
  CHECK(decode_clixml(std::string(kDecodedLimit * 2, 'x')).size() < kDecodedLimit + 40);
  // A document too large to parse is named, not parsed.
  std::string huge = "#< CLIXML\r\n" + kObjs + error_line(std::string(9 << 20, 'x')) + "</Objs>";
  CHECK(decode_clixml(huge).starts_with("(a CLIXML document of "));
}

TEST_CASE("clixml: hostile and garbage CLIXML decodes without harm", "[powershell][clixml]") {
  std::vector<std::string> inputs = {
      "#< CLIXML",
      "#< CLIXML<Objs",
      "#< CLIXML</Objs><Objs>",
      "#< CLIXML<Objs></Objs></Objs>",
      "#< CLIXML" + kObjs +
          "<Obj S=\"Error\"><MS><Obj N=\"InvocationInfo\"><Props><I32 N=\"ScriptLineNumber\">99999999999999999999</I32>"
          "</Props></Obj></MS></Obj></Objs>",
      "#< CLIXML" + kObjs +
          "<Obj S=\"Error\"><ToString>x</ToString><MS><Obj N=\"InvocationInfo\"><Props>"
          "<I32 N=\"ScriptLineNumber\">3</I32><S N=\"Line\"></S></Props></Obj></MS></Obj></Objs>",
      clixml_of({"Label:", "Line |", "x | y", "|", "|", "   | ~~~"}),
      clixml_of({"Exception: ", "Line |"}),
      clixml_of({"At line:0 char:0", "+", "    + CategoryInfo : "}),
      clixml_of({"At line:99999999999999999999 char:1", "+ x", "    + CategoryInfo : A"}),
      clixml_of({"x At line:1 char:1", "+"}),
      clixml_of({"    + CategoryInfo          :", "At line:1 char:1", "+ x"}),
      "#< CLIXML" + kObjs + std::string(100000, '<') + "</Objs>",
      "#< CLIXML" + kObjs + "<S S=\"Error\">" + std::string(50000, '_') + "x001B_</S></Objs>",
  };
  std::string nested = "#< CLIXML" + kObjs;
  for (int i = 0; i < 100000; ++i) nested += "<Obj>";
  inputs.push_back(nested + "</Objs>");
  std::string escapes = "#< CLIXML" + kObjs + "<S S=\"Error\">";
  for (int i = 0; i < 20000; ++i) escapes += "_x001B_]_x009D__x001B_[";
  inputs.push_back(escapes + "</S></Objs>");
  for (const std::string& input : inputs) {
    std::string text = decode_clixml(input);
    INFO(input.substr(0, 200) << " -> " << text.substr(0, 200));
    CHECK(printable_utf8(text));
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.size() < kDecodedLimit + 40);
  }
  // Every byte of a real capture changed, one at a time, to something that breaks it.
  std::string whole = captured("two-errors");
  for (std::size_t i = 0; i < whole.size(); ++i) {
    for (char c : {'\x1b', '<', '\n', '\xC3', '|'}) {
      std::string mutated = whole;
      mutated[i] = c;
      std::string text = decode_clixml(mutated);
      INFO(i << " " << static_cast<int>(c) << ": " << text);
      REQUIRE(printable_utf8(text));
      REQUIRE(text.find('\x1b') == std::string::npos);
    }
  }
}

}  // namespace
}  // namespace supctl::powershell
