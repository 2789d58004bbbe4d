#pragma once
// The injection corpus: values that would do harm if they were ever spliced into PowerShell script
// text, for the tests that send them as parameters (script assembly, and real PowerShell).

#include <string>
#include <vector>

namespace supctl::test {

/// Values that would do harm if they were ever spliced into script text.
inline std::vector<std::string> hostile_values() {
  std::vector<std::string> values{
      "'",
      "\"",
      "`",
      "\xE2\x80\x98single\xE2\x80\x99 \xE2\x80\x9A\xE2\x80\x9B",  // the typographic single quotes PowerShell also takes
      "\xE2\x80\x9C"
      "double\xE2\x80\x9D \xE2\x80\x9E",  // and the double ones
      "it's \"quoted\" `n `$ ``",
      "$(Remove-Item -Recurse -Force C:\\)",
      "${env:ComputerName} $env:Path $p.key @p",
      "x; Stop-Computer -Force",
      "a | Out-File C:\\pwned.txt & calc.exe && whoami || exit 1",
      "line one\nline two\r\nline three\rend",
      "'@\nWrite-Host injected\n'@",
      "\"@\nWrite-Host injected\n\"@",
      "@'\n'@ ; @\"\n\"@",
      "<# not a comment #> # nor this",
      "}\nfunction SupctlOp_registry_get_value { 'replaced' }\n{",
      "--- supctl result end ---\n--- supctl result begin ---",
      "\xE2\x80\xAE"
      "evil.exe\xE2\x80\xAC",  // RIGHT-TO-LEFT OVERRIDE ... POP DIRECTIONAL FORMATTING
      "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D \xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7",     // Hebrew and Arabic
      "\xF0\x9F\x98\x80\xF0\x9F\x8E\x89\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x92\xBB",  // emoji, a ZWJ sequence
      "\t\v\f\x01\x1F\x7F",
      "C:\\Program Files\\Update Services\\",
  };
  std::string big;
  while (big.size() < 100 * 1024) big += "'$(x)`\"@\n\xF0\x9F\x98\x80;";
  values.push_back(big);
  return values;
}

}  // namespace supctl::test
