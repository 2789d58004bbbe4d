#pragma once
/// The lab's interpreters of the service operations (../operations.h).

#include <span>

#include "backends/lab/backend.h"
#include "backends/lab/estate.h"
#include "model/manifest.h"
#include "plugin/operation.h"
#include "plugins/service/operations.h"

namespace supctl::plugins::service {

/// Registers the lab interpreter of every service operation.
void add_lab_operations(lab::OperationTable& table);

/// `service` manages startup and state; it never installs a service. In a lab derived from the
/// manifests the services they name exist (stopped, started manually) until something else says
/// otherwise.
void seed_lab(const model::Manifest& manifest, lab::Estate& estate);

}  // namespace supctl::plugins::service
