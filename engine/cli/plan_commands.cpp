// supctl graph, plan and apply.

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>

#include "apply/applier.h"
#include "backends/powershell/script.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "diag/render.h"
#include "graph/graph.h"
#include "model/text.h"
#include "plan/planner.h"
#include "plan/render.h"
#include "plan/freshness.h"
#include "plugins/plugins.h"
#include "state/state.h"
#include "verify/witness.h"

namespace supctl::cli {
namespace {

std::optional<std::string> read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool write_private(const std::string& path, const std::string& text, std::string* error) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) {
    *error = fmt::format("cannot write '{}': {}", path, std::strerror(errno));
    return false;
  }
  ::fchmod(fileno(file), 0600);  // a plan names hosts and accounts: for its owner only
  bool ok = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  ok = std::fclose(file) == 0 && ok;
  if (!ok) *error = fmt::format("cannot write '{}'", path);
  return ok;
}

// The state for a run: opened when it exists (or when `create`), else nullptr without error.
std::unique_ptr<state::StateStore> open_state(const std::filesystem::path& path, bool create, Io& io, bool* failed) {
  *failed = false;
  std::error_code ec;
  if (!create && !std::filesystem::exists(path, ec)) return nullptr;
  std::string error;
  auto store = state::StateStore::open(path, &error);
  if (!store) {
    io.err << fmt::format("error: cannot open the state '{}': {}\n", path.string(), error);
    *failed = true;
  }
  return store;
}

