// No fragment reaches from the machine it runs on to another one. supctl sends each operation to
// the machine that owns what it reads or changes, through that machine's own transport: a session
// over WinRM without delegation, or over ssh with keys, has no credentials to pass on, so a second
// hop would meet ANONYMOUS LOGON or "access denied" on a real server.

#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/operation.h"
#include "plugins/plugins.h"

namespace supctl::powershell::platform {
std::span<const plugin::ScriptFragment> powershell_fragments();  // generated from powershell/platform.ps1
}  // namespace supctl::powershell::platform

namespace supctl::plugins {
namespace {

/// The script without its comments (# to the end of the line, <# ... #>), strings kept: a UNC path
/// or a cmdlet name in a string runs as surely as one in code.
std::string without_comments(std::string_view script) {
  std::string out;
  enum class Mode { kCode, kSingle, kDouble, kLine, kBlock } mode = Mode::kCode;
  for (std::size_t i = 0; i < script.size(); ++i) {
    char c = script[i];
    switch (mode) {
      case Mode::kCode:
        if (c == '<' && i + 1 < script.size() && script[i + 1] == '#') {
          mode = Mode::kBlock;
          continue;
        }
        if (c == '#') {
          mode = Mode::kLine;
          continue;
        }
        if (c == '\'') mode = Mode::kSingle;
        if (c == '"') mode = Mode::kDouble;
        break;
      case Mode::kSingle:
        if (c == '\'') mode = Mode::kCode;
        break;
      case Mode::kDouble:
        if (c == '`' && i + 1 < script.size()) {
          out += c;
          c = script[++i];
        } else if (c == '"') {
          mode = Mode::kCode;
        }
        break;
      case Mode::kLine:
        if (c != '\n') continue;
        mode = Mode::kCode;
        break;
      case Mode::kBlock:
        if (c == '#' && i + 1 < script.size() && script[i + 1] == '>') {
          ++i;
          mode = Mode::kCode;
        }
        continue;
    }
    out += c;
  }
  return out;
}

struct Hop {
  const char* what;
  std::regex pattern;
};

/// What would reach another machine: remoting, the remote registry, any cmdlet pointed at another
/// computer, a CIM session, and UNC paths ("\\server\share", in a literal or built as '\\' + name).
const std::vector<Hop>& hops() {
  static const std::vector<Hop> kHops{
      {"Invoke-Command -ComputerName", std::regex(R"(invoke-command[^\n]*-computername)", std::regex::icase)},
      {"New-PSSession", std::regex(R"(new-pssession)", std::regex::icase)},
      {"Enter-PSSession", std::regex(R"(enter-pssession)", std::regex::icase)},
      {"OpenRemoteBaseKey", std::regex(R"(openremotebasekey)", std::regex::icase)},
      {"-ComputerName", std::regex(R"(-computername\b)", std::regex::icase)},
      {"-CimSession", std::regex(R"(-cimsession\b)", std::regex::icase)},
      // A string that starts "\\name" (or "\\$name"), or is "\\" joined to a name.
      {"a UNC path", std::regex(R"(['"]\\\\[A-Za-z0-9_$])")},
      {"a UNC path", std::regex(R"(['"]\\\\['"]\s*\+)")},
  };
  return kHops;
}

/// The first second hop in a script, or empty.
std::string second_hop(std::string_view script) {
  std::string code = without_comments(script);
  for (const Hop& hop : hops()) {
    if (std::regex_search(code, hop.pattern)) return hop.what;
  }
  return {};
}

TEST_CASE("the second-hop check finds every way to reach another machine, and not a comment about one", "[powershell]") {
  CHECK(second_hop("Invoke-Command -ComputerName $fqdn { 1 }") == "Invoke-Command -ComputerName");
  CHECK(second_hop("invoke-command -Session $s -ComputerName x") == "Invoke-Command -ComputerName");
  CHECK(second_hop("$s = New-PSSession -ComputerName $x") == "New-PSSession");
  CHECK(second_hop("Enter-PSSession $x") == "Enter-PSSession");
  CHECK(second_hop("[Microsoft.Win32.RegistryKey]::OpenRemoteBaseKey('LocalMachine', $fqdn)") == "OpenRemoteBaseKey");
  CHECK(second_hop("Get-Service -Name W3SVC -ComputerName $fqdn") == "-ComputerName");
  CHECK(second_hop("Get-CimInstance -CimSession $s -ClassName Win32_Service") == "-CimSession");
  CHECK(second_hop(R"(Get-Item '\\sql01\share\file')") == "a UNC path");
  CHECK(second_hop(R"(Test-Path "\\$server\c$")") == "a UNC path");
  CHECK(second_hop(R"($path = '\\' + $server + '\admin$')") == "a UNC path");
  // Not hops: comments that mention them, a local registry path, a local drive path.
  CHECK(second_hop("# never Invoke-Command -ComputerName here\n$x = 1").empty());
  CHECK(second_hop("<# OpenRemoteBaseKey would be a second hop #>\n$x = 1").empty());
  CHECK(second_hop(R"(Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Update Services\Server\Setup')").empty());
  CHECK(second_hop(R"(Join-Path 'C:\Program Files' 'Update Services\Tools')").empty());
  CHECK(second_hop(R"($filter = "Name='{0}'" -f $name.Replace('\', '\\'))").empty());  // WQL's escape
}

TEST_CASE("no fragment opens a second hop to another machine", "[powershell]") {
  std::vector<plugin::ScriptFragment> fragments = powershell_fragments();
  for (const plugin::ScriptFragment& seams : powershell::platform::powershell_fragments()) fragments.push_back(seams);
  REQUIRE(fragments.size() > 20);
  for (const plugin::ScriptFragment& fragment : fragments) {
    INFO(fragment.operation);
    CHECK(second_hop(fragment.script).empty());
  }
}

}  // namespace
}  // namespace supctl::plugins
