#pragma once
/// The contract between the engine and a plugin. A plugin owns a set of resource kinds.
///
/// This first form carries what validation needs: the kinds' schemas, the rules the plugin
/// enforces (for SARIF and the README), and a check of the rules that the manifests alone decide.
/// Reading, diffing, applying and verifying join it with the engine core.

#include <span>
#include <string_view>

#include "diag/diagnostic.h"
#include "model/manifest.h"
#include "model/schema.h"

namespace supctl::model {

class Plugin {
 public:
  virtual ~Plugin() = default;

  virtual std::string_view name() const = 0;
  virtual std::span<const KindSchema> kinds() const = 0;
  virtual std::span<const diag::RuleInfo> rules() const = 0;
  /// Checks the rules that need no server. `manifest` has passed attribute and reference
  /// checks only in part: read attributes through the typed accessors, which skip ill-typed ones.
  virtual void check(const Manifest& manifest, diag::Diagnostics& out) const = 0;
};

}  // namespace supctl::model
