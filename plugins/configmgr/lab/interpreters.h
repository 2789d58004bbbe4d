#pragma once
/// The lab's interpreters of the configmgr operations (../operations.h).

#include <span>

#include "backends/lab/backend.h"
#include "backends/lab/estate.h"
#include "model/manifest.h"
#include "plugin/operation.h"
#include "plugins/configmgr/operations.h"

namespace supctl::plugins::configmgr {

/// Registers the lab interpreter of every configmgr operation.
void add_lab_operations(lab::OperationTable& table);

/// Makes the estate hold what the manifests take as given: every declared site as a
/// `configmgr.site` document on the SMS Provider that answers for it, and on every SUP host the connection accounts and the
/// site server's computer account (DOMAIN\SERVER$) in Administrators and WSUS Administrators.
/// Accounts with manage_group_membership = true are left out: supctl adds them.
void seed_lab(const model::Manifest& manifest, lab::Estate& estate);

}  // namespace supctl::plugins::configmgr
