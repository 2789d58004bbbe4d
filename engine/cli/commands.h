#pragma once
/// The commands, one file each (lab's subcommands in lab's): each declares its options on its
/// CLI11 subcommand and returns the function that runs it once parsed. app.cpp's command table
/// lists them, in the order `supctl --help` shows them.

#include <functional>
#include <string>

#include "cli/app.h"
#include "cli/context.h"

namespace CLI {
class App;
}  // namespace CLI

namespace supctl::cli {

/// Runs a parsed command and returns its exit code. It owns the options it was declared with.
using Runner = std::function<int(const Context& context, Io& io)>;
/// Declares a command's options (and subcommands) on `command`; returns what runs it.
using Declare = Runner (*)(CLI::App& command);

Runner declare_validate(CLI::App& command);      ///< validate_command.cpp
Runner declare_graph(CLI::App& command);         ///< graph_command.cpp
Runner declare_plan(CLI::App& command);          ///< plan_command.cpp
Runner declare_apply(CLI::App& command);         ///< apply_command.cpp
Runner declare_verify(CLI::App& command);        ///< verify_command.cpp
Runner declare_state(CLI::App& command);         ///< state_command.cpp
Runner declare_force_unlock(CLI::App& command);  ///< force_unlock_command.cpp
Runner declare_lab(CLI::App& command);           ///< lab_command.cpp
Runner declare_schema(CLI::App& command);        ///< schema_command.cpp
Runner declare_completion(CLI::App& command);    ///< completion_command.cpp
Runner declare_complete(CLI::App& command);      ///< completion_command.cpp (hidden: __complete)
Runner declare_man(CLI::App& command);           ///< completion_command.cpp (hidden: man)

/// `supctl --version`'s line: the version and the source revision it was built from.
std::string version_text();

}  // namespace supctl::cli
