#pragma once
/// The supctl command line: every command in one table, run against given streams.

#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>

namespace supctl::cli {

/// Where a command reads and writes; main() passes the process's own.
struct Io {
  std::ostream& out;  ///< results
  std::ostream& err;  ///< progress and problems with the invocation itself
  bool out_is_terminal = false;
  std::function<std::optional<std::string>(const std::string&)> getenv;  ///< the environment

  /// Colour only on a terminal, and never when NO_COLOR is set to anything.
  bool color() const;
};

struct Context;

/// Runs `supctl ARGS...` (without the program name) and returns the exit code:
/// 0 success, 1 error, 2 changes present (with --detailed-exitcode).
int run(std::span<const std::string> args, Io& io);
/// The same with a given context (plugins, backends, clock, stdin); tests pass fakes.
int run(std::span<const std::string> args, Io& io, const Context& context);

}  // namespace supctl::cli
