// supctl state list | show ADDR | rm ADDR | journal | migrate --to STATE: inspect, edit or move
// what supctl last applied, and read what each apply did.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "diag/redact.h"
#include "state/fingerprint.h"
#include "state/state.h"

namespace supctl::cli {
namespace {

struct StateOptions {
  std::string action;   ///< list | show | rm | journal | migrate
  std::string format = "text";  ///< journal: text | json
  std::string address;  ///< ADDR
  std::string to;       ///< migrate: where the state goes
  std::string dir = ".";
  std::string state;
};

std::optional<model::Address> address_argument(const std::string& text, Io& io) {
  auto address = model::parse_address(text);
  if (!address) io.err << fmt::format("error: '{}' is not a resource address (KIND.NAME or KIND[\"NAME\"])\n", text);
  return address;
}

std::string lock_error(const state::StateStore& store, const state::LockInfo& holder, std::string_view which) {
  if (holder.id.empty()) return fmt::format("error: cannot take the {} state's lock: {}; nothing was copied\n", which, store.last_error());
  return fmt::format("error: the {} state is locked by {} (pid {}) for {} (lock ID {}); nothing was copied\n", which, holder.holder,
                     holder.pid, holder.operation, holder.id);
}

/// Copies the state to `options.to`, both locked for the length of the copy.
int migrate(state::StateStore& source, const state::Location& from, const StateOptions& options, Io& io) {
  std::string error;
  auto to = state::Location::parse(options.to, &error);
  if (!to) {
    io.err << fmt::format("error: --to: {}\n", error);
    return 1;
  }
  if (!to->is_postgres() && !from.is_postgres() && std::filesystem::weakly_canonical(to->path) == std::filesystem::weakly_canonical(from.path)) {
    io.err << "error: --to names the state being copied; nothing was copied\n";
    return 1;
  }
  if (to->is_postgres() && from.is_postgres() && to->name == from.name && to->url == from.url) {
    io.err << "error: --to names the state being copied; nothing was copied\n";
    return 1;
  }
  state::LockInfo holder;
  if (!source.lock("state migrate", std::chrono::milliseconds(0), &holder)) {
    io.err << lock_error(source, holder, "source");
    return 1;
  }
  bool failed = false;
  auto target = open_state(*to, true, io, &failed);
  if (!target) return 1;
  if (!target->lock("state migrate", std::chrono::milliseconds(0), &holder)) {
    io.err << lock_error(*target, holder, "target");
    return 1;
  }
  if (!target->copy_from(source, &error)) {
    io.err << fmt::format("error: cannot copy the state to {}: {}\n", to->display(), error);
    return 1;
  }
  const std::size_t resources = target->resources().size();
  const std::size_t runs = target->runs().size();
  io.out << fmt::format(
      "Copied the state (lineage {}, {} {}, {} {}) from {} to {}, at serial {}.\n"
      "The source is unchanged: point --state or SUPCTL_STATE at the new state, and remove the old one once you are sure.\n",
      target->lineage(), resources, resources == 1 ? "resource" : "resources", runs, runs == 1 ? "run" : "runs", from.display(),
      to->display(), target->serial());
  return 0;
}

/// Every run, oldest first, with its steps: a killed run reads "interrupted" once the next has begun.
int journal(const state::StateStore& store, const StateOptions& options, Io& io) {
  std::map<std::string, std::vector<state::JournalEntry>> steps;
  for (state::JournalEntry& entry : store.journal_entries()) steps[entry.run_id].push_back(std::move(entry));
  if (options.format == "json") {
    model::Json runs = model::Json::array();
    for (const state::RunInfo& run : store.runs()) {
      model::Json entries = model::Json::array();
      for (const state::JournalEntry& e : steps[run.id]) {
        entries.push_back({{"time", e.time}, {"address", e.address}, {"action", e.action}, {"status", e.status}, {"message", e.message}});
      }
      runs.push_back({{"id", run.id},
                      {"operation", run.operation},
                      {"started_at", run.started_at},
                      {"finished_at", run.finished_at.empty() ? model::Json(nullptr) : model::Json(run.finished_at)},
                      {"status", run.status},
                      {"steps", entries}});
    }
    io.out << model::Json{{"runs", runs}}.dump(2) << "\n";
    return 0;
  }
  for (const state::RunInfo& run : store.runs()) {
    io.out << fmt::format("{} {} started {}, {}{}\n", run.operation, run.id, run.started_at, run.status,
                          run.finished_at.empty() ? "" : " " + run.finished_at);
    for (const state::JournalEntry& e : steps[run.id]) {
      io.out << fmt::format("  {} {:<9} {} {}{}\n", e.time, e.status, e.action, e.address, e.message.empty() ? "" : ": " + e.message);
    }
  }
  return 0;
}

int state_run(const StateOptions& options, const Context& context, Io& io) {
  auto location = state_location(options.dir, options.state, io);
  if (!location) return 1;
  auto store = open_existing_state(*location, options.dir, context, io);
  if (!store) return 1;
  if (options.action == "migrate") return migrate(*store, *location, options, io);
  if (options.action == "journal") return journal(*store, options, io);
  if (options.action == "list") {
    for (const state::ResourceRecord& record : store->resources()) {
      io.out << fmt::format("{:<60} {:<8} {}\n", record.address.str(), record.origin == state::Origin::kCreated ? "created" : "adopted",
                            record.host);
    }
    return 0;
  }
  auto address = address_argument(options.address, io);
  if (!address) return 1;
  if (options.action == "show") {
    auto record = store->resource(*address);
    if (!record) {
      io.err << fmt::format("error: {} is not in the state\n", address->str());
      return 1;
    }
    model::Json json{{"address", record->address.str()},
                     {"host", record->host},
                     {"origin", record->origin == state::Origin::kCreated ? "created" : "adopted"},
                     {"allow_destroy", record->allow_destroy},
                     {"updated_at", record->updated_at}};
    model::Json attributes = model::Json::object();
    for (const auto& [name, value] : record->attributes) attributes[name] = model::redact_secrets(name, value);
    json["attributes"] = attributes;
    // Whether a fingerprint is recorded, what kind and when: never its value.
    model::Json secrets = model::Json::array();
    for (const auto& [name, fingerprint] : record->fingerprints) {
      secrets.push_back({{"attribute", name}, {"fingerprint", state::describe_fingerprint(fingerprint)}, {"recorded_at", record->updated_at}});
    }
    json["secrets"] = secrets;
    io.out << json.dump(2) << "\n";
    return 0;
  }
  // rm: the record goes; the host keeps the resource.
  state::LockInfo holder;
  if (!store->lock("state rm", std::chrono::milliseconds(0), &holder)) {
    if (holder.id.empty()) {
      io.err << fmt::format("error: cannot take the state's lock: {}\n", store->last_error());
    } else {
      io.err << fmt::format("error: the state is locked by {} (pid {}) for {} (lock ID {})\n", holder.holder, holder.pid,
                            holder.operation, holder.id);
    }
    return 1;
  }
  bool removed = store->remove_resource(*address);
  if (removed) store->bump_serial();
  store->unlock();
  if (!removed) {
    io.err << fmt::format("error: {} is not in the state\n", address->str());
    return 1;
  }
  io.out << fmt::format("Removed {} from the state: supctl forgets it; the host keeps it.\n", address->str());
  return 0;
}

}  // namespace

Runner declare_state(CLI::App& command) {
  auto options = std::make_shared<StateOptions>();
  command.require_subcommand(1);
  command.fallthrough();  // `state list --state X`: options after the subcommand belong to `state`
  command.add_option("--state", options->state, "The state: a SQLite file, or postgresql://...?state=NAME (default: SUPCTL_STATE, else DIR/.supctl/state.db)");
  command.add_option("--dir", options->dir, "Manifest directory whose state to use (default: .)");
  CLI::App* list = command.add_subcommand("list", "List the managed resources");
  CLI::App* show = command.add_subcommand("show", "Show what was last applied to ADDR");
  show->add_option("ADDR", options->address, "Resource address")->required();
  CLI::App* rm = command.add_subcommand("rm", "Forget ADDR: remove it from the state, not from the host");
  rm->add_option("ADDR", options->address, "Resource address")->required();
  CLI::App* migrate = command.add_subcommand(
      "migrate", "Copy the state to another file or PostgreSQL database (lineage kept, serial bumped); the source is left as it was");
  migrate->add_option("--to", options->to, "Where the state goes: a SQLite file, or postgresql://...?state=NAME")->required();
  CLI::App* journal_command = command.add_subcommand("journal", "Every apply, oldest first, with each step and how it ended");
  journal_command->add_option("--format", options->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  return [options, list, show, migrate, journal_command](const Context& context, Io& io) {
    options->action = list->parsed()              ? "list"
                      : show->parsed()            ? "show"
                      : migrate->parsed()         ? "migrate"
                      : journal_command->parsed() ? "journal"
                                                  : "rm";
    return state_run(*options, context, io);
  };
}

}  // namespace supctl::cli
