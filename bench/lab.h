#pragma once
/// The lab estate end to end through the real `supctl` program, against the cost of parsing the
/// same manifests with toml++ alone.

#include <cstddef>
#include <string>

#include "child.h"

namespace supctl::bench {

struct LabOptions {
  std::string program;  ///< the supctl program to run
  std::size_t values = 10000;
  std::size_t hosts = 10;
  int rounds = 5;  ///< converged plans; the median is reported
};

/// Generates V registry values over H lab hosts in a temporary directory, then runs `supctl lab
/// init`, `supctl apply --lab --auto-approve` (every value new) and R times `supctl plan --lab
/// --detailed-exitcode` (nothing to change, exit 0) as child processes: each one's wall and CPU
/// seconds, microseconds per resource and peak memory, the best raw toml++ parse of the same
/// files, and the median converged plan's ratio to it (wall, and CPU over all its threads).
Figures lab_figures(const LabOptions& options);

}  // namespace supctl::bench
