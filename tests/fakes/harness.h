#pragma once
// A test harness over the fake plugin: manifests from inline TOML, a fake estate and backend,
// a temporary state, and helpers to plan and apply.

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "apply/applier.h"
#include "fakes/fake_plugin.h"
#include "manifest/validate.h"
#include "plan/planner.h"
#include "state/state.h"

namespace supctl::test {

/// Secrets from a map, so tests set and rotate them without touching the environment.
class MapSecrets final : public plan::Secrets {
 public:
  std::map<std::string, std::string> values;  ///< env name -> value
  std::optional<std::string> resolve(const model::Json& reference, std::string* error) const override {
    auto it = reference.contains("env") ? values.find(reference["env"].get<std::string>()) : values.end();
    if (it == values.end()) {
      *error = "the environment variable '" + reference.value("env", std::string()) + "' is not set";
      return std::nullopt;
    }
    return it->second;
  }
};

class Harness {
 public:
  explicit Harness(std::string name)
      : dir_(std::filesystem::temp_directory_path() / ("supctl-" + name + "-" + std::to_string(::getpid()))),
        backend_(fake_backend(estate)) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    plugins_.push_back(&plugin_);
    std::string error;
    state = state::StateStore::open(dir_ / "state.db", &error);
  }
  ~Harness() { std::filesystem::remove_all(dir_); }

  /// Validates TOML with the fake plugin; FAILs the test on any diagnostic.
  const model::Manifest& load(const std::string& toml) {
    sources_ = std::make_unique<diag::SourceSet>();
    validation_ = manifest::validate_files({{"main.toml", toml}}, plugins_, *sources_);
    return validation_.manifest;
  }
  const diag::Diagnostics& load_diagnostics() const { return validation_.diagnostics; }

  plan::PlanResult plan(plan::PlanOptions options = {}) {
    options.created_at = "2026-11-21T00:00:00Z";
    plan::PlanInputs inputs{&validation_.manifest, plugins_, state.get(), &backend_, &secrets};
    return plan::make_plan(inputs, options);
  }

  apply::ApplyReport apply(const plan::Plan& plan, apply::ApplyOptions options = {}) {
    state::LockInfo holder;
    state->lock("apply", std::chrono::milliseconds(0), &holder);
    apply::ApplyInputs inputs{&plan, plugins_, &backend_, state.get(), &secrets,
                              [&plan](const std::string& host) { return plan.target(host); }, {}};
    auto report = apply::apply_plan(inputs, options);
    state->unlock();
    return report;
  }

  std::span<const plugin::Plugin* const> plugins() const { return plugins_; }
  ops::RecordingBackend& backend() { return backend_; }
  const std::filesystem::path& dir() const { return dir_; }

  FakeEstate estate;
  MapSecrets secrets;
  std::unique_ptr<state::StateStore> state;

 private:
  std::filesystem::path dir_;
  FakePlugin plugin_;
  std::vector<const plugin::Plugin*> plugins_;
  ops::RecordingBackend backend_;
  std::unique_ptr<diag::SourceSet> sources_;
  manifest::Validation validation_;
};

}  // namespace supctl::test
