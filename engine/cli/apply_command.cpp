// supctl apply DIR: make the hosts match the manifests, or carry out a saved plan (--plan FILE)
// as it was reviewed, with the host targets it carries and without reading the manifests.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>

#include "apply/applier.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "manifest/validate.h"
#include "plan/freshness.h"
#include "plan/planner.h"
#include "plan/render.h"
#include "plan/requests.h"
#include "state/state.h"
#include "verify/witness.h"

namespace supctl::cli {
namespace {

struct ApplyOptions {
  std::string dir = ".";
  std::string plan_file;        ///< --plan FILE: apply exactly this saved plan
  bool auto_approve = false;
  int parallelism = 10;
  bool allow_destroy = false;
  bool lab = false;
  std::string lock_timeout = "0";
  std::string state;
  std::string install_timeout = "30m";  ///< how long the tracker follows a role install
};

std::optional<std::string> read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A saved plan, whole, with a target for every machine it would talk to; nullopt after saying why not.
std::optional<plan::Plan> read_saved_plan(const std::string& file, const Context& context, Io& io) {
  auto text = read_whole(file);
  if (!text) {
    io.err << fmt::format("error: cannot read the plan '{}'\n", file);
    return std::nullopt;
  }
  auto json = model::Json::parse(*text, nullptr, false);
  std::string error;
  auto parsed = json.is_discarded() ? std::nullopt : plan::plan_from_json(json, &error);
  if (!parsed) {
    io.err << fmt::format("error: '{}' is not a supctl plan{}\n", file, error.empty() ? "" : ": " + error);
    return std::nullopt;
  }
  // The targets are the plan's own now, not the manifests': each must be a [host] table that
  // validate would accept in type, before any transport reads it.
  for (const auto& [key, target] : parsed->hosts) {
    model::Json settings = model::Json::object();
    for (const auto& [name, value] : target.settings) settings[name] = value;
    if (auto wrong = model::misfit(manifest::host_kind().attributes, settings, fmt::format("hosts[\"{}\"]", target.name))) {
      io.err << fmt::format("error: '{}' is not a supctl plan: {}\n  = nothing was changed: make a new plan with 'supctl plan --out {}'\n",
                            file, *wrong, file);
      return std::nullopt;
    }
  }
  if (auto missing = plan::missing_host_target(*parsed, context.plugins)) {
    io.err << fmt::format(
        "error: the plan '{}' has no host target for a machine it would change: {}\n"
        "  = nothing was changed: make a new plan with 'supctl plan --out {}'\n",
        file, *missing, file);
    return std::nullopt;
  }
  return parsed;
}

std::string lock_message(const state::LockInfo& holder) {
  std::string text = fmt::format("error: the state is locked by {} (pid {}) for {} since {} (lock ID {})\n", holder.holder,
                                 holder.pid, holder.operation, holder.created_at, holder.id);
  if (holder.stale) {
    text += fmt::format("  = that process is gone: if no apply is running, run 'supctl force-unlock {}'\n", holder.id);
  } else {
    text += "  = wait for it to finish, or pass --lock-timeout to wait\n";
  }
  return text;
}

std::string apply_table(const apply::ApplyReport& report) {
  std::string text = fmt::format("Apply: {} succeeded, {} failed, {} skipped.\n", report.count(apply::StepStatus::kSucceeded),
                                 report.count(apply::StepStatus::kFailed), report.count(apply::StepStatus::kSkipped));
  for (const apply::StepResult& step : report.steps) {
    text += fmt::format("  {:<10} {:<8} {}{}{}\n", apply::step_status_name(step.status), plugin::action_name(step.action),
                        step.address.str(), step.host.empty() ? "" : " on " + step.host,
                        step.message.empty() ? "" : ": " + step.message);
  }
  return text;
}

int apply_run(const ApplyOptions& options, const Context& context, Io& io) {
  auto lock_timeout = parse_duration(options.lock_timeout);
  if (!lock_timeout) {
    io.err << fmt::format("error: --lock-timeout '{}' is not a duration such as '30s', '5m' or '0'\n", options.lock_timeout);
    return 1;
  }
  if (options.parallelism < 1) {
    io.err << "error: --parallelism must be at least 1\n";
    return 1;
  }
  auto install_timeout = parse_duration(options.install_timeout);
  if (!install_timeout) {
    io.err << fmt::format("error: --install-timeout '{}' is not a duration such as '30m', '90s' or '0'\n", options.install_timeout);
    return 1;
  }
  // A saved plan is all apply needs: the manifests are read only to make a plan here.
  std::optional<plan::Plan> saved;
  std::optional<Loaded> loaded;
  if (!options.plan_file.empty()) {
    saved = read_saved_plan(options.plan_file, context, io);
    if (!saved) return 1;
  } else {
    loaded = load_valid(options.dir, context, io);
    if (!loaded) return 1;
  }
  bool failed = false;
  plan::EnvFileSecrets secrets(io.getenv);
  auto location = state_location(options.dir, options.state, io);
  const model::Json state_password = saved ? saved->state_password : state_password_reference(loaded->validation.manifest);
  if (!location || !use_state_password(*location, state_password, secrets, io)) return 1;
  const std::filesystem::path& path = location->path;
  if (saved && !location->is_postgres()) {
    // The state the plan was made against, never a new one in the wrong place: a plan made over a
    // state (a lineage) needs that state; one made before any may start it, in a directory that exists.
    std::error_code ec;
    const bool state_in_dir = path == std::filesystem::path(options.dir) / ".supctl" / "state.db";
    if (state_in_dir && !std::filesystem::is_directory(options.dir, ec)) {
      io.err << fmt::format("error: '{}' is not a directory; nothing was changed: give the directory the plan was made in, or --state\n",
                            options.dir);
      return 1;
    }
    if (!saved->lineage.empty() && !std::filesystem::exists(path, ec)) {
      io.err << fmt::format(
          "error: the plan '{}' was made against a state, but there is none at '{}'; nothing was changed: run apply from the "
          "directory the plan was made in, or pass --state\n",
          options.plan_file, path.string());
      return 1;
    }
  }
  auto state = open_state(*location, true, io, &failed);
  if (failed) return 1;
  state::LockInfo holder;
  if (!state->lock("apply", *lock_timeout, &holder)) {
    io.err << (holder.id.empty() ? fmt::format("error: cannot take the state's lock: {}\n  = nothing was changed\n", state->last_error())
                                 : lock_message(holder));
    return 1;
  }
  struct Unlock {
    state::StateStore& store;
    ~Unlock() { store.unlock(); }
  } unlock{*state};

  auto backend = backend_for(options.dir, options.lab, context, io);
  if (!backend) return 1;
  const model::Json state_key = saved ? saved->state_key : state_key_reference(loaded->validation.manifest);
  if (!use_state_key(*state, state_key, secrets, io)) return 1;
  plan::Plan plan;
  if (saved) {
    if (auto reason = plan::stale_reason(*saved, state.get(), secrets)) {
      io.err << fmt::format("error: the plan '{}' is stale: {}\n  = nothing was changed: make a new plan with 'supctl plan --out {}'\n",
                            options.plan_file, *reason, options.plan_file);
      return 1;
    }
    plan = std::move(*saved);
  } else {
    plan::PlanInputs inputs{&loaded->validation.manifest, context.plugins, state.get(), backend.get(), &secrets};
    plan::PlanOptions plan_options{{}, false, options.parallelism, SUPCTL_VERSION, loaded->hash, context.now()};
    plan::PlanResult result = plan::make_plan(inputs, plan_options);
    if (result.diagnostics.has_errors()) {
      print_plan_problems(result.diagnostics, loaded->sources, io);
      io.err << "Nothing was changed: fix the problems above and apply again.\n";
      return 1;
    }
    plan = std::move(result.plan);
    plan.state_key = state_key;
    plan.state_password = state_password;
    io.out << plan::render_text(plan, plan::TextOptions{.color = io.color()});
    if (plan.has_changes() && !options.auto_approve) {
      if (!context.in_is_terminal || !context.in) {
        io.err << "error: apply needs --auto-approve when standard input is not a terminal; nothing was changed\n";
        return 1;
      }
      io.out << "\nApply these changes? Only 'yes' is accepted: ";
      io.out.flush();
      std::string answer;
      std::getline(*context.in, answer);
      if (answer != "yes") {
        io.err << "Apply cancelled; nothing was changed.\n";
        return 1;
      }
    }
  }
  if (!plan.has_changes()) {
    io.out << "No changes. The hosts match the manifests.\n";
    return 0;
  }
  // Every host is reached as the plan says, whether it was saved or made just now.
  auto target_of = [&plan](const std::string& host) { return plan.target(host); };
  std::mutex progress_mutex;
  auto progress = [&io, &progress_mutex](const std::string& line) {
    std::lock_guard lock(progress_mutex);
    io.err << line << "\n";
  };
  // Each role install is followed through the servers' logs after its step: on the lab's clock
  // when every host is the lab's, in real time otherwise.
  ops::SystemClock system_clock;
  ops::Clock& clock = backend->clock() ? *backend->clock() : system_clock;
  verify::TrackOptions track;
  track.timeout = *install_timeout;
  verify::LogWitness witness(context.plugins, *backend, clock, target_of, track, progress);
  apply::ApplyInputs inputs{&plan, context.plugins, backend.get(), state.get(), &secrets, target_of, progress, &witness};
  apply::ApplyReport report = apply::apply_plan(inputs, apply::ApplyOptions{options.parallelism, options.allow_destroy});
  io.out << apply_table(report);
  return report.ok() ? 0 : 1;
}

}  // namespace

Runner declare_apply(CLI::App& command) {
  auto options = std::make_shared<ApplyOptions>();
  command.add_option("DIR", options->dir, "Directory of *.toml manifests (default: .)");
  command.add_option("--plan", options->plan_file, "Apply exactly this saved plan, refusing it when stale");
  command.add_flag("--auto-approve", options->auto_approve, "Do not ask (required when stdin is not a terminal)");
  command.add_option("--parallelism", options->parallelism, "Hosts changed at once (default 10)");
  command.add_flag("--allow-destroy", options->allow_destroy, "Consent to deleting or replacing roles and site systems");
  command.add_flag("--lab", options->lab, "Point every host at the lab estate");
  command.add_option("--lock-timeout", options->lock_timeout, "Wait this long for the state lock (e.g. 30s; default 0)");
  command.add_option("--state", options->state, "The state: a SQLite file, or postgresql://...?state=NAME (default: SUPCTL_STATE, else DIR/.supctl/state.db)");
  command.add_option("--install-timeout", options->install_timeout,
                     "How long to follow a role install through the logs (default 30m; the lab's clock makes it instant)");
  return [options](const Context& context, Io& io) { return apply_run(*options, context, io); };
}

}  // namespace supctl::cli
