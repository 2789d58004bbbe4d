#include "backends/powershell/protocol.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <random>

#include "model/base64.h"

namespace supctl::powershell {
namespace {

// The session loop, one statement per line, built once from the protocol's constants: it runs
// framed requests from stdin until a stop frame, the end of stdin or the idle timeout. It travels
// base64-encoded as UTF-16LE on the command line, where cmd.exe allows 8,191 characters (a test
// holds it under half of that). Setting the console encodings fails when there is no console (some
// WinRM shells): requests and responses are ASCII but for values the runner escapes. Reads wait
// with Task.Wait so that the idle timeout ends a process nobody talks to; stdin is read by exact
// byte counts, never to its end. The loop's own names are short and outside the runner's Supctl*
// names; a request's ScriptBlock runs in a child scope and cannot change them. An error outside the
// runner (a script that does not parse) is answered in ASCII too: JSON escapes for the rest.
std::string make_bootstrap() {
  return fmt::format(
      "# supctl session loop: framed requests on stdin\n"
      "$ProgressPreference='SilentlyContinue'\n"
      "$u=New-Object Text.UTF8Encoding $false\n"
      "try{{[Console]::InputEncoding=$u}}catch{{}}\n"
      "try{{[Console]::OutputEncoding=$u}}catch{{}}\n"
      "$in=[Console]::OpenStandardInput()\n"
      "$idle=900000\n"
      "function Read-SupctlFrameBytes([int]$n){{\n"
      "  $b=New-Object byte[] $n;$o=0\n"
      "  while($o -lt $n){{$t=$in.ReadAsync($b,$o,$n-$o);if(-not $t.Wait($idle)){{return}};if($t.Result -le 0){{return}};$o+=$t.Result}}\n"
      "  ,$b\n"
      "}}\n"
      "while($true){{\n"
      "  $h=Read-SupctlFrameBytes {0}\n"
      "  if($null -eq $h){{break}}\n"
      "  $f=$u.GetString($h).TrimEnd().Split(' ')\n"
      "  if($f.Count -ne 6 -or $f[0] -ne 'SUPCTL'){{[Console]::Error.WriteLine('supctl: stdin holds no request frame');exit 65}}\n"
      "  if($f[1] -ne 'R'){{break}}\n"
      "  $idle=1000*[long]$f[5]\n"
      "  if($idle -gt 2147483647){{$idle=2147483647}}\n"
      "  $s=Read-SupctlFrameBytes ([int]$f[3])\n"
      "  $j=Read-SupctlFrameBytes ([int]$f[4])\n"
      "  if($null -eq $s -or $null -eq $j){{break}}\n"
      "  [Console]::Out.Write(\"`n--- supctl response \"+$f[2]+\" begin ---`n--- supctl pid $PID ---`n\")\n"
      "  try{{\n"
      "    $ErrorActionPreference='Stop'\n"
      "    $null=& ([ScriptBlock]::Create($u.GetString($s))) $u.GetString($j)\n"
      "  }}catch{{\n"
      "    $e=ConvertTo-Json -InputObject ([string]$_) -Compress\n"
      "    $e=[regex]::Replace($e,'[^ -~]',{{'\\u{{0:x4}}'-f[int]$args[0].Value[0]}})\n"
      "    [Console]::Out.Write(\"`n{1}`n\"+'{{\"supctl\":1,\"results\":[],\"error\":'+$e+\"}}`n{2}`n\")\n"
      "  }}\n"
      "  [Console]::Out.Write(\"`n--- supctl response \"+$f[2]+\" end ---`n\")\n"
      "  [Console]::Out.Flush()\n"
      "}}\n",
      kFrameHeaderSize, kResultBegin, kResultEnd);
}

// The bootstrap is ASCII, so each character is one UTF-16LE code unit: the byte and a zero.
std::string utf16le_of_ascii(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (char c : text) {
    out += c;
    out += '\0';
  }
  return out;
}

std::string header(char kind, std::string_view nonce, std::size_t script, std::size_t json, long long idle) {
  return fmt::format("SUPCTL {} {} {:010} {:010} {:010}\n", kind, nonce, script, json, idle);
}

}  // namespace

std::string_view bootstrap_script() {
  static const std::string text = make_bootstrap();
  return text;
}

std::vector<std::string> encoded_command_arguments(std::string_view ascii_script) {
  return {"-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand", model::base64_encode(utf16le_of_ascii(ascii_script))};
}

std::vector<std::string> bootstrap_arguments() { return encoded_command_arguments(bootstrap_script()); }

std::string new_nonce() {
  std::array<unsigned char, kNonceSize / 2> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    std::random_device device;
    for (auto& b : bytes) b = static_cast<unsigned char>(device());
  }
  std::string hex;
  for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

std::string request_frame(std::string_view nonce, std::string_view script, std::string_view json,
                          long long idle_seconds) {
  std::string frame = header('R', nonce, script.size(), json.size(), std::clamp(idle_seconds, 1LL, 9'999'999'999LL));
  frame.append(script);
  frame.append(json);
  return frame;
}

std::string stop_frame() { return header('S', std::string(kNonceSize, '0'), 0, 0, 0); }

std::string response_begin(std::string_view nonce) { return fmt::format("--- supctl response {} begin ---", nonce); }
std::string response_end(std::string_view nonce) { return fmt::format("--- supctl response {} end ---", nonce); }

}  // namespace supctl::powershell
