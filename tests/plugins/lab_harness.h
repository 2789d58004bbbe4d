#pragma once
// A plugin test's world: a temporary lab estate and state, some plugins with their lab
// interpreters, and the real planner and applier over the lab backend, on one lab host.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "apply/applier.h"
#include "backends/lab/backend.h"
#include "backends/lab/estate.h"
#include "diag/render.h"
#include "manifest/validate.h"
#include "plan/planner.h"
#include "plugins/lab_report.h"
#include "state/state.h"
#include "verify/witness.h"

namespace supctl::test {

class PluginLab {
 public:
  using Plugins = std::vector<std::unique_ptr<plugin::Plugin>>;
  using Registrar = std::function<void(lab::OperationTable&)>;

  /// `name` names the temporary directory; `hosts` are the lab's machines, the first the one
  /// `load` declares as a [host] (the others are ConfigMgr site servers and site systems, which
  /// the manifests name without one).
  PluginLab(const std::string& name, Plugins plugins, const std::vector<Registrar>& registrars, std::vector<lab::HostInfo> hosts)
      : dir_(std::filesystem::temp_directory_path() / fmt::format("supctl-lab-{}-{}", name, ::getpid())),
        host_(hosts.at(0)),
        secrets_([this](const std::string& variable) {
          auto it = env.find(variable);
          return it == env.end() ? std::optional<std::string>() : std::optional<std::string>(it->second);
        }),
        owned_(std::move(plugins)) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::string error;
    estate = lab::Estate::open(dir_ / "lab", &error);
    state = state::StateStore::open(dir_ / "state.db", &error);
    INFO(error);
    REQUIRE(estate);
    REQUIRE(state);
    for (const lab::HostInfo& host : hosts) estate->add_host(host);
    for (const Registrar& add : registrars) add(table_);
    backend_ = std::make_unique<lab::LabBackend>(*estate, table_);
    for (const auto& plugin : owned_) plugins_.push_back(plugin.get());
  }
  PluginLab(const std::string& name, Plugins plugins, const std::vector<Registrar>& registrars, lab::HostInfo host)
      : PluginLab(name, std::move(plugins), registrars, std::vector<lab::HostInfo>{std::move(host)}) {}
  ~PluginLab() {
    estate.reset();
    state.reset();
    std::filesystem::remove_all(dir_);
  }

  /// Validates the manifest (after a [host] for the first lab host); any diagnostic fails the test.
  void load(const std::string& toml) { load_as_is(fmt::format("[host.\"{}\"]\ntransport = \"lab\"\n{}", host_.name, toml)); }
  /// Validates the manifest as it is written; any diagnostic fails the test.
  void load_as_is(const std::string& toml) {
    sources_.push_back(std::make_unique<diag::SourceSet>());
    validation_ = manifest::validate_files({{"main.toml", toml}}, plugins_, *sources_.back());
    INFO(text(validation_.diagnostics));
    REQUIRE(validation_.diagnostics.all().empty());
  }
  const model::Manifest& manifest() const { return validation_.manifest; }

  plan::PlanResult plan() {
    plan::PlanOptions options;
    options.created_at = "2026-11-21T00:00:00Z";
    return plan::make_plan(plan::PlanInputs{&validation_.manifest, plugins_, state.get(), backend_.get(), &secrets_}, options);
  }

  apply::ApplyReport apply(const plan::Plan& plan) {
    state::LockInfo holder;
    REQUIRE(state->lock("apply", std::chrono::milliseconds(0), &holder));
    auto target_of = [&plan](const std::string& host) { return plan.target(host); };
    // Installs are followed through the logs as supctl apply does, on the lab's clock.
    verify::LogWitness witness(plugins_, *backend_, *backend_->clock(), target_of, verify::TrackOptions{},
                               [this](const std::string& line) { progress.push_back(line); });
    apply::ApplyInputs inputs{&plan, plugins_, backend_.get(), state.get(), &secrets_, target_of, {}, &witness};
    auto report = apply::apply_plan(inputs, {});
    state->unlock();
    return report;
  }

  /// Applies and requires every step to succeed.
  void apply_ok(const plan::Plan& plan) {
    auto report = apply(plan);
    INFO(steps_of(report));
    REQUIRE(report.ok());
  }

  /// Plans without errors, applies with every step succeeding, and returns the plan applied.
  plan::Plan converge() {
    auto planned = plan();
    INFO(text(planned.diagnostics));
    REQUIRE_FALSE(planned.diagnostics.has_errors());
    auto report = apply(planned.plan);
    INFO(steps_of(report));
    REQUIRE(report.ok());
    return planned.plan;
  }

  /// Plans and requires no change and no drift.
  void require_converged() {
    auto again = plan();
    INFO(text(again.diagnostics));
    REQUIRE_FALSE(again.diagnostics.has_errors());
    INFO(changes_of(again.plan));
    CHECK_FALSE(again.plan.has_changes());
    CHECK(again.plan.drift.empty());
  }

  /// Runs one operation's lab interpreter on the first lab host directly.
  plugin::OperationResult run(std::string_view operation, const model::Json& params) { return run_on(host_.name, operation, params); }
  /// Runs one operation's lab interpreter on a host directly.
  plugin::OperationResult run_on(const std::string& host, std::string_view operation, const model::Json& params) {
    const lab::Interpreter* interpreter = table_.find(operation);
    REQUIRE(interpreter);
    return (*interpreter)(*estate, host, params);
  }

  std::string text(const diag::Diagnostics& diagnostics) const {
    return sources_.empty() ? std::string() : diag::render_text(diagnostics, *sources_.back(), {});
  }

  const lab::OperationTable& table() const { return table_; }

  std::unique_ptr<lab::Estate> estate;
  std::unique_ptr<state::StateStore> state;
  std::map<std::string, std::string> env;  ///< the environment that { env = "NAME" } secrets read

 private:
  std::filesystem::path dir_;
  lab::HostInfo host_;
  plan::EnvFileSecrets secrets_;
  lab::OperationTable table_;
  std::unique_ptr<lab::LabBackend> backend_;

 public:
  std::vector<std::string> progress;  ///< what the install tracker reported during apply, in order

 private:
  Plugins owned_;
  std::vector<const plugin::Plugin*> plugins_;
  std::vector<std::unique_ptr<diag::SourceSet>> sources_;
  manifest::Validation validation_;
};

}  // namespace supctl::test
