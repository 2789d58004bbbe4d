#include "backends/powershell/script.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "backends/powershell/clixml.h"
#include "model/text.h"

namespace supctl::powershell {
namespace platform {
std::span<const plugin::ScriptFragment> powershell_fragments();  // generated from powershell/platform.ps1
}  // namespace platform
namespace {

using plugin::FailureKind;
using model::Json;
using plugin::OperationResult;

constexpr std::string_view kScriptHeader =
    "# supctl: the operations of one batch for one host, assembled from the plugins' fragments.\n"
    "# The session runs this text as a ScriptBlock and passes the JSON parameters as $SupctlPayload:\n"
    "# parameter values are data, never part of this text. Windows PowerShell 5.1 or later.\n"
    "param([string]$SupctlPayload)\n";

// Converts a fragment's result into plain dictionaries, arrays and scalars before ConvertTo-Json,
// which in Windows PowerShell 5.1 serialises extended strings as objects, enums as numbers,
// dates as "\/Date()\/", NaN as invalid JSON and anything past -Depth as a type name.
constexpr std::string_view kRunnerFunctions = R"ps1(
# ---- the runner: every operation in its own try/catch, then one result document on stdout.
function ConvertTo-SupctlJsonValue {
  param($Value, [int]$Depth)
  if ($null -eq $Value) { return $null }
  if ($Depth -gt 24) { throw 'the result nests more than 24 levels deep' }
  if ($Value -is [string] -or $Value -is [char]) { return [string]$Value }
  if ($Value -is [bool]) { return [bool]$Value }
  if ($Value -is [enum] -or $Value -is [guid] -or $Value -is [version] -or $Value -is [timespan]) { return $Value.ToString() }
  if ($Value -is [datetime]) { return $Value.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture) }
  if ($Value -is [double] -or $Value -is [single]) {
    if ([double]::IsNaN($Value) -or [double]::IsInfinity($Value)) { return [string]$Value }
    return [double]$Value
  }
  if ($Value -is [decimal] -or ($Value -is [ValueType] -and $Value.GetType().IsPrimitive)) { return $Value.PSObject.BaseObject }
  if ($Value -is [System.Collections.IDictionary]) {
    $object = [ordered]@{}
    foreach ($entry in $Value.GetEnumerator()) { $object[[string]$entry.Key] = ConvertTo-SupctlJsonValue $entry.Value ($Depth + 1) }
    return $object
  }
  if ($Value -is [System.Management.Automation.PSCustomObject]) {
    $object = [ordered]@{}
    foreach ($property in $Value.PSObject.Properties) { $object[[string]$property.Name] = ConvertTo-SupctlJsonValue $property.Value ($Depth + 1) }
    return $object
  }
  if ($Value -is [System.Collections.IEnumerable]) {
    $items = New-Object System.Collections.ArrayList
    foreach ($item in $Value) { [void]$items.Add((ConvertTo-SupctlJsonValue $item ($Depth + 1))) }
    return ,$items.ToArray()
  }
  return [string]$Value
}

function Get-SupctlFailureKind {
  param($ErrorRecord)
  $exception = $ErrorRecord.Exception
  while ($null -ne $exception) {
    if ($exception -is [System.UnauthorizedAccessException] -or $exception -is [System.Security.SecurityException]) { return 'access_denied' }
    if ($exception.HResult -eq -2147024891) { return 'access_denied' }
    if ($exception -is [System.TimeoutException]) { return 'timeout' }
    $exception = $exception.InnerException
  }
  $category = [string]$ErrorRecord.CategoryInfo.Category
  if ($category -eq 'PermissionDenied') { return 'access_denied' }
  if ($category -eq 'OperationTimeout') { return 'timeout' }
  $message = [string]$ErrorRecord.Exception.Message
  if ($message -match 'access is denied|access denied') { return 'access_denied' }
  if ($message -match 'timed out') { return 'timeout' }
  return 'failed'
}

function Get-SupctlErrorText {
  param($ErrorRecord)
  $text = [string]$ErrorRecord.Exception.Message
  if ($null -ne $ErrorRecord.ErrorDetails -and [string]$ErrorRecord.ErrorDetails.Message -ne '') { $text = [string]$ErrorRecord.ErrorDetails.Message }
  if ($text -eq '') { $text = [string]$ErrorRecord }
  return $text
}

# Windows PowerShell 5.1 gives arrays an extended Count property that ConvertTo-Json writes as {"value":[...],"Count":n}.
try { Remove-TypeData -TypeName System.Array -ErrorAction Stop } catch { $null = $_ }
$SupctlParts = New-Object System.Collections.ArrayList
$SupctlProblem = $null
$SupctlBatch = @()
try {
  $SupctlBatch = @((ConvertFrom-Json -InputObject $SupctlPayload).operations)
} catch {
  $SupctlProblem = 'the parameters on stdin are not the JSON supctl sends: ' + $_.Exception.Message
}
# Operations with the same non-zero chain are steps of one change: after one fails, the rest are not run.
$SupctlBroken = @{}
foreach ($SupctlOperation in $SupctlBatch) {
  $SupctlChain = 0
  if ($null -ne $SupctlOperation.PSObject.Properties['chain']) { $SupctlChain = [int]$SupctlOperation.chain }
  if ($SupctlChain -ne 0 -and $SupctlBroken.ContainsKey($SupctlChain)) {
    $SupctlRecord = [ordered]@{ ok = $false; kind = 'failed'; error = ('not run: {0} failed before it' -f $SupctlBroken[$SupctlChain]) }
    [void]$SupctlParts.Add((ConvertTo-Json -InputObject $SupctlRecord -Compress))
    continue
  }
  try {
    $SupctlFunction = $SupctlOperations[[string]$SupctlOperation.operation]
    if ($null -eq $SupctlFunction) { throw ('this script has no fragment for the operation ''{0}''' -f $SupctlOperation.operation) }
    # A fragment returns its result; anything it let fall into the output before that is dropped.
    $SupctlOutput = @(& $SupctlFunction $SupctlOperation.params)
    $SupctlValue = $null
    if ($SupctlOutput.Count -gt 0) { $SupctlValue = $SupctlOutput[$SupctlOutput.Count - 1] }
    $SupctlRecord = [ordered]@{ ok = $true; value = (ConvertTo-SupctlJsonValue $SupctlValue 0) }
    $SupctlPart = ConvertTo-Json -InputObject $SupctlRecord -Depth 32 -Compress
  } catch {
    $SupctlRecord = [ordered]@{ ok = $false; kind = (Get-SupctlFailureKind $_); error = (Get-SupctlErrorText $_) }
    $SupctlPart = ConvertTo-Json -InputObject $SupctlRecord -Compress
    if ($SupctlChain -ne 0) { $SupctlBroken[$SupctlChain] = [string]$SupctlOperation.operation }
  }
  [void]$SupctlParts.Add($SupctlPart)
}
$SupctlText = '{"supctl":1,"results":[' + ($SupctlParts -join ',') + ']'
if ($null -ne $SupctlProblem) { $SupctlText += ',"error":' + (ConvertTo-Json -InputObject ([string]$SupctlProblem) -Compress) }
$SupctlText += '}'
# ASCII only, whatever the console's code page: JSON escapes for everything else.
$SupctlText = [regex]::Replace($SupctlText, '[^\u0000-\u007F]', { param($m) '\u{0:x4}' -f [int]($m.Value[0]) })
)ps1";

