#include "backends/lab/backend.h"

#include <fmt/format.h>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>

#include "model/text.h"

namespace supctl::lab {
namespace {

using plugin::FailureKind;
using plugin::OperationResult;

/// The estate's matching rule for a fault's operation: "*", a prefix ending in '*', or exact.
bool matches(std::string_view pattern, std::string_view operation) {
  if (pattern.ends_with('*')) return operation.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == operation;
}

/// The failure an injected fault stands for, with the kind's default message when it has none.
OperationResult fault_result(const Fault& fault, std::string_view host) {
  auto with_default = [&](FailureKind kind, std::string fallback) {
    return plugin::failed(fault.message.empty() ? std::move(fallback) : fault.message, kind);
  };
  if (fault.kind == "unreachable") {
    return with_default(FailureKind::kUnreachable,
                        fmt::format("cannot reach '{}': the lab says it is unreachable", host));
  }
  if (fault.kind == "access_denied") return with_default(FailureKind::kAccessDenied, "access is denied");
  if (fault.kind == "timeout") return with_default(FailureKind::kTimeout, "the operation timed out");
  if (fault.kind == "will_not_start") {
    return with_default(FailureKind::kFailed,
                        "the service did not start: Error 1053: The service did not respond to the start or "
                        "control request in a timely fashion");
  }
  return with_default(FailureKind::kFailed, "the operation failed");
}

}  // namespace

void OperationTable::add(std::string name, Interpreter interpreter) {
  if (interpreters_.contains(name)) {
    duplicates_.push_back(std::move(name));
    return;
  }
  interpreters_.emplace(std::move(name), std::move(interpreter));
}

const Interpreter* OperationTable::find(std::string_view name) const {
  auto it = interpreters_.find(name);
  return it == interpreters_.end() ? nullptr : &it->second;
}

std::vector<std::string> OperationTable::names() const {
  std::vector<std::string> names;
  names.reserve(interpreters_.size());
  for (const auto& [name, interpreter] : interpreters_) names.push_back(name);
  return names;
}

std::vector<OperationResult> LabBackend::run(const ops::HostTarget& host, std::span<const plugin::Operation> batch) {
  if (batch.empty()) return {};
  auto fail_all = [&](const OperationResult& result) { return std::vector<OperationResult>(batch.size(), result); };

  if (!estate_.host(host.name)) {
    return fail_all(plugin::failed(fmt::format("lab host '{}' does not exist: 'supctl lab init' creates the hosts the "
                                              "manifests name",
                                              host.name),
                                  FailureKind::kUnreachable));
  }

  // An unreachable host fails the whole round trip; that counts as one use of the fault. The fault
  // is counted down by putting it back under its own id, so that it keeps its place in the order.
  std::optional<Fault> unreachable;
  estate_.transaction([&] {
    for (const Fault& fault : estate_.faults()) {
      if (fault.kind != "unreachable" || fault.remaining == 0 || !model::iequals(fault.host, host.name)) continue;
      if (!matches(fault.operation, "*") && !matches(fault.operation, batch.front().name)) continue;
      unreachable = fault;
      break;
    }
    if (!unreachable || unreachable->remaining < 0) return true;
    estate_.remove_fault(unreachable->id);
    if (unreachable->remaining > 1) {
      Fault left = *unreachable;
      --left.remaining;
      estate_.add_fault(left);
    }
    return true;
  });
  if (unreachable) return fail_all(fault_result(*unreachable, host.name));

  // One transaction for the round trip, as a server answers one request: each operation in it is
  // a savepoint of its own, kept when it succeeds and undone when it fails.
  std::vector<OperationResult> results;
  results.reserve(batch.size());
  const bool committed = estate_.transaction([&] {
    ops::ChainStops chains;
    for (const plugin::Operation& operation : batch) {
      if (auto skipped = chains.skipped(operation)) {
        results.push_back(std::move(*skipped));
        continue;
      }
      results.push_back(run_one(host.name, operation));
      chains.ran(operation, results.back());
    }
    return true;
  });
  if (!committed) {
    return fail_all(plugin::failed(
        "the lab could not run the round trip: its estate is in use by another supctl process (or cannot be written); try again"));
  }
  return results;
}

OperationResult LabBackend::run_one(const std::string& host, const plugin::Operation& operation) {
  estate_.advance(1);
  if (auto fault = estate_.take_fault(host, operation.name)) return fault_result(*fault, host);
  const Interpreter* interpreter = table_.find(operation.name);
  if (interpreter == nullptr) return plugin::failed(fmt::format("the lab does not implement '{}'", operation.name));
  auto could_not_run = [&](std::string_view why) {
    return plugin::failed(fmt::format("the lab could not run '{}': {}", operation.name, why));
  };
  OperationResult result;
  bool ran = false;
  bool committed = false;
  try {
    committed = estate_.transaction([&] {
      ran = true;
      result = (*interpreter)(estate_, host, operation.params);
      return result.ok();
    });
  } catch (const std::exception& e) {
    return could_not_run(e.what());
  } catch (...) {
    return could_not_run("an unknown exception");
  }
  if (!ran) return could_not_run("the estate could not begin a transaction");
  if (result.ok() && !committed) return could_not_run("the estate could not commit its changes");
  return result;
}

}  // namespace supctl::lab
