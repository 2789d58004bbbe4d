#pragma once
/// Decoding CLIXML: what powershell.exe and pwsh write on a redirected stderr ("#< CLIXML" and an
/// <Objs> document of serialised records) turned into the host's words, one line per error.
///
/// The error format, the same for Windows PowerShell 5.1 (NormalView) and PowerShell 7
/// (ConciseView, captured samples in tests/fixtures/clixml):
///
///     MESSAGE (WHAT, at line N: CODE)
///
/// - MESSAGE: the error's message as the host printed it. A message of several lines keeps its
///   line breaks; lines PowerShell 7 wrapped at the console width are joined again. A position
///   PowerShell put inside the message (a ParseException's "At line:N char:M", "+ code",
///   "+ ~~~") becomes " (at line N: code)" after the message text that follows it.
/// - WHAT: 5.1: the category of "+ CategoryInfo : Category: (target) [activity], reason", such as
///   OperationStopped or ObjectNotFound. 7: the label the record starts with, such as Exception
///   (a throw), ParserError, the command (Get-Item), or the exception type
///   (ParentContainsErrorRecordException). A serialised ErrorRecord object: its category.
/// - "at line N: CODE": the script position the host showed (5.1 "At line:N char:M" and the
///   first "+ code" line; 7 "Line |" and "N | code"), with " in FILE" after N when it names a
///   script file; CODE is the source line as the host printed it (7 cuts long ones with "…").
/// - Parts the host did not give are left out, and the parentheses with them:
///   "boom here (Exception)", "Write-Error "Error" : Error (NotSpecified)".
/// - Errors are separated by a line break; text that is no recognisable error is kept as it is.
///
/// Examples: 5.1 `boom here (OperationStopped, at line 4: throw 'boom here')`; 7
/// `boom here (Exception, at line 4: throw 'boom here')`; 7 `Cannot find path '/nonexistent'
/// because it does not exist. (Get-Item, at line 2: Get-Item /nonexistent -ErrorAction Stop)`.

#include <cstddef>
#include <string>
#include <string_view>

namespace supctl::powershell {

/// At most this many bytes come out of decode_clixml; more is cut at a character boundary and
/// ends with " ... (N more bytes)".
inline constexpr std::size_t kDecodedLimit = 64 * 1024;

/// The readable text of a stderr stream, safe to print on a terminal:
/// - always: terminal escape and control sequences (ESC and C1 introduced: CSI such as the
///   colours "\x1b[31;1m", OSC, DCS, ...), however they arrived (_x001B_, a character reference,
///   raw bytes), are removed, and so are other control characters but tab and line ends; a lone
///   CR becomes a line break; bytes that are not UTF-8 become U+FFFD; at most kDecodedLimit bytes;
/// - text without "#< CLIXML" otherwise passes through (CRLF kept);
/// - otherwise every <Objs> document is parsed and its error strings (<S S="Error">) and error
///   records (<Obj S="Error">, by its ToString, category and InvocationInfo) are kept, their
///   _xHHHH_ escapes undone (UTF-16 code units, surrogate pairs joined, a lone surrogate becomes
///   U+FFFD), line ends as "\n", and turned into the format above; progress records and other
///   streams are dropped;
/// - several documents are joined with a line break; "#< CLIXML" header lines are dropped and any
///   other text between documents is kept; a document that does not parse is kept as it came, one
///   larger than 8 MiB is not parsed but named.
std::string decode_clixml(std::string_view stderr_text);

/// What decode_clixml does to text without CLIXML: `text` without terminal escape sequences and
/// control characters (tab, LF and CRLF kept; a lone CR as LF), bytes that are not UTF-8 as
/// U+FFFD, at most kDecodedLimit bytes. For any text from a host that supctl prints.
std::string printable_text(std::string_view text);

/// At most `limit` bytes of `text`, cut at a UTF-8 character boundary, with " ... (N more bytes)"
/// when it was cut.
std::string shortened(std::string text, std::size_t limit);

/// Undoes the _xHHHH_ escapes of a serialised PowerShell string (already XML-unescaped).
std::string unescape_clixml_string(std::string_view text);

}  // namespace supctl::powershell
