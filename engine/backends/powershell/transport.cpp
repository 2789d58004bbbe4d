#include "backends/powershell/transport.h"

namespace supctl::powershell {

Outcome transport_failure(plugin::FailureKind kind, std::string error) {
  Outcome outcome;
  outcome.failure = kind;
  outcome.error = std::move(error);
  return outcome;
}

}  // namespace supctl::powershell
