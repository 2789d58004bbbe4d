#pragma once
/// What proves a change on the servers themselves, as an administrator would prove it: the log
/// milestones of work that goes on after a change's operations return (a software update point's
/// install, through SMSProv.log, SiteComp.log, SUPSetup.log and WCM.log), and the checks that
/// `supctl verify` runs. Plain data from the plugins; engine/verify reads the logs and runs them.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/address.h"
#include "plugin/operation.h"

namespace supctl::plugin {

/// A log file on a machine.
struct LogSource {
  std::string host;       ///< the machine, as the manifests name it
  std::string log;        ///< its file name: "SiteComp.log"
  std::string component;  ///< the ConfigMgr component that writes it (its Tracing key names the path); may be empty
  bool operator==(const LogSource&) const = default;
};

/// One step of the work, proven by an entry of `source` whose message contains one of `signs`
/// (compared without case, each a whole word at both ends). Across logs (other hosts, other
/// writers) milestones may show up in any order; a failure is cleared only by its own step's
/// milestone showing later in the same log (a retry). Signs are tried in the chain's order, so
/// specific failure signs come before general ones.
struct Milestone {
  std::string name;                ///< what it proves, for progress lines: "bootstrap service removed"
  LogSource source;
  std::vector<std::string> signs;  ///< never empty
  /// This milestone starts an attempt: seen again, it forgets what its log showed from it on, and
  /// the log's failure (a role setup that runs again after a failure).
  bool starts_attempt = false;
  /// Other logs where the same signs prove it too (a line some builds write to another log).
  std::vector<LogSource> also_in;
};

/// An entry that shows the work failed at milestone `step`.
struct FailureSign {
  std::size_t step = 0;            ///< index into InstallChain::milestones
  LogSource source;
  std::vector<std::string> signs;  ///< never empty; compared without case
  std::string hint;                ///< what to do about it
  /// When not empty, the entry must also hold one of these (the server it is about: a site
  /// server's log speaks of all its site systems).
  std::vector<std::string> about;
};

/// The name a log has once it rolled over: "SiteComp.log" -> "SiteComp.lo_".
inline std::string rolled_over_name(std::string_view log) {
  const auto dot = log.rfind('.');
  return std::string(dot == std::string_view::npos ? log : log.substr(0, dot)) + ".lo_";
}

struct InstallChain {
  std::string subject;                 ///< "the software update point role on pr1wsus.contoso.com"
  std::vector<Milestone> milestones;   ///< in order; success needs every one
  std::vector<FailureSign> failures;
  std::string timeout_hint;            ///< what to look at when the milestones stop coming
};

/// A check `supctl verify` runs: operations on one or more hosts, whose results the plugin that
/// made the check judges (Plugin::evaluate).
struct CheckOperation {
  std::string host;
  Operation operation;
};
struct Check {
  std::string name;                          ///< a stable identifier: "winhttp-proxy", "wsus-proxy", "sup-install"
  std::string title;                         ///< "WinHTTP proxy of SYSTEM on pr1wsus.contoso.com"
  model::Address address;                           ///< the resource it is about
  std::vector<CheckOperation> operations;
  model::Json expected;                             ///< what the plugin compares the results with (its own data)
};
struct CheckResult {
  bool passed = false;
  std::string summary;               ///< one line: what was found
  std::vector<std::string> details;  ///< quoted evidence, e.g. log lines
  std::string hint;                  ///< what to do, when it failed
};

}  // namespace supctl::plugin
