#include "apply/applier.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "apply/legs.h"
#include "model/parallel.h"
#include "model/text.h"
#include "ops/batch.h"
#include "plan/requests.h"

namespace supctl::apply {
namespace {

using plugin::Action;
using model::Json;

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

// Carries out a plan in waves: each wave is every step whose dependencies are done. A wave's
// operations go out per host as one request (each step a chain of its own, run in order, its
// read-back inside the same request), so the requests a host sees are the waves it takes part in,
// not its number of changes. A step whose operations span machines (a SUP's group memberships on
// its own server, then the role through the SMS Provider) goes leg by leg, one request per host per
// leg. A step with log evidence to wait for (the install tracker) is read back after its verdict.
class Applier {
 public:
  Applier(const ApplyInputs& inputs, const ApplyOptions& options) : in_(inputs), options_(options), kinds_(inputs.plugins) {
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
    for (std::vector<Step*> wave = next_wave(); !wave.empty(); wave = next_wave()) {
      // A runner whose database session dropped has lost the state's lock to whoever comes next:
      // it stops before another change rather than apply beside them.
      if (in_.state->lock_lost()) {
        stop_all("not applied: the state's lock was lost (its database connection dropped): another run may hold it now; "
                 "plan again");
        break;
      }
      run_wave(wave);
    }
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
  enum class Phase { kPending, kDone };
  struct Step {
    const plan::Change* change;
    StepResult result;
    Phase phase = Phase::kPending;
  };

  // One step's part of a wave: what it sends, in order, and what came back.
  struct Work {
    Step* step = nullptr;
    plugin::KindOwner kind;
    ops::HostTarget target;
    std::vector<plugin::Operation> operations;  ///< apply operations, then (unless deferred) the read-back
    std::size_t applies = 0;                    ///< how many of `operations` are the change's own
    std::vector<plugin::Operation> reads;        ///< the read-back, in the plugin's order
    std::vector<std::size_t> read_at;           ///< where each read went in `operations` (when not deferred)
    bool deferred = false;                      ///< read back after the watch's verdict
    std::unique_ptr<Witness::Watch> watch;
    std::vector<plugin::OperationResult> results;
    std::size_t next = 0;                       ///< the first operation not sent yet
    bool failed = false;
  };

  ops::HostTarget target_of(const std::string& host) const {
    return in_.target_of ? in_.target_of(host) : ops::HostTarget{host, {}};
  }
  std::string host_of(const plugin::Operation& op, const Work& work) const {
    return ops::target_for(op, work.target, in_.target_of).name;
  }

  // The pending steps whose dependencies are all done; a step whose dependency did not succeed is
  // skipped instead (which may decide others in turn).
  std::vector<Step*> next_wave() {
    std::vector<Step*> wave;
    for (bool decided = true; decided;) {
      decided = false;
      wave.clear();
      for (Step& step : steps_) {
        if (step.phase != Phase::kPending) continue;
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
          decided = true;
          continue;
        }
        wave.push_back(&step);
      }
    }
    return wave;
  }

  /// Every step not done yet: failed with `why`, in the journal as well.
  void stop_all(const std::string& why) {
    for (Step& step : steps_) {
      if (step.phase != Phase::kPending) continue;
      step.phase = Phase::kDone;
      step.result.status = StepStatus::kFailed;
      step.result.message = why;
      journal(step, "failed", why);
    }
  }

  void run_wave(const std::vector<Step*>& wave) {
    std::vector<Work> works;
    for (Step* step : wave) {
      step->phase = Phase::kDone;
      if (auto work = prepare(*step)) works.push_back(std::move(*work));
    }
    // The legs: each round sends every unfinished step's next run of operations on one host,
    // one request per host, hosts in parallel.
    while (send_legs(works)) {
    }
    // Evidence from the logs, then the deferred read-backs in one request per host.
    model::parallel_for(works.size(), options_.parallelism, [&](std::size_t i) {
      Work& work = works[i];
      if (work.failed || !work.watch) return;
      if (auto why = work.watch->verdict()) fail_work(work, *why);
    });
    ops::ReadBatch deferred;
    std::vector<std::pair<Work*, ops::ReadBatch::Ticket>> tickets;
    for (Work& work : works) {
      if (work.failed || !work.deferred || work.reads.empty()) continue;
      tickets.emplace_back(&work, deferred.add(work.target, work.reads, in_.target_of));
    }
    if (!tickets.empty()) deferred.run(*in_.backend, options_.parallelism);
    std::map<const Work*, std::vector<plugin::OperationResult>> deferred_results;
    for (auto& [work, ticket] : tickets) {
      auto results = deferred.results(ticket);
      deferred_results[work].assign(results.begin(), results.end());
    }
    for (Work& work : works) {
      if (work.failed) continue;
      std::vector<plugin::OperationResult> reads;
      if (work.deferred) {
        reads = std::move(deferred_results[&work]);
      } else {
        for (std::size_t at : work.read_at) reads.push_back(work.results[at]);
      }
      finish(work, reads);
    }
  }