// Plan problems point into the manifests they were made from, with their source lines.
void print_plan_problems(const diag::Diagnostics& diagnostics, const diag::SourceSet& sources, Io& io) {
  io.err << diag::render_text(diagnostics, sources, diag::TextStyle{.color = false});
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

// The backend for a run, or nullptr after saying why it cannot be had.
std::unique_ptr<ops::Backend> backend_for(const std::string& dir, const Loaded& loaded, bool lab, const Context& context, Io& io) {
  std::string error;
  auto backend = context.make_backend(dir, loaded.validation.manifest, lab, &error);
  if (!backend) io.err << "error: " << error << "\n";
  return backend;
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

// Passes every batch on to another backend and keeps a copy, per host: the reads of a plan, for
// --emit-scripts.
class CapturingBackend final : public ops::Backend {
 public:
  explicit CapturingBackend(ops::Backend& inner) : inner_(inner) {}
  std::vector<plugin::OperationResult> run(const ops::HostTarget& host, std::span<const plugin::Operation> batch) override {
    {
      std::lock_guard lock(mutex_);
      std::vector<plugin::Operation>& operations = batches_[host.name];
      operations.insert(operations.end(), batch.begin(), batch.end());
    }
    return inner_.run(host, batch);
  }
  std::map<std::string, std::vector<plugin::Operation>> batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }

 private:
  ops::Backend& inner_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<plugin::Operation>> batches_;  ///< host -> its operations, in order
};

// A file or directory name from a host name or an address: lower case, [a-z0-9._] kept, any
// other run of characters one '-'.
std::string slug(std::string_view text) {
  std::string out;
  for (char c : text) {
    char l = model::ascii_lower(c);
    bool kept = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '.' || l == '_';
    if (kept) out += l;
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
  while (!out.empty() && out.front() == '.') out.erase(out.begin());
  return out.empty() ? std::string("unnamed") : out;
}

bool write_text(const std::filesystem::path& path, const std::string& text, std::string* error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) *error = fmt::format("cannot write '{}'", path.string());
  return static_cast<bool>(out);
}

// --emit-scripts OUT: per host, the script and parameters of the plan's reads (read.ps1) and of
// each change's apply operations in apply order (apply-NNN-<address>.ps1), as the PowerShell
// backend would send them, plus the bootstrap once. Apply operations come from each change's
// plugin, as apply makes them, before secrets are resolved: the .json files show "(sensitive)".
bool emit_scripts(const std::string& out_dir, const std::map<std::string, std::vector<plugin::Operation>>& reads,
                  const plan::Plan* plan, std::span<const plugin::Plugin* const> plugins, Io& io) {
  namespace fs = std::filesystem;
  static const powershell::FragmentLookup fragments = powershell::fragment_lookup(plugins::powershell_fragments());
  std::map<std::string, std::vector<std::pair<std::string, std::vector<plugin::Operation>>>> phases;  // host -> phases in order
  for (const auto& [host, operations] : reads) {
    if (!operations.empty()) phases[host].emplace_back("read", operations);
  }
  if (plan) {
    const plugin::KindRegistry kinds(plugins);
    std::map<std::string, int> applied;  // host -> apply phases so far
    for (const plan::Change& change : plan->changes) {
      if (change.host.empty() || change.action == plugin::Action::kNoOp || change.action == plugin::Action::kRead ||
          change.action == plugin::Action::kForget) {
        continue;
      }
      const plugin::Plugin* plugin = kinds.find(change.address.kind).plugin;
      if (!plugin) continue;
      plugin::ApplyRequest request{change.address, change.action, &change.desired,
                                  change.observed ? &*change.observed : nullptr, change.attributes, &change.references};
      plugin::ApplyResponse response = plugin->apply(request);
      if (response.diagnostics.has_errors()) {
        for (const diag::Diagnostic& d : response.diagnostics.all()) {
          if (d.severity == diag::Severity::kError) {
            io.err << fmt::format("warning: no script for {}: {}\n", change.address.str(), d.summary);
            break;
          }
        }
        continue;
      }
      // Each operation on the machine that owns what it changes: consecutive ones on one host are
      // one request, as the applier sends them.
      for (std::size_t begin = 0; begin < response.operations.size();) {
        const std::string host = response.operations[begin].host.empty() ? change.host : response.operations[begin].host;
        std::size_t end = begin + 1;
        auto host_of = [&](const plugin::Operation& op) { return model::lower(op.host.empty() ? change.host : op.host); };
        while (end < response.operations.size() && host_of(response.operations[end]) == model::lower(host)) ++end;
        std::vector<plugin::Operation> leg(std::make_move_iterator(response.operations.begin() + static_cast<std::ptrdiff_t>(begin)),
                                          std::make_move_iterator(response.operations.begin() + static_cast<std::ptrdiff_t>(end)));
        int number = ++applied[host];
        phases[host].emplace_back(fmt::format("apply-{:03}-{}", number, slug(change.address.str())), std::move(leg));
        begin = end;
      }
    }
  }

  std::string error;
  std::error_code ec;
  fs::path root(out_dir);
  fs::create_directories(root, ec);
  if (ec) {
    io.err << fmt::format("error: cannot create '{}': {}\n", out_dir, ec.message());
    return false;
  }
  if (!write_text(root / "bootstrap.ps1", std::string(powershell::bootstrap_script()), &error)) {
    io.err << "error: " << error << "\n";
    return false;
  }
  int scripts = 0;
  for (const auto& [host, host_phases] : phases) {
    fs::path dir = root / slug(host);
    fs::create_directories(dir, ec);
    if (ec) {
      io.err << fmt::format("error: cannot create '{}': {}\n", dir.string(), ec.message());
      return false;
    }
    for (auto [phase, operations] : host_phases) {
      // As PowerShellBackend does: an operation without a fragment is never sent.
      std::erase_if(operations, [](const plugin::Operation& op) { return !fragments(op.name); });
      if (operations.empty()) continue;
      if (!write_text(dir / (phase + ".ps1"), powershell::assemble_script(operations, fragments), &error) ||
          !write_text(dir / (phase + ".json"), powershell::redacted_payload(operations), &error)) {
        io.err << "error: " << error << "\n";
        return false;
      }
      ++scripts;
    }
  }
  io.err << fmt::format(
      "Wrote the PowerShell the live path would send to '{}': bootstrap.ps1 (the command line) and {} script{} for {} host{} "
      "(<host>/read.ps1 for the reads, <host>/apply-NNN-<address>.ps1 per change in apply order), each with its parameters "
      "in the .json beside it, secrets as (sensitive).{}\n",
      out_dir, scripts, scripts == 1 ? "" : "s", phases.size(), phases.size() == 1 ? "" : "s",
      plan ? "" : " No plan was made, so only the reads are there.");
  return true;
}

}  // namespace

int graph_command(const GraphOptions& options, const Context& context, Io& io) {
  auto loaded = load_valid(options.dir, context, io);
  if (!loaded) return 1;
  const model::Manifest& manifest = loaded->validation.manifest;
  std::vector<model::Address> vertices;
  for (const model::Resource& r : manifest.resources()) vertices.push_back(r.address);
  diag::Diagnostics problems;
  const plugin::KindRegistry kinds(context.plugins);
  graph::Graph graph = graph::Graph::build(vertices, graph::manifest_edges(manifest, kinds.schemas(), context.plugins), problems);
  if (problems.has_errors()) {
    io.err << diag::render_text(problems, loaded->sources, diag::TextStyle{.color = false});
    return 1;
  }
  if (options.format == "json") io.out << graph.to_json();
  else if (options.format == "mermaid") io.out << graph.to_mermaid();
  else io.out << graph.to_dot();
  return 0;
}

