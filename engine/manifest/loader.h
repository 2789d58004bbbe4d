#pragma once
/// Reads TOML manifests into resources: UTF-8 and syntax checks, kinds, names, duplicates.

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "diag/diagnostic.h"
#include "diag/source.h"
#include "model/manifest.h"
#include "model/schema.h"

namespace supctl::manifest {

/// The kinds a run knows, from every plugin and the engine itself.
class KindTable {
 public:
  explicit KindTable(std::vector<const model::KindSchema*> kinds);
  const model::KindSchema* find(std::string_view kind) const;
  const std::vector<const model::KindSchema*>& all() const { return kinds_; }  ///< sorted by kind

 private:
  std::vector<const model::KindSchema*> kinds_;
};

/// A manifest file's name as the user should see it, and its bytes.
struct ManifestFile {
  std::string name;
  std::string text;
};

inline constexpr std::uint64_t kMaxManifestBytes = 64ull << 20;  ///< a larger file is refused

/// Lists and reads every `*.toml` directly in `dir`, sorted by name. A missing directory, an
/// empty one, or an unreadable or oversized file is reported in `out`.
std::vector<ManifestFile> read_directory(const std::filesystem::path& dir, diag::Diagnostics& out);

/// The manifests' content hash, which a saved plan carries: SHA-256 hex over every file's name
/// (without its directory), length and bytes, in the order of `sources`.
std::string content_hash(const diag::SourceSet& sources);

/// Parses the files and collects their resources; every problem goes to `out` and the
/// resources that could be read are still returned.
std::vector<model::Resource> load(std::vector<ManifestFile> files, const KindTable& kinds,
                                  diag::SourceSet& sources, diag::Diagnostics& out);

}  // namespace supctl::manifest
