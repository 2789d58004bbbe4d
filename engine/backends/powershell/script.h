#pragma once
/// Script assembly: turns a batch of operations for one host into one PowerShell Invocation (a
/// constant bootstrap on the command line; the script, the sentinel and the JSON parameters on
/// stdin), and turns what came back into one result per operation.
///
/// The script text depends only on which operations the batch holds, never on their parameters:
/// parameters travel as JSON data beside it, so no value can change what the script does, and
/// secrets (resolved by the applier just before a batch runs) appear only in the stdin JSON.

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backends/powershell/transport.h"
#include "model/operation.h"

namespace supctl::powershell {

/// The fragment (function body) of an operation, or nullopt when no plugin has one. Asked for a
/// plugin's name alone ("configmgr"), the plugin's shared fragment: functions its operations'
/// fragments call, defined once at the top of a script that runs any of them.
using FragmentLookup = std::function<std::optional<std::string_view>(std::string_view operation)>;

/// A lookup over a table of fragments (e.g. plugins::powershell_fragments()); the fragments'
/// text must outlive it (compiled-in fragments do).
FragmentLookup fragment_lookup(std::vector<model::ScriptFragment> fragments);

/// The lines around the result document on stdout. Each stands alone on its line.
inline constexpr std::string_view kResultBegin = "--- supctl result begin ---";
inline constexpr std::string_view kResultEnd = "--- supctl result end ---";

/// The bootstrap: the same text for every run (Windows PowerShell 5.1 and later). It reads all of
/// stdin as UTF-8, splits it at the first kPayloadSentinel, sets $ErrorActionPreference = 'Stop',
/// $ProgressPreference = 'SilentlyContinue' and UTF-8 console output, and runs the script half as
/// a ScriptBlock with the JSON half as its argument (so the JSON never reaches ScriptBlock logging).
std::string_view bootstrap_script();

/// The command-line arguments that run the bootstrap:
/// {-NoProfile, -NonInteractive, -ExecutionPolicy, Bypass, -EncodedCommand, <base64 of UTF-16LE>}.
std::vector<std::string> bootstrap_arguments();

/// The script for a batch: a header, the shared fragment of each plugin whose operations it runs
/// (when the plugin has one), one function per distinct operation (sorted by name) holding
/// its fragment, the table from operation names to those functions, and the runner, which runs
/// each operation of the JSON in order, each in its own try/catch, and writes one result document
/// between kResultBegin and kResultEnd. An operation without a fragment gets a function that
/// throws (the backend never sends one; see PowerShellBackend).
std::string assemble_script(std::span<const model::Operation> batch, const FragmentLookup& fragments);

/// The JSON half of the payload, exactly as sent: {"operations":[{"operation":NAME,"params":{...}},...]},
/// compact, every non-ASCII character escaped, so the console code page cannot corrupt it.
std::string payload_json(std::span<const model::Operation> batch);

/// The same parameters for people to read (`plan --emit-scripts`): indented, and every secret
/// placeholder {"$secret": REFERENCE} shown as "(sensitive)". Call it before secrets are resolved.
std::string redacted_payload(std::span<const model::Operation> batch);

/// The Invocation for a batch: bootstrap_arguments(), and on stdin
/// assemble_script() + kPayloadSentinel + payload_json().
Invocation assemble(std::span<const model::Operation> batch, const FragmentLookup& fragments);

/// One result per operation from what came back for an Invocation of `count` operations:
/// - a transport failure fails every operation with the transport's kind and message;
/// - no result document (or one that does not parse, or holds another number of results) fails
///   every operation, saying the exit code and the decoded stderr (clixml.h);
/// - otherwise each operation's own record: its value, or its failure (failed, access_denied,
///   timeout) and message. Output before kResultBegin or after kResultEnd is ignored.
std::vector<model::OperationResult> parse_outcome(std::size_t count, const Outcome& outcome);

}  // namespace supctl::powershell
