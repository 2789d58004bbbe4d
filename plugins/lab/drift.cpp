#include "plugins/lab/drift.h"

#include <fmt/format.h>

#include "backends/lab/backend.h"
#include "plugins/plugins.h"

namespace supctl::plugins {

std::optional<std::string> drift_in_lab(lab::Estate& estate, std::span<const plugin::Plugin* const> plugins,
                                        const model::Manifest& manifest, const model::Resource& resource,
                                        std::span<const DriftSetting> settings, std::string* error) {
  const model::Address& address = resource.address;
  const plugin::KindRegistry kinds(plugins);
  const auto [plugin, schema] = kinds.find(resource.kind());
  if (!plugin) {
    *error = fmt::format("{} is engine configuration, not something on a host", address.str());
    return std::nullopt;
  }
  model::AttributeMap overrides;
  for (const DriftSetting& setting : settings) {
    if (setting.name.empty() || !schema->attribute(setting.name)) {
      *error = fmt::format("'{}' is not KEY=VALUE with a KEY that {} has", setting.text, resource.kind());
      return std::nullopt;
    }
    overrides[setting.name] = setting.value;
  }
  std::string host = plugin->host_of(resource, manifest);
  lab::OperationTable table = lab_operations();
  lab::LabBackend backend(estate, table);
  ops::HostTarget target{host, {}};
  model::Json references =
      model::resolve_references(resource, manifest, [&](std::string_view kind) { return kinds.schema(kind); });
  plugin::ReadResponse read = plugin->read(plugin::ReadRequest{address, &resource, nullptr, &manifest, &references});
  auto results = backend.run(target, read.operations);
  plugin::ObserveResponse seen = plugin->observe(plugin::ObserveRequest{address, &resource, results, nullptr, &references});
  if (read.diagnostics.has_errors() || seen.diagnostics.has_errors()) {
    *error = fmt::format("cannot read {} in the lab: {}", address.str(),
                         seen.diagnostics.has_errors() ? seen.diagnostics.all()[0].summary : read.diagnostics.all()[0].summary);
    return std::nullopt;
  }
  model::AttributeMap desired = seen.observed ? *seen.observed : model::desired_attributes(resource);
  std::vector<plugin::AttributeDiff> diffs;
  for (const auto& [key, value] : overrides) {
    diffs.push_back(plugin::AttributeDiff{key, desired.count(key) ? desired[key] : model::Json(nullptr), value, false});
    desired[key] = value;
  }
  plugin::Action action = seen.observed ? plugin::Action::kUpdate : plugin::Action::kCreate;
  plugin::ApplyResponse change =
      plugin->apply(plugin::ApplyRequest{address, action, &desired, seen.observed ? &*seen.observed : nullptr, diffs, &references});
  if (change.diagnostics.has_errors()) {
    *error = change.diagnostics.all()[0].summary;
    return std::nullopt;
  }
  for (const plugin::OperationResult& result : backend.run(target, change.operations)) {
    if (!result.ok()) {
      *error = fmt::format("the lab refused the change: {}", result.error);
      return std::nullopt;
    }
  }
  return host;
}

}  // namespace supctl::plugins