std::string runner_output() {
  return fmt::format(
      "[Console]::Out.Write(\"`n\" + '{}' + \"`n\" + $SupctlText + \"`n\" + '{}' + \"`n\")\n"
      "[Console]::Out.Flush()\n",
      kResultBegin, kResultEnd);
}

// A PowerShell single-quoted string: quotes (including the typographic ones PowerShell also
// takes as quotes) doubled.
std::string single_quoted(std::string_view text) {
  std::string out = "'";
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '\'') out += '\'';
    // U+2018..U+201B in UTF-8: E2 80 98..9B.
    if (static_cast<unsigned char>(text[i]) == 0xE2 && i + 2 < text.size() &&
        static_cast<unsigned char>(text[i + 1]) == 0x80 && static_cast<unsigned char>(text[i + 2]) >= 0x98 &&
        static_cast<unsigned char>(text[i + 2]) <= 0x9B) {
      out.append(text.substr(i + 1, 2));
      out.append(text.substr(i, 3));
      i += 2;
    }
  }
  return out + "'";
}

// A comment line cannot be ended early by a name with a line break in it.
std::string one_line(std::string_view text) {
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return out;
}

std::string function_base_name(std::string_view operation) {
  std::string name = "SupctlOp_";
  for (char c : operation) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    name += alnum ? c : '_';
  }
  return name;
}

