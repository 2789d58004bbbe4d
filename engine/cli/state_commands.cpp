// supctl state list | show ADDR | rm ADDR, and supctl force-unlock ID.

#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.h"
#include "cli/common.h"
#include "diag/redact.h"
#include "state/state.h"

namespace supctl::cli {
namespace {

std::unique_ptr<state::StateStore> open_existing(const StateOptions& options, Io& io) {
  std::filesystem::path path = state_path(options.dir, options.state, io);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    io.err << fmt::format("error: there is no state at '{}'\n  = supctl apply creates it; --state or SUPCTL_STATE point elsewhere\n",
                          path.string());
    return nullptr;
  }
  std::string error;
  auto store = state::StateStore::open(path, &error);
  if (!store) io.err << fmt::format("error: cannot open the state '{}': {}\n", path.string(), error);
  return store;
}

std::optional<model::Address> address_argument(const std::string& text, Io& io) {
  auto address = model::parse_address(text);
  if (!address) io.err << fmt::format("error: '{}' is not a resource address (KIND.NAME or KIND[\"NAME\"])\n", text);
  return address;
}

}  // namespace

int state_command(const StateOptions& options, Io& io) {
  auto store = open_existing(options, io);
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
    model::Json secrets = model::Json::array();
    for (const auto& [name, fingerprint] : record->fingerprints) secrets.push_back(name);
    json["secrets_fingerprinted"] = secrets;
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

int force_unlock_command(const StateOptions& options, Io& io) {
  auto store = open_existing(options, io);
  if (!store) return 1;
  std::string error;
  if (!store->force_unlock(options.address, &error)) {
    io.err << "error: " << error << "\n";
    return 1;
  }
  io.out << fmt::format("Lock {} removed.\n", options.address);
  return 0;
}

}  // namespace supctl::cli