int plan_command(const PlanCommandOptions& options, const Context& context, Io& io) {
  std::vector<model::Address> targets;
  for (const std::string& text : options.targets) {
    auto address = model::parse_address(text);
    if (!address) {
      io.err << fmt::format("error: --target '{}' is not a resource address (KIND.NAME or KIND[\"NAME\"])\n", text);
      return 1;
    }
    targets.push_back(*address);
  }
  auto loaded = load_valid(options.dir, context, io);
  if (!loaded) return 1;
  bool failed = false;
  auto state = open_state(state_path(options.dir, options.state, io), false, io, &failed);
  if (failed) return 1;
  auto backend = backend_for(options.dir, *loaded, options.lab, context, io);
  if (!backend) return 1;
  // --emit-scripts: the backend still does the reads; a copy of each host's batch is kept.
  std::optional<CapturingBackend> capture;
  ops::Backend* reader = backend.get();
  if (!options.emit_scripts.empty()) reader = &capture.emplace(*backend);
  plan::EnvFileSecrets secrets(io.getenv);
  plan::PlanInputs inputs{&loaded->validation.manifest, context.plugins, state.get(), reader, &secrets};
  plan::PlanOptions plan_options{targets, options.refresh_only, 10, SUPCTL_VERSION, loaded->hash, context.now()};
  io.err << "Reading the hosts...\n";
  plan::PlanResult result = plan::make_plan(inputs, plan_options);
  if (capture && !emit_scripts(options.emit_scripts, capture->batches(), result.diagnostics.has_errors() ? nullptr : &result.plan,
                               context.plugins, io)) {
    return 1;
  }
  if (result.diagnostics.has_errors()) {
    print_plan_problems(result.diagnostics, loaded->sources, io);
    io.err << "No plan: fix the problems above and plan again.\n";
    return 1;
  }
  if (!result.diagnostics.all().empty()) print_plan_problems(result.diagnostics, loaded->sources, io);
  if (!options.out.empty()) {
    std::string error;
    if (!write_private(options.out, plan::render_json(result.plan), &error)) {
      io.err << "error: " << error << "\n";
      return 1;
    }
    io.err << fmt::format("Saved the plan to '{}'; apply exactly it with: supctl apply --plan {}\n", options.out, options.out);
  }
  if (options.format == "json") io.out << plan::render_json(result.plan);
  else if (options.format == "markdown") io.out << plan::render_markdown(result.plan, {});
  else io.out << plan::render_text(result.plan, plan::TextOptions{.color = io.color()});
  bool changes = options.refresh_only ? !result.plan.drift.empty() : result.plan.has_changes();
  return options.detailed_exitcode && changes ? 2 : 0;
}

int apply_command(const ApplyCommandOptions& options, const Context& context, Io& io) {
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
  auto loaded = load_valid(options.dir, context, io);
  if (!loaded) return 1;
  bool failed = false;
  auto state = open_state(state_path(options.dir, options.state, io), true, io, &failed);
  if (failed) return 1;
  state::LockInfo holder;
  if (!state->lock("apply", *lock_timeout, &holder)) {
    io.err << lock_message(holder);
    return 1;
  }
  struct Unlock {
    state::StateStore& store;
    ~Unlock() { store.unlock(); }
  } unlock{*state};

  auto backend = backend_for(options.dir, *loaded, options.lab, context, io);
  if (!backend) return 1;
  plan::EnvFileSecrets secrets(io.getenv);
  plan::Plan plan;
  if (!options.plan_file.empty()) {
    auto text = read_whole(options.plan_file);
    if (!text) {
      io.err << fmt::format("error: cannot read the plan '{}'\n", options.plan_file);
      return 1;
    }
    auto json = model::Json::parse(*text, nullptr, false);
    std::string error;
    auto parsed = json.is_discarded() ? std::nullopt : plan::plan_from_json(json, &error);
    if (!parsed) {
      io.err << fmt::format("error: '{}' is not a supctl plan{}\n", options.plan_file, error.empty() ? "" : ": " + error);
      return 1;
    }
    if (auto reason = plan::stale_reason(*parsed, state.get(), loaded->hash, secrets)) {
      io.err << fmt::format("error: the plan '{}' is stale: {}\n  = nothing was changed: make a new plan with 'supctl plan --out {}'\n",
                            options.plan_file, *reason, options.plan_file);
      return 1;
    }
    plan = std::move(*parsed);
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
  const model::Manifest& manifest = loaded->validation.manifest;
  auto target_of = [&manifest](const std::string& host) { return plan::host_target(manifest, host); };
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

}  // namespace supctl::cli