// Sorted distinct operation names of a batch, each with a unique function name.
std::vector<std::pair<std::string, std::string>> functions_of(std::span<const plugin::Operation> batch) {
  std::set<std::string> names;
  for (const plugin::Operation& op : batch) names.insert(op.name);
  std::vector<std::pair<std::string, std::string>> functions;
  std::set<std::string> taken;
  for (const std::string& name : names) {
    std::string function = function_base_name(name);
    std::string lower = model::lower(function);
    std::string candidate = lower;
    for (int n = 2; taken.contains(candidate); ++n) candidate = fmt::format("{}_{}", lower, n);
    if (candidate != lower) function += candidate.substr(lower.size());
    taken.insert(candidate);
    functions.emplace_back(name, function);
  }
  return functions;
}

Json payload_document(std::span<const plugin::Operation> batch) {
  Json operations = Json::array();
  for (const plugin::Operation& op : batch) {
    Json operation{{"operation", op.name}, {"params", op.params.is_null() ? Json::object() : op.params}};
    if (op.chain != 0) operation["chain"] = op.chain;  // absent for chain 0: those payloads stay as they were
    operations.push_back(std::move(operation));
  }
  return Json{{"operations", std::move(operations)}};
}

void redact(Json& value) {
  if (value.is_object()) {
    if (value.size() == 1 && value.contains("$secret")) {
      value = "(sensitive)";
      return;
    }
    for (auto& [key, item] : value.items()) redact(item);
  } else if (value.is_array()) {
    for (Json& item : value) redact(item);
  }
}

