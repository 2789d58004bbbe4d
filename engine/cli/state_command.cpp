// supctl state list | show ADDR | rm ADDR: inspect or edit what supctl last applied.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "diag/redact.h"
#include "state/fingerprint.h"
#include "state/state.h"

namespace supctl::cli {
namespace {

struct StateOptions {
  std::string action;   ///< list | show | rm
  std::string address;  ///< ADDR
  std::string dir = ".";
  std::string state;
};

std::optional<model::Address> address_argument(const std::string& text, Io& io) {
  auto address = model::parse_address(text);
  if (!address) io.err << fmt::format("error: '{}' is not a resource address (KIND.NAME or KIND[\"NAME\"])\n", text);
  return address;
}

int state_run(const StateOptions& options, Io& io) {
  auto store = open_existing_state(options.dir, options.state, io);
  if (!store) return 1;
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
    io.err << fmt::format("error: the state is locked by {} (pid {}) for {} (lock ID {})\n", holder.holder, holder.pid,
                          holder.operation, holder.id);
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
  command.add_option("--state", options->state, "State database (default: DIR/.supctl/state.db, or SUPCTL_STATE)");
  command.add_option("--dir", options->dir, "Manifest directory whose state to use (default: .)");
  CLI::App* list = command.add_subcommand("list", "List the managed resources");
  CLI::App* show = command.add_subcommand("show", "Show what was last applied to ADDR");
  show->add_option("ADDR", options->address, "Resource address")->required();
  CLI::App* rm = command.add_subcommand("rm", "Forget ADDR: remove it from the state, not from the host");
  rm->add_option("ADDR", options->address, "Resource address")->required();
  return [options, list, show](const Context&, Io& io) {
    options->action = list->parsed() ? "list" : show->parsed() ? "show" : "rm";
    return state_run(*options, io);
  };
}

}  // namespace supctl::cli
