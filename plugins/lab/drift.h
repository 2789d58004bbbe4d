#pragma once
/// `supctl lab drift`: a resource changed on its lab host behind supctl's back, as a console click
/// would, through its plugin's own read, observe and apply and the lab's interpreters.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "backends/lab/estate.h"
#include "model/attributes.h"
#include "model/manifest.h"
#include "plugin/plugin.h"

namespace supctl::plugins {

/// One KEY=VALUE to set on the host.
struct DriftSetting {
  std::string text;   ///< as written, for messages
  std::string name;   ///< the attribute; empty when `text` is not KEY=VALUE
  model::Json value;  ///< what it becomes
};

/// Sets `settings` on `resource` (of `manifest`) in `estate`: over what its host has now, or over
/// its declared attributes when the host has none of it yet. Returns the host it changed, or
/// nullopt with `*error` when the resource is no plugin's (engine configuration), a setting is not
/// an attribute of its kind, the read fails, or the plugin or the lab refuses the change.
std::optional<std::string> drift_in_lab(lab::Estate& estate, std::span<const plugin::Plugin* const> plugins,
                                        const model::Manifest& manifest, const model::Resource& resource,
                                        std::span<const DriftSetting> settings, std::string* error);

}  // namespace supctl::plugins
