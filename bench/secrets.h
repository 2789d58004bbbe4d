#pragma once
/// What secret fingerprints cost: one fingerprint, and a plan of examples/contoso on the lab end
/// to end (whose secrets are fingerprinted on every plan).

#include <string>

#include "child.h"

namespace supctl::bench {

struct SecretsOptions {
  std::string program;     ///< the supctl program to run
  std::string source_dir;  ///< where examples/contoso is
  int rounds = 5;          ///< fingerprints timed, and contoso plans (the median is reported)
  std::string baseline;    ///< another supctl (an earlier build) to plan contoso with too; empty: none
};

Figures secrets_figures(const SecretsOptions& options);

}  // namespace supctl::bench