  // Journals the start and makes the step's operations; nullopt when the step is decided already
  // (failed, forgotten, or pure data with nothing to send).
  std::optional<Work> prepare(Step& step) {
    const plan::Change& change = *step.change;
    journal(step, "started", "");
    progress(fmt::format("{}: {} {}", change.host.empty() ? "-" : change.host, verb(change.action), change.address.str()));
    const plugin::KindOwner kind = kinds_.find(change.address.kind);
    if (!kind.plugin) return fail(step, fmt::format("no plugin knows the kind '{}'", change.address.kind));
    if (change.destroy_needs_consent && !change.allow_destroy && !options_.allow_destroy) {
      return fail(step, fmt::format("{} would {} a {}: that needs --allow-destroy or allow_destroy = true", change.address.str(),
                                    change.action == Action::kReplace ? "replace" : "delete", change.address.kind));
    }
    if (change.action == Action::kForget) {
      std::lock_guard lock(state_mutex_);
      in_.state->remove_resource(change.address);
      step.result.status = StepStatus::kSucceeded;
      journal_locked(step, "succeeded", change.note);
      return std::nullopt;
    }
    Work work;
    work.step = &step;
    work.kind = kind;
    work.target = target_of(change.host);
    if (change.host.empty()) {
      // Pure data (a proxy, an account no site server holds): the state records it and the
      // resources that name it carry it to their hosts.
      record(work, change.desired);
      return std::nullopt;
    }
    plugin::ApplyResponse response = kind.plugin->apply(plan::apply_request(change));
    if (response.diagnostics.has_errors()) return fail(step, first_error(response.diagnostics));
    for (plugin::Operation& op : response.operations) {
      std::string error;
      if (!resolve_secret_placeholders(op.params, *in_.secrets, &error)) return fail(step, error);
    }
    work.operations = std::move(response.operations);
    work.applies = work.operations.size();
    if (change.action != Action::kDelete) {
      plugin::ReadResponse reads = kind.plugin->read(plan::read_back_request(change));
      if (reads.diagnostics.has_errors()) return fail(step, "cannot read it back: " + first_error(reads.diagnostics));
      work.reads = std::move(reads.operations);
    }
    // Where the logs end before the change, so that only what it makes them say counts.
    work.watch = in_.witness && work.applies > 0 ? in_.witness->watch(change, work.target) : nullptr;
    work.deferred = work.watch != nullptr;
    if (!work.deferred) {
      // The read-back follows the change in the same request: first what is read on the host the
      // change ends on, so that it needs no leg of its own.
      std::string last = work.applies > 0 ? model::lower(host_of(work.operations.back(), work)) : model::lower(work.target.name);
      std::vector<std::size_t> order(work.reads.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_partition(order.begin(), order.end(), [&](std::size_t i) { return model::lower(host_of(work.reads[i], work)) == last; });
      work.read_at.resize(work.reads.size());
      for (std::size_t i : order) {
        work.read_at[i] = work.operations.size();
        work.operations.push_back(work.reads[i]);
      }
    }
    work.results.resize(work.operations.size());
    return work;
  }

  // Sends the next leg of every unfinished step, one request per host. False when none was left.
  bool send_legs(std::vector<Work>& works) {
    struct Leg {
      Work* work;
      std::size_t begin, end;
    };
    std::map<std::string, std::pair<ops::HostTarget, std::vector<Leg>>> by_host;
    for (std::size_t w = 0; w < works.size(); ++w) {
      Work& work = works[w];
      if (work.failed || work.next >= work.operations.size()) continue;
      const std::string host = host_of(work.operations[work.next], work);
      const std::size_t end = leg_end(work.operations, work.next, work.target.name);
      auto& slot = by_host[model::lower(host)];
      if (slot.second.empty()) slot.first = ops::target_for(work.operations[work.next], work.target, in_.target_of);
      slot.second.push_back(Leg{&work, work.next, end});
    }
    if (by_host.empty()) return false;
    std::vector<std::pair<ops::HostTarget, std::vector<Leg>>*> requests;
    for (auto& [host, slot] : by_host) requests.push_back(&slot);
    model::parallel_for(requests.size(), options_.parallelism, [&](std::size_t r) {
      auto& [target, legs] = *requests[r];
      std::vector<plugin::Operation> batch;
      for (const Leg& leg : legs) {
        // Each step is a chain of its own: the host stops it at its first failure and goes on with the next.
        const int chain = static_cast<int>(leg.work - works.data()) + 1;
        for (std::size_t i = leg.begin; i < leg.end; ++i) {
          batch.push_back(leg.work->operations[i]);
          batch.back().chain = chain;
        }
      }
      std::vector<plugin::OperationResult> results = in_.backend->run(target, batch);
      std::size_t at = 0;
      for (const Leg& leg : legs) {
        for (std::size_t i = leg.begin; i < leg.end; ++i, ++at) {
          leg.work->results[i] = at < results.size() ? results[at]
                                                     : plugin::OperationResult{plugin::FailureKind::kFailed, nullptr,
                                                                              "the backend returned fewer results than operations"};
        }
      }
    });
    for (auto& [host, slot] : by_host) {
      for (const Leg& leg : slot.second) {
        Work& work = *leg.work;
        work.next = leg.end;
        // A change fails at its first failed operation; a failed read-back is the observer's to judge.
        for (std::size_t i = leg.begin; i < std::min(leg.end, work.applies); ++i) {
          const plugin::OperationResult& result = work.results[i];
          if (result.ok()) continue;
          fail_work(work, fmt::format("{} ({}): {}", work.operations[i].name, plugin::failure_kind_name(result.failure), result.error));
          break;
        }
      }
    }
    return true;
  }

  // Proves the change from its read-back and records it.
  void finish(Work& work, const std::vector<plugin::OperationResult>& reads) {
    const plan::Change& change = *work.step->change;
    std::optional<model::AttributeMap> observed;
    if (change.action != Action::kDelete) {
      plugin::ObserveResponse seen =
          work.kind.plugin->observe(plugin::ObserveRequest{change.address, nullptr, reads, &change.desired, &change.references});
      if (seen.diagnostics.has_errors()) return fail_work(work, "cannot read it back: " + first_error(seen.diagnostics));
      observed = std::move(seen.observed);
      plugin::VerifyRequest verify{change.address, work.kind.schema, &change.desired, observed ? &*observed : nullptr, &change.references};
      plugin::VerifyResponse verified = work.kind.plugin->verify(verify);
      if (!verified.converged) return fail_work(work, "not converged after apply: " + first_error(verified.diagnostics));
    }
    record(work, change.desired);
  }

  // The state after a change that succeeded: the record (or its removal), then the step's success.
  void record(Work& work, const model::AttributeMap& desired) {
    Step& step = *work.step;
    const plan::Change& change = *step.change;
    std::lock_guard lock(state_mutex_);
    if (change.action == Action::kDelete) {
      in_.state->remove_resource(change.address);
    } else {
      state::ResourceRecord record;
      record.address = change.address;
      record.host = change.host;
      record.attributes = desired;
      record.attributes["depends_on"] = change.depends_on;  // so a later delete knows its order
      auto previous = in_.state->resource(change.address);
      record.origin = change.action == Action::kCreate || change.action == Action::kReplace
                          ? state::Origin::kCreated
                          : (previous ? previous->origin : state::Origin::kAdopted);
      record.allow_destroy = change.allow_destroy;
      if (auto error = fingerprint_secrets(change, *work.kind.schema, record)) {
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

  void journal(const Step& step, std::string_view status, std::string_view message) {
    std::lock_guard lock(state_mutex_);
    journal_locked(step, status, message);
  }

  void journal_locked(const Step& step, std::string_view status, std::string_view message) {
    in_.state->journal(run_id_, step.change->address.str(), plugin::action_name(step.change->action), status, message);
  }

  void progress(const std::string& line) {
    if (!in_.progress) return;
    std::lock_guard lock(progress_mutex_);
    in_.progress(line);
  }

  std::nullopt_t fail(Step& step, std::string message) {
    step.result.status = StepStatus::kFailed;
    step.result.message = std::move(message);
    journal(step, "failed", step.result.message);
    progress(fmt::format("{}: {} failed: {}", step.change->host.empty() ? "-" : step.change->host, step.change->address.str(),
                         step.result.message));
    return std::nullopt;
  }

  void fail_work(Work& work, std::string message) {
    work.failed = true;
    fail(*work.step, std::move(message));
  }

  // The keyed fingerprints of the secrets just applied, computed now (the plan's were for review).
  std::optional<std::string> fingerprint_secrets(const plan::Change& change, const model::KindSchema& schema,
                                                 state::ResourceRecord& record) {
    for (const model::SentSecret& sent : model::secrets_sent(schema, change.desired, change.references)) {
      std::string error;
      auto secret = in_.secrets->resolve(*sent.reference, &error);
      if (!secret) return fmt::format("{}.{}: {}", change.address.str(), sent.name, error);
      std::string fingerprint = in_.state->fingerprint(*secret);
      secret->assign(secret->size(), '\0');
      if (fingerprint.empty()) return fmt::format("{}.{}: cannot make its fingerprint: OpenSSL's scrypt failed", change.address.str(), sent.name);
      record.fingerprints[sent.name] = std::move(fingerprint);
    }
    return std::nullopt;
  }

  const ApplyInputs& in_;
  const ApplyOptions& options_;
  plugin::KindRegistry kinds_;
  std::vector<Step> steps_;
  std::map<std::string, std::size_t> index_;  ///< address text -> index into steps_
  std::string run_id_;
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
