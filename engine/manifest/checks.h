#pragma once
/// The checks every kind's schema implies: attributes, then references between resources.

#include <vector>

#include "diag/diagnostic.h"
#include "manifest/loader.h"
#include "model/manifest.h"

namespace supctl::manifest {

/// Checks each resource's attributes against its kind's schema: unknown and missing attributes,
/// types, ranges, enumerations, formats, secrets and sets. Normalises valid values in place
/// (a classification title becomes its GUID).
void check_attributes(std::vector<model::Resource>& resources, const KindTable& kinds, diag::Diagnostics& out);

/// Checks that every reference names a resource of the right kind, every machine name is known,
/// and every `depends_on` address exists.
void check_references(const model::Manifest& manifest, const KindTable& kinds, diag::Diagnostics& out);

}  // namespace supctl::manifest
