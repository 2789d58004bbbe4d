#pragma once
/// Script assembly: turns a batch of operations for one host into one request of the host's
/// PowerShell session (protocol.h): the script and its JSON parameters; and turns what came back
/// into one result per operation.
///
/// The script text depends only on which operations the batch holds, never on their parameters:
/// parameters travel as JSON data beside it, so no value can change what the script does, and
/// secrets (resolved by the applier just before a batch runs) appear only in the JSON.

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backends/powershell/protocol.h"
#include "backends/powershell/transport.h"
#include "plugin/operation.h"

namespace supctl::powershell {

/// The fragment (function body) of an operation, or nullopt when no plugin has one. Asked for a
/// plugin's name alone ("configmgr"), the plugin's shared fragment: functions its operations'
/// fragments call, defined once at the top of a script that runs any of them.
using FragmentLookup = std::function<std::optional<std::string_view>(std::string_view operation)>;

/// A lookup over a table of fragments (e.g. plugins::powershell_fragments()); the fragments'
/// text must outlive it (compiled-in fragments do).
FragmentLookup fragment_lookup(std::vector<plugin::ScriptFragment> fragments);

/// The script for a batch: a header, the shared fragment of each plugin whose operations it runs
/// (when the plugin has one), one function per distinct operation (sorted by name) holding
/// its fragment, the table from operation names to those functions, and the runner, which runs
/// each operation of the JSON in order, each in its own try/catch, and writes one result document
/// between kResultBegin and kResultEnd. Operations with the same non-zero chain are steps of one
/// change: once one fails, each later one of that chain fails with "not run: <operation> failed
/// before it" without running. An operation without a fragment gets a function that throws (the
/// backend never sends one; see PowerShellBackend). This is exactly what one request runs.
std::string assemble_script(std::span<const plugin::Operation> batch, const FragmentLookup& fragments);

/// The JSON parameters of a request, exactly as sent:
/// {"operations":[{"operation":NAME,"params":{...},"chain"?:N},...]} ("chain" only when not 0),
/// compact, every non-ASCII character escaped, so the console code page cannot corrupt it.
std::string payload_json(std::span<const plugin::Operation> batch);

/// The same parameters for people to read (`plan --emit-scripts`): indented, and every secret
/// placeholder {"$secret": REFERENCE} shown as "(sensitive)". Call it before secrets are resolved.
std::string redacted_payload(std::span<const plugin::Operation> batch);

/// One result per operation (in order) from what came back for a request of `count` operations:
/// - a transport failure fails every operation with the transport's kind and message;
/// - no result document (or one that does not parse, or holds another number of results) fails
///   every operation, saying the exit code and the decoded stderr (clixml.h);
/// - otherwise each operation's own record: its value, or its failure (failed, access_denied,
///   timeout) and message. Output before kResultBegin or after kResultEnd is ignored.
std::vector<plugin::OperationResult> parse_outcome(std::size_t count, const Outcome& outcome);

}  // namespace supctl::powershell
