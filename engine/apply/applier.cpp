#include "apply/applier.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "ops/batch.h"

namespace supctl::apply {
namespace {

using model::Action;
using model::Json;

struct KindEntry {
  const model::KindSchema* schema = nullptr;
  const model::Plugin* plugin = nullptr;
};

std::string verb(Action action) {
  switch (action) {
    case Action::kCreate: return "creating";
    case Action::kUpdate: return "updating";
    case Action::kReplace: return "replacing";
    case Action::kDelete: return "deleting";
    case Action::kForget: return "forgetting";
    default: return "checking";
  }
}

std::string first_error(const diag::Diagnostics& diagnostics) {
  for (const diag::Diagnostic& d : diagnostics.all()) {
    if (d.severity == diag::Severity::kError) return d.summary;
  }
  return "failed";
}

class Applier {
 public:
  Applier(const ApplyInputs& inputs, const ApplyOptions& options) : in_(inputs), options_(options) {
    for (const model::Plugin* plugin : inputs.plugins) {
      for (const model::KindSchema& kind : plugin->kinds()) kinds_[std::string(kind.kind)] = KindEntry{&kind, plugin};
    }
    const plan::Plan& plan = *inputs.plan;
    for (std::size_t i = 0; i < plan.changes.size(); ++i) {
      const plan::Change& change = plan.changes[i];
      if (change.action == Action::kNoOp || change.action == Action::kRead) continue;
      index_[change.address.str()] = steps_.size();
      steps_.push_back(Step{&change, StepResult{change.address, change.host, change.action, StepStatus::kSkipped, {}}});
    }
  }

  ApplyReport run() {
    ApplyReport report;
    report.run_id = in_.state->begin_run("apply");
    run_id_ = report.run_id;
    std::size_t workers = std::min<std::size_t>(steps_.size(), static_cast<std::size_t>(std::max(1, options_.parallelism)));
    std::vector<std::thread> pool;
    for (std::size_t i = 0; i < workers; ++i) pool.emplace_back([this] { work(); });
    for (std::thread& t : pool) t.join();
    bool changed = false;
    for (Step& step : steps_) {
      changed |= step.result.status == StepStatus::kSucceeded;
      report.steps.push_back(std::move(step.result));
    }
    if (changed) in_.state->bump_serial();
    in_.state->end_run(report.run_id, report.ok() ? "succeeded" : "failed");
    return report;
  }

 private:
  enum class Phase { kPending, kRunning, kDone };
  struct Step {
    const plan::Change* change;
    StepResult result;
    Phase phase = Phase::kPending;
  };

  struct Pick {
    Step* next = nullptr;  ///< a step to run now
    bool pending = false;  ///< steps remain that have not finished
    bool skipped = false;  ///< a step was marked skipped: look again, it may unblock others
  };

  // The first pending step whose dependencies are done and whose host is free. A step whose
  // dependency did not succeed is skipped instead. Called with mutex_ held.
  Pick pick() {
    Pick pick;
    for (Step& step : steps_) {
      if (step.phase != Phase::kPending) continue;
      pick.pending = true;
      bool ready = true;
      std::string blocker;
      for (const std::string& dependency : step.change->depends_on) {
        auto it = index_.find(dependency);
        if (it == index_.end()) continue;  // no change planned for it: nothing to wait for
        const Step& other = steps_[it->second];
        if (other.phase != Phase::kDone) {
          ready = false;
          break;
        }
        if (other.result.status != StepStatus::kSucceeded && blocker.empty()) blocker = dependency;
      }
      if (!ready) continue;
      if (!blocker.empty()) {
        step.phase = Phase::kDone;
        step.result.status = StepStatus::kSkipped;
        step.result.message = fmt::format("skipped: it depends on {}, which did not succeed", blocker);
        journal(step, "skipped", step.result.message);
        pick.skipped = true;
        return pick;
      }
      if (!step.change->host.empty() && busy_hosts_.contains(step.change->host)) continue;
      pick.next = &step;
      return pick;
    }
    return pick;
  }

  // A worker runs steps until none is left; hosts run in parallel, one step per host at a time.
  void work() {
    std::unique_lock lock(mutex_);
    while (true) {
      Pick next = pick();
      if (next.skipped) {
        changed_.notify_all();
        continue;
      }
      if (!next.next) {
        if (!next.pending) return;
        changed_.wait(lock);
        continue;
      }
      Step& step = *next.next;
      step.phase = Phase::kRunning;
      if (!step.change->host.empty()) busy_hosts_.insert(step.change->host);
      lock.unlock();
      execute(step);
      lock.lock();
      step.phase = Phase::kDone;
      busy_hosts_.erase(step.change->host);
      changed_.notify_all();
    }
  }

