#pragma once
/// Decoding CLIXML: what powershell.exe writes on a redirected stderr ("#< CLIXML" and an <Objs>
/// document of serialised records) turned into the text a person would have seen on a console.

#include <string>
#include <string_view>

namespace supctl::powershell {

/// The readable text of a stderr stream:
/// - text without "#< CLIXML" passes through unchanged;
/// - otherwise every <Objs> document is parsed and its error strings (<S S="Error">, and the
///   ToString of an <Obj S="Error">) are kept with their _xHHHH_ escapes undone (UTF-16 code
///   units, surrogate pairs joined; a lone surrogate becomes U+FFFD), line ends as "\n";
///   progress records (<Obj S="progress">) and other streams are dropped;
/// - several documents are joined with a line break; "#< CLIXML" header lines are dropped and any
///   other text between documents is kept; a document that does not parse is kept as it came.
std::string decode_clixml(std::string_view stderr_text);

/// Undoes the _xHHHH_ escapes of a serialised PowerShell string (already XML-unescaped).
std::string unescape_clixml_string(std::string_view text);

}  // namespace supctl::powershell
