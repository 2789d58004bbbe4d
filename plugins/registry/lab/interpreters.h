#pragma once
/// The lab's interpreters of the registry operations (../operations.h), over the estate's keys and
/// values.

#include "backends/lab/backend.h"
#include "plugins/registry/operations.h"

namespace supctl::plugins::registry {

/// Registers the lab interpreter of every registry operation.
void add_lab_operations(lab::OperationTable& table);

}  // namespace supctl::plugins::registry
