#pragma once
/// An operation is data: a name such as "registry.get_value", JSON parameters, and a JSON result.
/// Plugins produce operations; a backend interprets them on a host (the lab estate, or PowerShell
/// on a real server), so the two can never disagree about what a step means.

#include <string>
#include <utility>
#include <vector>

#include "model/json.h"

namespace supctl::plugin {

struct Operation {
  std::string name;  ///< "<plugin>.<verb>", e.g. "registry.get_value"
  model::Json params;       ///< a JSON object; secrets only as {"$secret": {"env"|"file": ...}} placeholders
  /// The machine that owns what it reads or changes, when that is not the machine of the resource
  /// it belongs to (Plugin::host_of): a SUP's group memberships on the SUP's own server while the
  /// role itself is read through its site's SMS Provider. Empty: the resource's host.
  std::string host;
  /// Operations of one batch with the same non-zero chain are steps of one change: they run in
  /// their order, and once one fails the rest of its chain is not run (each of them fails saying
  /// so). 0: the operation stands alone. Backends run a batch in order either way.
  int chain = 0;
};

/// How an operation failed, so that callers can tell a host that is down from a step that failed.
enum class FailureKind { kNone, kUnreachable, kAccessDenied, kTimeout, kFailed };

std::string_view failure_kind_name(FailureKind kind);

struct OperationResult {
  FailureKind failure = FailureKind::kNone;  ///< kNone: the operation succeeded
  model::Json value;                                ///< the result when it succeeded
  std::string error;                         ///< what failed, in the host's words, when it did not

  bool ok() const { return failure == FailureKind::kNone; }
};

/// An operation that succeeded with `value` (an empty object when it returns nothing).
inline OperationResult succeeded(model::Json value = model::Json::object()) { return {FailureKind::kNone, std::move(value), {}}; }

/// An operation that failed: `kind` says how (kFailed unless the host could not be reached, ...).
inline OperationResult failed(std::string error, FailureKind kind = FailureKind::kFailed) {
  return {kind, nullptr, std::move(error)};
}

/// A PowerShell fragment compiled into the binary: the live twin of an operation's lab interpreter.
/// The script is the body of a function that receives the operation's parameters as `$p` (an
/// object from ConvertFrom-Json) and returns its result, which is sent back as JSON; it throws on failure.
struct ScriptFragment {
  std::string_view operation;  ///< e.g. "registry.get_value"
  std::string_view script;
};

}  // namespace supctl::plugin
