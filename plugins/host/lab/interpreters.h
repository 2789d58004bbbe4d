#pragma once
/// The lab's interpreters of the host operations (../operations.h): logs from Estate::log_path,
/// netsh's proxy rendered from the host's WinHttpSettings value.

#include "backends/lab/backend.h"
#include "plugins/host/operations.h"

namespace supctl::plugins::host {

void add_lab_operations(lab::OperationTable& table);

}  // namespace supctl::plugins::host