// The lines of a text without their line ends ("\n" or "\r\n").
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// The JSON between the last kResultBegin line and the kResultEnd line after it; nullopt when
// there is none (the script never got there, or its output was cut short).
std::optional<std::string> result_document(std::string_view stdout_text) {
  std::vector<std::string_view> lines = lines_of(stdout_text);
  for (std::size_t i = lines.size(); i-- > 0;) {
    if (lines[i] != kResultBegin) continue;
    std::string document;
    for (std::size_t j = i + 1; j < lines.size(); ++j) {
      if (lines[j] == kResultEnd) return document;
      if (!document.empty()) document += '\n';
      document.append(lines[j]);
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::string trimmed(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

FailureKind kind_named(std::string_view kind) {
  if (kind == "access_denied") return FailureKind::kAccessDenied;
  if (kind == "timeout") return FailureKind::kTimeout;
  if (kind == "unreachable") return FailureKind::kUnreachable;
  return FailureKind::kFailed;
}

OperationResult result_of(const Json& record) {
  if (!record.is_object() || !record.contains("ok") || !record["ok"].is_boolean()) {
    return plugin::failed("the script returned a malformed result for this operation");
  }
  if (record["ok"].get<bool>()) {
    OperationResult result;
    result.value = record.contains("value") ? record["value"] : Json();
    return result;
  }
  std::string error = record.contains("error") && record["error"].is_string() ? printable_text(record["error"].get<std::string>()) : "";
  std::string kind =
      record.contains("kind") && record["kind"].is_string() ? record["kind"].get<std::string>() : "failed";
  return plugin::failed(error.empty() ? "the operation failed without a message" : error, kind_named(kind));
}

/// A fragment as written, not indented (a here-string's terminator must stay in column 0), on
/// lines of its own; a NUL, which has no place in script text, is dropped.
void append_fragment(std::string& script, std::string_view fragment) {
  std::string text(fragment);
  text.erase(std::remove(text.begin(), text.end(), '\0'), text.end());
  script += text;
  if (!text.ends_with('\n')) script += '\n';
}

}  // namespace

FragmentLookup fragment_lookup(std::vector<plugin::ScriptFragment> fragments) {
  auto table = std::make_shared<std::map<std::string, std::string_view, std::less<>>>();
  for (const plugin::ScriptFragment& fragment : fragments)
    table->emplace(std::string(fragment.operation), fragment.script);
  return [table](std::string_view operation) -> std::optional<std::string_view> {
    auto it = table->find(operation);
    if (it == table->end()) return std::nullopt;
    return it->second;
  };
}

std::string assemble_script(std::span<const plugin::Operation> batch, const FragmentLookup& fragments) {
  std::string script(kScriptHeader);
  // The seams to what only Windows has, which every fragment reaches through (platform.ps1).
  for (const plugin::ScriptFragment& seams : platform::powershell_fragments()) {
    script += fmt::format("\n# ---- {} (seams)\n", seams.operation);
    append_fragment(script, seams.script);
  }
  auto functions = functions_of(batch);
  // Each plugin's shared fragment (the one named by the plugin alone, such as "configmgr"), once,
  // before the operations that call what it defines.
  std::set<std::string> plugins;
  for (const auto& [operation, function] : functions) {
    if (auto dot = operation.find('.'); dot != std::string::npos) plugins.insert(operation.substr(0, dot));
  }
  for (const std::string& plugin : plugins) {
    std::optional<std::string_view> shared = fragments ? fragments(plugin) : std::nullopt;
    if (!shared) continue;
    script += fmt::format("\n# ---- {} (shared)\n", one_line(plugin));
    append_fragment(script, *shared);
  }
  for (const auto& [operation, function] : functions) {
    std::optional<std::string_view> body = fragments ? fragments(operation) : std::nullopt;
    script += fmt::format("\n# ---- {}\nfunction {} {{\nparam($p)\n", one_line(operation), function);
    if (body) {
      append_fragment(script, *body);
    } else {
      script += "throw 'supctl has no PowerShell fragment for this operation'\n";
    }
    script += "}\n";
  }
  script += "\n$SupctlOperations = @{\n";
  for (const auto& [operation, function] : functions)
    script += fmt::format("  {} = '{}'\n", single_quoted(operation), function);
  script += "}\n";
  script += kRunnerFunctions;
  script += runner_output();
  return script;
}

std::string payload_json(std::span<const plugin::Operation> batch) {
  return payload_document(batch).dump(-1, ' ', true, Json::error_handler_t::replace);
}

std::string redacted_payload(std::span<const plugin::Operation> batch) {
  Json document = payload_document(batch);
  redact(document);
  return document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::vector<OperationResult> parse_outcome(std::size_t count, const Outcome& outcome) {
  auto fail_all = [&](FailureKind kind, const std::string& error) {
    return std::vector<OperationResult>(count, plugin::failed(error, kind));
  };
  if (outcome.failure != FailureKind::kNone) {
    return fail_all(outcome.failure, outcome.error.empty() ? "the transport failed without a message" : outcome.error);
  }
  // What PowerShell said, for when the script gave no usable answer.
  auto no_result = [&](std::string_view what) {
    std::string detail = trimmed(decode_clixml(outcome.stderr_text));
    std::string where = "stderr";
    if (detail.empty()) {
      detail = trimmed(printable_text(outcome.stdout_text));
      where = "stdout";
    }
    std::string text = fmt::format("PowerShell exited with code {} and {}", outcome.exit_code, what);
    if (!detail.empty()) text += fmt::format("; {}: {}", where, shortened(detail, 4000));
    return fail_all(FailureKind::kFailed, text);
  };
  auto document = result_document(outcome.stdout_text);
  if (!document) return no_result("without a result document");
  Json json = Json::parse(*document, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return no_result("with a result document that is not JSON");
  if (json.contains("error") && json["error"].is_string()) {
    return fail_all(FailureKind::kFailed, "the script could not run the batch: " + printable_text(json["error"].get<std::string>()));
  }
  if (!json.contains("results") || !json["results"].is_array())
    return no_result("with a result document without results");
  const Json& results = json["results"];
  if (results.size() != count) {
    return fail_all(FailureKind::kFailed,
                    fmt::format("the script returned {} results for {} operations", results.size(), count));
  }
  std::vector<OperationResult> out;
  out.reserve(count);
  for (const Json& record : results) out.push_back(result_of(record));
  return out;
}

}  // namespace supctl::powershell
