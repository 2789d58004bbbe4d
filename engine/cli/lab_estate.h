#pragma once
/// DIR/lab/estate.toml for `supctl lab init`: read with the manifest loader and the attribute
/// checks over the estate file's kinds (plugins::lab_estate_kinds), then the estate rules.

#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "cli/app.h"
#include "diag/source.h"
#include "model/manifest.h"

namespace supctl::cli {

/// A valid estate file.
struct EstateFile {
  std::string name;          ///< as the user sees it: DIR/lab/estate.toml
  diag::SourceSet sources;   ///< the file, for the ranges of `file`'s resources
  model::Manifest file;      ///< its tables as resources, checked and normalised
  bool on_manifests = true;  ///< [lab] base = "manifests": it applies on the lab the manifests derive
};

/// DIR/lab/estate.toml, whether or not it exists.
std::filesystem::path estate_file_path(const std::string& dir);

/// Reads and checks the estate file of `dir` against the manifests and the machines they name;
/// prints its diagnostics to io.err as `supctl validate` does. nullptr when it is not valid.
std::unique_ptr<EstateFile> load_estate_file(const std::string& dir, const model::Manifest& manifest,
                                             std::span<const std::string> machines, Io& io);

/// The JSON Schema of an estate file, generated from its kinds: schemas/estate.schema.json.
std::string estate_json_schema();

}  // namespace supctl::cli
