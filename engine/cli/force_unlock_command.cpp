// supctl force-unlock LOCK_ID: remove a state lock left by a process that is gone.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "state/state.h"

namespace supctl::cli {
namespace {

struct ForceUnlockOptions {
  std::string lock_id;  ///< as the lock error printed it
  std::string dir = ".";
  std::string state;
};

int force_unlock_run(const ForceUnlockOptions& options, const Context& context, Io& io) {
  auto location = state_location(options.dir, options.state, io);
  if (!location) return 1;
  auto store = open_existing_state(*location, options.dir, context, io);
  if (!store) return 1;
  std::string error;
  if (!store->force_unlock(options.lock_id, &error)) {
    io.err << "error: " << error << "\n";
    return 1;
  }
  io.out << fmt::format("Lock {} removed.\n", options.lock_id);
  return 0;
}

}  // namespace

Runner declare_force_unlock(CLI::App& command) {
  auto options = std::make_shared<ForceUnlockOptions>();
  command.add_option("LOCK_ID", options->lock_id, "The lock ID that the lock error printed")->required();
  command.add_option("--state", options->state, "The state: a SQLite file, or postgresql://...?state=NAME (default: SUPCTL_STATE, else DIR/.supctl/state.db)");
  command.add_option("--dir", options->dir, "Manifest directory whose state to use (default: .)");
  return [options](const Context& context, Io& io) { return force_unlock_run(*options, context, io); };
}

}  // namespace supctl::cli
