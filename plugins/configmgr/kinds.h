#pragma once
/// The ConfigMgr kinds, one handler each (kinds/<kind>.cpp): its schema, the site it belongs to,
/// and how it is read, observed, diffed and changed.

#include <span>
#include <string_view>
#include <vector>

#include "model/manifest.h"
#include "model/schema.h"
#include "plugin/kind_handler.h"

namespace supctl::plugins::configmgr {

class Kind : public plugin::KindHandler {
 public:
  /// The site a resource of this kind belongs to; nullptr when it names none the manifest has (or
  /// for the hierarchy, which belongs to no site).
  virtual const model::Resource* site_of(const model::Resource& resource, const model::Manifest& manifest) const = 0;
  /// The attributes that travel to the server by their manifest names: the read operation returns
  /// each, and every operation that writes the kind takes each (tests/plugins/fragments_test.cpp checks the fragments).
  virtual std::vector<std::string_view> settings() const { return {}; }
  /// The operation that reads the kind, then those that write its settings; empty for a kind that
  /// lives in the manifests only.
  virtual std::vector<std::string_view> operations() const { return {}; }
};

/// Every ConfigMgr kind, in the order the schema lists them.
const plugin::KindHandlers& handlers();
/// The handler of `kind`; nullptr when the plugin does not own it.
const Kind* kind_of(std::string_view kind);
std::span<const model::KindSchema> kinds();

/// Settings of `sync` that only the top-level site takes; the others are per site.
bool top_level_only(std::string_view sync_attribute);

/// SUP settings of ConfigMgr 2007 only: its sites have no ConfigurationManager module, so they are
/// the lab's alone (the rules refuse them in current branch).
bool configmgr_2007_only(std::string_view sup_attribute);

}  // namespace supctl::plugins::configmgr
