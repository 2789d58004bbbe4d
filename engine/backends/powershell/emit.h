#pragma once
/// `plan --emit-scripts`: the PowerShell the live path would send, written out for people to read.
/// Per host, the plan's reads (read.ps1) and each change's legs in apply order
/// (apply-NNN-<address>.ps1), each assembled as PowerShellBackend assembles a request, with its
/// parameters beside it (.json, secrets as "(sensitive)"), and the bootstrap once.

#include <filesystem>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backends/powershell/script.h"
#include "ops/backend.h"

namespace supctl::powershell {

/// Passes every batch on to another backend and keeps a copy, per host: the reads of a plan.
class CapturingBackend final : public ops::Backend {
 public:
  explicit CapturingBackend(ops::Backend& inner) : inner_(inner) {}
  std::vector<plugin::OperationResult> run(const ops::HostTarget& host, std::span<const plugin::Operation> batch) override;
  ops::Clock* clock() override { return inner_.clock(); }
  /// Host name -> every operation run on it, in order.
  std::map<std::string, std::vector<plugin::Operation>> batches() const;

 private:
  ops::Backend& inner_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<plugin::Operation>> batches_;  ///< host -> its operations, in order
};

/// The scripts a run would send, per host, in the order it sends them.
class EmittedScripts {
 public:
  /// Each host's reads become its first script, "read" (a host without any has none).
  explicit EmittedScripts(const std::map<std::string, std::vector<plugin::Operation>>& reads);
  /// One leg of the change `address` on `host`: its next script, apply-NNN-<address> (NNN counting
  /// that host's legs from 001).
  void add_leg(const std::string& host, std::string_view address, std::vector<plugin::Operation> operations);

  /// Writes bootstrap.ps1 to `dir` (created when missing) and, per host, <host>/<script>.ps1 and
  /// <host>/<script>.json, names made file-safe (lower case; [a-z0-9._] kept, other runs one '-').
  /// An operation without a fragment is left out, as PowerShellBackend never sends one, and a
  /// script left with none is not written. False with `*error` when a file cannot be written.
  bool write(const std::filesystem::path& dir, const FragmentLookup& fragments, std::string* error);

  int scripts_written() const { return written_; }
  std::size_t hosts() const { return phases_.size(); }  ///< hosts with something to send

 private:
  struct Phase {
    std::string name;  ///< the file name without extension
    std::vector<plugin::Operation> operations;
  };
  std::map<std::string, std::vector<Phase>> phases_;  ///< host (its directory name) -> its scripts, in order
  std::map<std::string, int> legs_;                   ///< host (its directory name) -> apply legs so far
  int written_ = 0;
};

}  // namespace supctl::powershell