  void journal(const Step& step, std::string_view status, std::string_view message) {
    std::lock_guard lock(state_mutex_);
    in_.state->journal(run_id_, step.change->address.str(), model::action_name(step.change->action), status, message);
  }

  void progress(const std::string& line) {
    if (!in_.progress) return;
    std::lock_guard lock(progress_mutex_);
    in_.progress(line);
  }

  void fail(Step& step, std::string message) {
    step.result.status = StepStatus::kFailed;
    step.result.message = std::move(message);
    journal(step, "failed", step.result.message);
    progress(fmt::format("{}: {} failed: {}", step.change->host.empty() ? "-" : step.change->host, step.change->address.str(),
                         step.result.message));
  }

  void execute(Step& step) {
    const plan::Change& change = *step.change;
    journal(step, "started", "");
    progress(fmt::format("{}: {} {}", change.host.empty() ? "-" : change.host, verb(change.action), change.address.str()));
    auto kind = kinds_.find(change.address.kind);
    if (kind == kinds_.end()) return fail(step, fmt::format("no plugin knows the kind '{}'", change.address.kind));
    if (change.destroy_needs_consent && !change.allow_destroy && !options_.allow_destroy) {
      return fail(step, fmt::format("{} would {} a {}: that needs --allow-destroy or allow_destroy = true", change.address.str(),
                                    change.action == Action::kReplace ? "replace" : "delete", change.address.kind));
    }
    if (change.action == Action::kForget) {
      std::lock_guard lock(state_mutex_);
      in_.state->remove_resource(change.address);
      step.result.status = StepStatus::kSucceeded;
      journal_locked(step, "succeeded", change.note);
      return;
    }

    // A change without a host is pure data (a proxy, an account no site server holds): the state
    // records it and the resources that name it carry it to their hosts.
    ops::HostTarget target = in_.target_of ? in_.target_of(change.host) : ops::HostTarget{change.host, nullptr};
    if (!change.host.empty()) {
      model::ApplyRequest request{change.address, change.action, &change.desired,
                                  change.observed ? &*change.observed : nullptr, change.attributes, &change.references};
      model::ApplyResponse response = kind->second.plugin->apply(request);
      if (response.diagnostics.has_errors()) return fail(step, first_error(response.diagnostics));
      for (model::Operation& op : response.operations) {
        std::string error;
        if (!resolve_secret_placeholders(op.params, *in_.secrets, &error)) return fail(step, error);
      }
      // Where the logs end before the change, so that only what it makes them say counts.
      std::unique_ptr<Witness::Watch> watch = in_.witness ? in_.witness->watch(change, target) : nullptr;
      if (!response.operations.empty()) {
        // Each operation on the machine that owns what it changes, in order; the first failure stops the change.
        auto results = ops::run_in_order(*in_.backend, target, response.operations, in_.target_of);
        for (std::size_t i = 0; i < response.operations.size(); ++i) {
          if (i >= results.size()) return fail(step, "the backend returned fewer results than operations");
          if (!results[i].ok()) {
            return fail(step, fmt::format("{} ({}): {}", response.operations[i].name, model::failure_kind_name(results[i].failure),
                                          results[i].error));
          }
        }
      }
      if (watch) {
        if (auto why = watch->verdict()) return fail(step, *why);
      }
    }
    // Prove it: read the resource back and ask the plugin whether it converged.
    std::optional<model::AttributeMap> observed;
    if (change.action != Action::kDelete) {
      if (auto error = reread(change, *kind->second.plugin, target, observed)) return fail(step, *error);
      model::VerifyRequest verify{change.address, kind->second.schema, &change.desired, observed ? &*observed : nullptr,
                                  &change.references};
      model::VerifyResponse verified = kind->second.plugin->verify(verify);
      if (!verified.converged) return fail(step, "not converged after apply: " + first_error(verified.diagnostics));
    }
    std::lock_guard lock(state_mutex_);
    if (change.action == Action::kDelete) {
      in_.state->remove_resource(change.address);
    } else {
      state::ResourceRecord record;
      record.address = change.address;
      record.host = change.host;
      record.attributes = change.desired;
      record.attributes["depends_on"] = change.depends_on;  // so a later delete knows its order
      auto previous = in_.state->resource(change.address);
      record.origin = change.action == Action::kCreate || change.action == Action::kReplace
                          ? state::Origin::kCreated
                          : (previous ? previous->origin : state::Origin::kAdopted);
      record.allow_destroy = change.allow_destroy;
      if (auto error = fingerprint_secrets(change, *kind->second.schema, record)) {
        step.result.status = StepStatus::kFailed;
        step.result.message = *error;
        journal_locked(step, "failed", *error);
        return;
      }
      std::string error;
      if (!in_.state->put_resource(record, &error)) {
        step.result.status = StepStatus::kFailed;
        step.result.message = "applied, but the state could not record it: " + error;
        journal_locked(step, "failed", step.result.message);
        return;
      }
    }
    step.result.status = StepStatus::kSucceeded;
    journal_locked(step, "succeeded", "");
  }

