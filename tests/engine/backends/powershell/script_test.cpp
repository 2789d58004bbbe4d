// Script assembly: the constant bootstrap, the script layout, values kept out of script text,
// redaction, result parsing, and the golden scripts of a plan of examples/contoso on the lab.
//
// The golden files live in tests/fixtures/powershell/contoso/ (bootstrap.ps1, <host>/<phase>.ps1
// and .json): exactly what `supctl plan --lab --emit-scripts` writes. Set SUPCTL_UPDATE_FIXTURES=1
// to rewrite them after a deliberate change, then review the diff.

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "model/base64.h"
#include "backends/powershell/script.h"
#include "plugins/plugins.h"
#include "support.h"
#include "support/hostile_values.h"

namespace supctl::powershell {
namespace {

namespace fs = std::filesystem;
using model::base64_decode;
using plugin::FailureKind;
using model::Json;
using plugin::Operation;
using test::hostile_values;

/// Parameters that put `value` where every fragment might read it.
Json params_with(const std::string& value) {
  return Json{{"key", value},
              {"name", value},
              {"code", value},
              {"user", value},
              {"password", value},
              {"site", value},
              {"data", value},
              {"type", value},
              {"list", Json::array({value, value})},
              {"nested", {{"deep", Json::array({Json{{"v", value}}})}}}};
}

std::vector<Operation> every_operation(const std::string& value) {
  std::vector<Operation> batch;
  for (const plugin::ScriptFragment& fragment : plugins::powershell_fragments()) {
    if (fragment.operation.find('.') == std::string_view::npos) continue;  // a plugin's shared fragment
    batch.push_back(Operation{std::string(fragment.operation), params_with(value)});
  }
  return batch;
}

TEST_CASE("the bootstrap is constant small and Windows PowerShell 5.1 syntax", "[powershell]") {
  std::vector<std::string> arguments = bootstrap_arguments();
  REQUIRE(arguments.size() == 6);
  CHECK(std::vector<std::string>(arguments.begin(), arguments.end() - 1) ==
        std::vector<std::string>{"-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand"});
  // cmd.exe takes 8,191 characters on a line: "powershell" and the arguments stay under half of it.
  std::size_t line = std::string_view("powershell").size();
  for (const std::string& argument : arguments) line += 1 + argument.size();
  CHECK(line < 4096);
  CHECK(bootstrap_arguments() == arguments);

  // The encoded command is the bootstrap as UTF-16LE.
  auto encoded = base64_decode(arguments[5]);
  REQUIRE(encoded);
  std::string utf16 = *encoded;
  REQUIRE(utf16.size() == bootstrap_script().size() * 2);
  std::string decoded;
  for (std::size_t i = 0; i < utf16.size(); i += 2) {
    CHECK(utf16[i + 1] == '\0');
    decoded += utf16[i];
  }
  CHECK(decoded == bootstrap_script());

  std::string_view text = bootstrap_script();
  CHECK(text.find("ReadToEnd") == std::string_view::npos);  // exact byte counts only
  CHECK(text.find("$in=[Console]::OpenStandardInput()") != std::string_view::npos);
  CHECK(text.find("$t=$in.ReadAsync($b,$o,$n-$o);if(-not $t.Wait($idle)){return}") != std::string_view::npos);
  CHECK(text.find("[Console]::InputEncoding=$u") != std::string_view::npos);
  CHECK(text.find("[Console]::OutputEncoding=$u") != std::string_view::npos);
  CHECK(text.find("$ErrorActionPreference='Stop'") != std::string_view::npos);
  CHECK(text.find("$ProgressPreference='SilentlyContinue'") != std::string_view::npos);
  CHECK(text.find("$h=Read-SupctlFrameBytes 75\n") != std::string_view::npos);
  CHECK(text.find("$idle=1000*[long]$f[5]") != std::string_view::npos);
  // The JSON is an argument, not script text.
  CHECK(text.find("$null=& ([ScriptBlock]::Create($u.GetString($s))) $u.GetString($j)") != std::string_view::npos);
  CHECK(text.find("--- supctl response \"+$f[2]+\" begin ---") != std::string_view::npos);
  CHECK(text.find("--- supctl response \"+$f[2]+\" end ---") != std::string_view::npos);
  for (std::string_view newer : {"-AsHashtable", "??", "?.", "&&", "||", " ? "})
    CHECK(text.find(newer) == std::string_view::npos);
  CHECK(std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
}

TEST_CASE("a script has one function per distinct operation then the table and the runner", "[powershell]") {
  FragmentLookup lookup = fragment_lookup({{"demo.set", "$text = @'\nkept as written\n'@\nreturn @{ text = $text }"},
                                           {"demo.get", "# demo.get {a} -> {a}\nreturn @{ a = $p.a }\n"}});
  std::vector<Operation> batch{
      {"demo.set", {{"a", 1}}}, {"demo.get", {{"a", 2}}}, {"demo.set", {{"a", 3}}}, {"demo.none", {}}};
  std::string script = assemble_script(batch, lookup);
  // The platform seams (platform.ps1) come right after the header, before any fragment.
  const std::string header =
      "# supctl: the operations of one batch for one host, assembled from the plugins' fragments.\n"
      "# The session runs this text as a ScriptBlock and passes the JSON parameters as $SupctlPayload:\n"
      "# parameter values are data, never part of this text. Windows PowerShell 5.1 or later.\n"
      "param([string]$SupctlPayload)\n"
      "\n"
      "# ---- platform (seams)\n";
  REQUIRE(script.starts_with(header));
  std::size_t fragments = script.find("\n# ---- demo.get\n");
  REQUIRE(fragments != std::string::npos);
  CHECK(script.substr(header.size(), fragments - header.size()).find("function Open-SupctlRegistryBaseKey") != std::string::npos);
  script = script.substr(fragments + 1);
  CHECK(script.starts_with(
      "# ---- demo.get\n"
      "function SupctlOp_demo_get {\n"
      "param($p)\n"
      "# demo.get {a} -> {a}\n"
      "return @{ a = $p.a }\n"
      "}\n"
      "\n"
      "# ---- demo.none\n"
      "function SupctlOp_demo_none {\n"
      "param($p)\n"
      "throw 'supctl has no PowerShell fragment for this operation'\n"
      "}\n"
      "\n"
      "# ---- demo.set\n"
      "function SupctlOp_demo_set {\n"
      "param($p)\n"
      "$text = @'\n"
      "kept as written\n"
      "'@\n"
      "return @{ text = $text }\n"
      "}\n"
      "\n"
      "$SupctlOperations = @{\n"
      "  'demo.get' = 'SupctlOp_demo_get'\n"
      "  'demo.none' = 'SupctlOp_demo_none'\n"
      "  'demo.set' = 'SupctlOp_demo_set'\n"
      "}\n"));
  CHECK(script.find("foreach ($SupctlOperation in $SupctlBatch)") != std::string::npos);
  CHECK(script.find("ConvertTo-Json -InputObject $SupctlRecord -Depth 32 -Compress") != std::string::npos);
  CHECK(script.find("ConvertFrom-Json -InputObject $SupctlPayload") != std::string::npos);
  CHECK(
      script.ends_with("[Console]::Out.Write(\"`n\" + '--- supctl result begin ---' + \"`n\" + $SupctlText + \"`n\" + "
                       "'--- supctl result end ---' + \"`n\")\n[Console]::Out.Flush()\n"));
  // The order of the batch does not change the script: only which operations it holds.
  std::vector<Operation> reversed(batch.rbegin(), batch.rend());
  CHECK(assemble_script(reversed, lookup) == assemble_script(batch, lookup));
  // PowerShell 7-only syntax stays out of the runner.
  std::string runner = script.substr(script.find("$SupctlOperations = @{"));
  for (std::string_view newer : {"-AsHashtable", "??", "?.", "&&", "||"})
    CHECK(runner.find(newer) == std::string::npos);
}

TEST_CASE("function names stay distinct when operation names differ only in punctuation or case", "[powershell]") {
  std::vector<Operation> batch{{"a.b", {}}, {"a_b", {}}, {"A.B", {}}};
  std::string script = assemble_script(batch, fragment_lookup({}));
  CHECK(script.find("  'A.B' = 'SupctlOp_A_B'\n") != std::string::npos);
  CHECK(script.find("  'a.b' = 'SupctlOp_a_b_2'\n") != std::string::npos);
  CHECK(script.find("  'a_b' = 'SupctlOp_a_b_3'\n") != std::string::npos);
  // A quote in an operation name cannot end its string in the table.
  CHECK(assemble_script(std::vector<Operation>{{"x'y", {}}}, fragment_lookup({})).find("  'x''y' = 'SupctlOp_x_y'\n") !=
        std::string::npos);
}

TEST_CASE("a plugin's shared fragment comes once before the operations that use it and only with them", "[powershell]") {
  std::vector<plugin::ScriptFragment> fragments{{"alpha", "function Get-Alpha { 1 }\n"},
                                               {"alpha.one", "return Get-Alpha"},
                                               {"alpha.two", "return 2"},
                                               {"beta.one", "return 3"}};
  FragmentLookup lookup = fragment_lookup(fragments);
  std::string both = assemble_script(std::vector<Operation>{{"beta.one", {}}, {"alpha.two", {}}, {"alpha.one", {}}}, lookup);
  auto shared = both.find("\n# ---- alpha (shared)\nfunction Get-Alpha { 1 }\n");
  REQUIRE(shared != std::string::npos);
  CHECK(shared < both.find("function SupctlOp_alpha_one {"));
  // One shared section: alpha's once, and none for beta, which has no shared fragment.
  CHECK(both.find("(shared)", shared + 2) == both.find("(shared)"));
  CHECK(both.find("(shared)", both.find("(shared)") + 1) == std::string::npos);
  std::string without = assemble_script(std::vector<Operation>{{"beta.one", {}}}, lookup);
  CHECK(without.find("Get-Alpha") == std::string::npos);
}

TEST_CASE("the ConfigMgr fragments get the shared ConfigMgr functions", "[powershell]") {
  FragmentLookup lookup = fragment_lookup(plugins::powershell_fragments());
  std::string script = assemble_script(std::vector<Operation>{{"configmgr.get_sup", {}}}, lookup);
  auto shared = script.find("# ---- configmgr (shared)\n");
  REQUIRE(shared != std::string::npos);
  CHECK(shared < script.find("function Enter-SupctlSite("));
  CHECK(script.find("function Enter-SupctlSite(") < script.find("function SupctlOp_configmgr_get_sup {"));
  CHECK(assemble_script(std::vector<Operation>{{"registry.get_value", {}}}, lookup).find("Enter-SupctlSite") == std::string::npos);
}

TEST_CASE("hostile values through every operation never change the script and round-trip as JSON", "[powershell]") {
  FragmentLookup lookup = fragment_lookup(plugins::powershell_fragments());
  REQUIRE(plugins::powershell_fragments().size() >= 20);
  const std::string plain_script = assemble_script(every_operation("plain"), lookup);
  for (const std::string& value : hostile_values()) {
    INFO("value: " << value.substr(0, 80));
    std::vector<Operation> batch = every_operation(value);
    const std::string script = assemble_script(batch, lookup);
    const std::string json = payload_json(batch);
    CHECK(script == plain_script);
    CHECK(std::count(script.begin(), script.end(), '\0') == 0);
    CHECK(std::count(json.begin(), json.end(), '\0') == 0);
    CHECK(std::all_of(json.begin(), json.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
    Json document = Json::parse(json);
    REQUIRE(document["operations"].size() == batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      CHECK(document["operations"][i]["operation"] == batch[i].name);
      CHECK(document["operations"][i]["params"] == batch[i].params);
      CHECK(document["operations"][i]["params"]["nested"]["deep"][0]["v"].get<std::string>() == value);
    }
  }
  // The script is what the fragments and the runner say, nothing a value brought.
  for (std::string_view word : {"Stop-Computer", "injected", "calc.exe", "evil.exe", "'replaced'"}) {
    CHECK(plain_script.find(word) == std::string::npos);
  }
}

TEST_CASE("the payload is ASCII so the console code page cannot corrupt it", "[powershell]") {
  std::vector<Operation> batch = every_operation(
      "Gr\xC3\xBC\xC3\x9F"
      "e \xF0\x9F\x98\x80 \xD7\xA9\xD7\x9C");
  const std::string payload = assemble_script(batch, fragment_lookup(plugins::powershell_fragments())) + payload_json(batch);
  CHECK(std::all_of(payload.begin(), payload.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
  CHECK(payload.find("\\u00fc\\u00dfe \\ud83d\\ude00") != std::string::npos);
  // A NUL inside a value is escaped.
  std::vector<Operation> with_nul{{"registry.get_value", {{"key", std::string("a\0\0\0\0b", 6)}}}};
  std::string nul_json = payload_json(with_nul);
  CHECK(std::count(nul_json.begin(), nul_json.end(), '\0') == 0);
  CHECK(Json::parse(nul_json)["operations"][0]["params"]["key"] == std::string("a\0\0\0\0b", 6));
}

TEST_CASE("the JSON carries an operation's chain only when it has one", "[powershell]") {
  std::vector<Operation> batch{{"demo.get", {{"a", 1}}},
                               {"demo.set", {{"a", 2}}, "", 3},
                               {"demo.set", {{"a", 3}}, "", 3}};
  CHECK(payload_json(batch) ==
        R"({"operations":[{"operation":"demo.get","params":{"a":1}},{"operation":"demo.set","params":{"a":2},"chain":3},)"
        R"({"operation":"demo.set","params":{"a":3},"chain":3}]})");
  // The runner skips the rest of a chain after a failure, and says which step failed.
  const std::string script = assemble_script(batch, fragment_lookup({{"demo.get", "return 1"}, {"demo.set", "return 2"}}));
  CHECK(script.find("if ($SupctlChain -ne 0 -and $SupctlBroken.ContainsKey($SupctlChain)) {") != std::string::npos);
  CHECK(script.find("error = ('not run: {0} failed before it' -f $SupctlBroken[$SupctlChain])") != std::string::npos);
  CHECK(script.find("if ($SupctlChain -ne 0) { $SupctlBroken[$SupctlChain] = [string]$SupctlOperation.operation }") !=
        std::string::npos);
}

TEST_CASE("the emitted parameters show secret placeholders as sensitive", "[powershell]") {
  std::vector<Operation> batch{
      {"configmgr.set_account", {{"user", "CONTOSO\\svc"}, {"password", {{"$secret", {{"env", "PW"}}}}}}},
      {"wsus.configure",
       {{"proxy", {{"accounts", Json::array({Json{{"$secret", {{"file", "/run/secrets/x"}}}}, "keep"})}}}}},
      {"registry.get_value", {{"key", "HKLM\\X"}, {"name", Json{{"$secret", "not an object, still a placeholder"}}}}}};
  std::string text = redacted_payload(batch);
  CHECK(text ==
        "{\n"
        "  \"operations\": [\n"
        "    {\n"
        "      \"operation\": \"configmgr.set_account\",\n"
        "      \"params\": {\n"
        "        \"user\": \"CONTOSO\\\\svc\",\n"
        "        \"password\": \"(sensitive)\"\n"
        "      }\n"
        "    },\n"
        "    {\n"
        "      \"operation\": \"wsus.configure\",\n"
        "      \"params\": {\n"
        "        \"proxy\": {\n"
        "          \"accounts\": [\n"
        "            \"(sensitive)\",\n"
        "            \"keep\"\n"
        "          ]\n"
        "        }\n"
        "      }\n"
        "    },\n"
        "    {\n"
        "      \"operation\": \"registry.get_value\",\n"
        "      \"params\": {\n"
        "        \"key\": \"HKLM\\\\X\",\n"
        "        \"name\": \"(sensitive)\"\n"
        "      }\n"
        "    }\n"
        "  ]\n"
        "}\n");
  CHECK(text.find("PW") == std::string::npos);
  CHECK(text.find("/run/secrets/x") == std::string::npos);
}

// ---- parse_outcome

Outcome ran(std::string stdout_text, std::string stderr_text = "", int exit_code = 0) {
  Outcome outcome;
  outcome.exit_code = exit_code;
  outcome.stdout_text = std::move(stdout_text);
  outcome.stderr_text = std::move(stderr_text);
  return outcome;
}

std::string framed(const std::string& document, std::string_view eol = "\n") {
  return fmt::format("{}{}{}{}{}{}{}", eol, kResultBegin, eol, document, eol, kResultEnd, eol);
}

TEST_CASE("parse_outcome reads one result per operation", "[powershell]") {
  auto results = parse_outcome(
      2, ran(framed(
             R"({"supctl":1,"results":[{"ok":true,"value":{"exists":true,"data":[1]}},{"ok":true,"value":null}]})")));
  REQUIRE(results.size() == 2);
  CHECK(results[0].ok());
  CHECK(results[0].value == Json{{"exists", true}, {"data", Json::array({1})}});
  CHECK(results[1].ok());
  CHECK(results[1].value.is_null());
  CHECK(parse_outcome(0, ran(framed(R"({"supctl":1,"results":[]})"))).empty());
}

TEST_CASE("parse_outcome ignores noise around the markers", "[powershell]") {
  std::string noise_before = "Loading personal and system profiles took 812ms.\r\n" + std::string(kResultBegin) +
                             "\r\nnot the document: a fragment printed the marker\r\nWARNING: something\r\n";
  std::string document = R"({"supctl":1,"results":[{"ok":true,"value":"caf\u00e9 --- supctl result end ---"}]})";
  auto results = parse_outcome(1, ran(noise_before + framed(document, "\r\n") + "trailing host output\r\n"));
  REQUIRE(results.size() == 1);
  CHECK(results[0].ok());
  CHECK(results[0].value == "caf\xC3\xA9 --- supctl result end ---");
}

TEST_CASE("parse_outcome keeps the good results around a failed operation", "[powershell]") {
  auto results = parse_outcome(
      4, ran(framed(R"({"supctl":1,"results":[{"ok":true,"value":{"a":1}},)"
                    R"({"ok":false,"kind":"access_denied","error":"Access to the registry key 'HKLM\\X' is denied."},)"
                    R"({"ok":false,"kind":"timeout","error":"The operation has timed out."},)"
                    R"({"ok":false,"kind":"failed","error":"Cannot find a service with service name 'Nope'."}]})"),
             "", 0));
  REQUIRE(results.size() == 4);
  CHECK(results[0].ok());
  CHECK(results[0].value == Json{{"a", 1}});
  CHECK(results[1].failure == FailureKind::kAccessDenied);
  CHECK(results[1].error == "Access to the registry key 'HKLM\\X' is denied.");
  CHECK(results[2].failure == FailureKind::kTimeout);
  CHECK(results[3].failure == FailureKind::kFailed);
  CHECK(results[3].error == "Cannot find a service with service name 'Nope'.");
}

TEST_CASE("parse_outcome removes a terminal's colours from an error a fragment caught", "[powershell]") {
  // PowerShell 7 puts colour sequences into an error record's text; JSON carries them as \u001b.
  auto results = parse_outcome(
      2, ran(framed(R"({"supctl":1,"results":[{"ok":false,"kind":"failed","error":"\u001b[31;1mboom\u001b[0m here"}],)"
                    R"("error":"\u001b[31mbad\u001b[0m payload"})"),
             "", 0));
  REQUIRE(results.size() == 2);
  CHECK(results[0].error == "the script could not run the batch: bad payload");
  auto one = parse_outcome(1, ran(framed(R"({"supctl":1,"results":[{"ok":false,"kind":"failed","error":"\u001b[31;1mboom\u001b[0m here"}]})"), "", 0));
  REQUIRE(one.size() == 1);
  CHECK(one[0].error == "boom here");
}

TEST_CASE("parse_outcome fails every operation on garbage", "[powershell]") {
  for (const std::string& out : {std::string("garbage\n"), framed("{not json"), framed(R"({"supctl":1})"),
                                 std::string(kResultBegin) + "\n{\"supctl\":1,\"results\":[]}\n"}) {
    INFO(out);
    auto results = parse_outcome(3, ran(out, "", 1));
    REQUIRE(results.size() == 3);
    for (const auto& r : results) {
      CHECK(r.failure == FailureKind::kFailed);
      CHECK(r.error.starts_with("PowerShell exited with code 1 and "));
    }
  }
  auto garbage = parse_outcome(1, ran("garbage\n", "", 1));
  CHECK(garbage[0].error == "PowerShell exited with code 1 and without a result document; stdout: garbage");
  auto wrong = parse_outcome(3, ran(framed(R"({"supctl":1,"results":[{"ok":true,"value":1}]})")));
  CHECK(wrong[2].error == "the script returned 1 results for 3 operations");
  auto malformed = parse_outcome(1, ran(framed(R"({"supctl":1,"results":[{"value":1}]})")));
  CHECK(malformed[0].error == "the script returned a malformed result for this operation");
  auto batch_error = parse_outcome(
      2,
      ran(framed(R"({"supctl":1,"results":[],"error":"the parameters on stdin are not the JSON supctl sends: x"})")));
  REQUIRE(batch_error.size() == 2);
  CHECK(batch_error[1].error ==
        "the script could not run the batch: the parameters on stdin are not the JSON supctl sends: x");
}

TEST_CASE("parse_outcome explains an empty stdout with the decoded CLIXML on stderr", "[powershell]") {
  std::string clixml =
      "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">"
      "<Obj S=\"progress\" RefId=\"0\"><TN "
      "RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>"
      "<MS><I64 N=\"SourceId\">1</I64><PR N=\"Record\"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil "
      "/><PI>-1</PI>"
      "<PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>"
      "<S S=\"Error\">At line:1 char:1_x000D__x000A_</S><S S=\"Error\">+ "
      "$s=[ScriptBlock]::Create($i.Substring(0,$n))_x000D__x000A_</S>"
      "<S S=\"Error\">Missing closing '}' in statement block or type definition._x000D__x000A_</S></Objs>";
  auto results = parse_outcome(2, ran("", clixml, 1));
  REQUIRE(results.size() == 2);
  CHECK(results[0].failure == FailureKind::kFailed);
  CHECK(results[1].error ==
        "PowerShell exited with code 1 and without a result document; stderr: At line:1 char:1\n"
        "+ $s=[ScriptBlock]::Create($i.Substring(0,$n))\n"
        "Missing closing '}' in statement block or type definition.");
  auto silent = parse_outcome(1, ran("", "", -1));
  CHECK(silent[0].error == "PowerShell exited with code -1 and without a result document");
}

TEST_CASE("parse_outcome fails every operation with the transport's failure", "[powershell]") {
  for (FailureKind kind :
       {FailureKind::kUnreachable, FailureKind::kAccessDenied, FailureKind::kTimeout, FailureKind::kFailed}) {
    Outcome outcome = transport_failure(kind, "winrm: cas01.contoso.com:5986: connection refused");
    outcome.stdout_text = framed(R"({"supctl":1,"results":[{"ok":true,"value":1},{"ok":true,"value":2}]})");
    auto results = parse_outcome(2, outcome);
    REQUIRE(results.size() == 2);
    for (const auto& r : results) {
      CHECK(r.failure == kind);
      CHECK(r.error == "winrm: cas01.contoso.com:5986: connection refused");
    }
  }
}

// ---- golden scripts

/// The files under `root`, as paths relative to it, sorted.
std::vector<std::string> files_under(const fs::path& root) {
  std::vector<std::string> files;
  if (!fs::exists(root)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), root).generic_string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_CASE("plan --emit-scripts writes exactly the golden scripts for examples/contoso on the lab", "[powershell]") {
  fs::path dir = fs::temp_directory_path() / fmt::format("supctl-emit-{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(test::source_dir() / "examples/contoso")) {
    if (entry.path().extension() == ".toml") fs::copy_file(entry.path(), dir / entry.path().filename());
  }
  std::map<std::string, std::string> env{{"CONTOSO_WSUS_CONNECT_PASSWORD", "Wsus-Connect-7f3a-SECRET"},
                                         {"CONTOSO_PROXY_PASSWORD", "Proxy-9c1e-SECRET"},
                                         {"SUPCTL_WINRM_PASSWORD", "WinRM-2b8d-SECRET"}};
  REQUIRE(test::run_cli({"lab", "init", dir.string()}, false, env).code == 0);
  fs::path out = dir / "scripts";
  auto plan = test::run_cli({"plan", dir.string(), "--lab", "--emit-scripts", out.string()}, false, env);
  INFO(plan.err);
  REQUIRE(plan.code == 0);
  CHECK(plan.err.find("Wrote the PowerShell the live path would send to '" + out.string() + "'") != std::string::npos);

  fs::path golden = test::source_dir() / "tests/fixtures/powershell/contoso";
  std::vector<std::string> written = files_under(out);
  REQUIRE(std::find(written.begin(), written.end(), "bootstrap.ps1") != written.end());
  if (std::getenv("SUPCTL_UPDATE_FIXTURES") != nullptr) {
    fs::remove_all(golden);
    fs::create_directories(golden);
    fs::copy(out, golden, fs::copy_options::recursive);
  }
  INFO("golden files in " << golden.string() << " (SUPCTL_UPDATE_FIXTURES=1 rewrites them)");
  CHECK(files_under(golden) == written);
  bool sensitive = false;
  for (const std::string& file : written) {
    INFO(file);
    std::string text = test::read_file(out / file);
    CHECK(text == test::read_file(golden / file));
    for (const auto& [name, secret] : env) CHECK(text.find(secret) == std::string::npos);
    sensitive |= text.find("\"(sensitive)\"") != std::string::npos;
  }
  CHECK(sensitive);
  // Reads and applies of several hosts, and the scripts are what assemble_script makes.
  CHECK(std::find(written.begin(), written.end(), "cas01.contoso.com/read.ps1") != written.end());
  CHECK(std::count_if(written.begin(), written.end(),
                      [](const std::string& f) { return f.find("/apply-001-") != std::string::npos; }) >= 4);
  CHECK(test::read_file(out / "bootstrap.ps1") == bootstrap_script());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace supctl::powershell
