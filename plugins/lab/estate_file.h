#pragma once
/// DIR/lab/estate.toml: a lab that is not the one the manifests take for granted. Its schema, its
/// checks and how it seeds the lab estate, across the plugins' kinds.

#include <span>
#include <string>

#include "backends/lab/estate.h"
#include "diag/diagnostic.h"
#include "model/manifest.h"
#include "model/schema.h"

namespace supctl::plugins {

/// The tables an estate file may hold, as kinds the manifest loader and its attribute checks
/// take: [lab], [host.FQDN], [site.CODE], [service.NAME], [registry_key.NAME] and
/// [registry_value.NAME]. The last three are the manifests' kinds without depends_on, with an
/// `ensure = "absent"` that removes the thing from the lab. `schemas/estate.schema.json` is
/// generated from them.
std::span<const model::KindSchema> lab_estate_kinds();

/// False when the file's [lab] says base = "empty"; true when it builds on the lab the manifests
/// derive (the default).
bool lab_estate_on_manifests(const model::Manifest& file);

/// Checks what the kinds' schemas alone cannot: that every host a table names is in the lab
/// (declared in the file, or, on the manifests' lab, one of `machines`), that site parents exist
/// (in the file or `manifest`) and form a ConfigMgr hierarchy, that os, os_version and the WSUS
/// version agree, and the registry and service rules of the manifests (registry-data,
/// service-state, duplicate-target).
void check_lab_estate(const model::Manifest& file, const model::Manifest& manifest, std::span<const std::string> machines,
                      diag::Diagnostics& out);

/// Makes `estate` what a checked estate file says, on whatever it holds already: hosts (OS, WSUS,
/// features, group members), then services, registry keys and values, sites and the clock. Sites
/// are written by configmgr's own seed, in the generation of the manifests' [hierarchy].
void seed_lab_estate(const model::Manifest& file, const model::Manifest& manifest, lab::Estate& estate);

}  // namespace supctl::plugins