  void journal_locked(const Step& step, std::string_view status, std::string_view message) {
    in_.state->journal(run_id_, step.change->address.str(), model::action_name(step.change->action), status, message);
  }

  std::optional<std::string> reread(const plan::Change& change, const model::Plugin& plugin, const ops::HostTarget& target,
                                    std::optional<model::AttributeMap>& observed) {
    if (change.host.empty()) {
      observed = change.desired;
      return std::nullopt;
    }
    model::ReadRequest read{change.address, nullptr, &change.desired, nullptr, &change.references};
    model::ReadResponse response = plugin.read(read);
    if (response.diagnostics.has_errors()) return "cannot read it back: " + first_error(response.diagnostics);
    ops::ReadBatch batch;
    ops::ReadBatch::Ticket ticket = batch.add(target, std::move(response.operations), in_.target_of);
    batch.run(*in_.backend, 1);
    auto results = batch.results(ticket);
    model::ObserveResponse seen =
        plugin.observe(model::ObserveRequest{change.address, nullptr, results, &change.desired, &change.references});
    if (seen.diagnostics.has_errors()) return "cannot read it back: " + first_error(seen.diagnostics);
    observed = std::move(seen.observed);
    return std::nullopt;
  }

  // The keyed fingerprints of the secrets just applied, computed now (the plan's were for review).
  std::optional<std::string> fingerprint_secrets(const plan::Change& change, const model::KindSchema& schema,
                                                 state::ResourceRecord& record) {
    for (const model::SentSecret& sent : model::secrets_sent(schema, change.desired, change.references)) {
      std::string error;
      auto secret = in_.secrets->resolve(*sent.reference, &error);
      if (!secret) return fmt::format("{}.{}: {}", change.address.str(), sent.name, error);
      record.fingerprints[sent.name] = in_.state->fingerprint(*secret);
      secret->assign(secret->size(), '\0');
    }
    return std::nullopt;
  }

  const ApplyInputs& in_;
  const ApplyOptions& options_;
  std::map<std::string, KindEntry, std::less<>> kinds_;
  std::vector<Step> steps_;
  std::map<std::string, std::size_t> index_;  ///< address text -> index into steps_
  std::string run_id_;
  std::mutex mutex_;           ///< guards phases and busy hosts
  std::condition_variable changed_;
  std::set<std::string> busy_hosts_;
  std::mutex state_mutex_;     ///< one writer into the state at a time
  std::mutex progress_mutex_;
};

}  // namespace

std::string_view step_status_name(StepStatus status) {
  switch (status) {
    case StepStatus::kSucceeded: return "succeeded";
    case StepStatus::kFailed: return "failed";
    case StepStatus::kSkipped: return "skipped";
  }
  return "skipped";
}

bool ApplyReport::ok() const {
  return std::all_of(steps.begin(), steps.end(), [](const StepResult& s) { return s.status == StepStatus::kSucceeded; });
}

int ApplyReport::count(StepStatus status) const {
  return static_cast<int>(std::count_if(steps.begin(), steps.end(), [&](const StepResult& s) { return s.status == status; }));
}

bool resolve_secret_placeholders(Json& params, const plan::Secrets& secrets, std::string* error) {
  if (params.is_object()) {
    if (params.size() == 1 && params.contains("$secret")) {
      auto value = secrets.resolve(params["$secret"], error);
      if (!value) return false;
      params = *value;
      return true;
    }
    for (auto& [key, value] : params.items()) {
      if (!resolve_secret_placeholders(value, secrets, error)) return false;
    }
  } else if (params.is_array()) {
    for (Json& item : params) {
      if (!resolve_secret_placeholders(item, secrets, error)) return false;
    }
  }
  return true;
}

ApplyReport apply_plan(const ApplyInputs& inputs, const ApplyOptions& options) { return Applier(inputs, options).run(); }

}  // namespace supctl::apply
