#pragma once
/// What a command run depends on beyond its arguments: plugins, backends, the clock, stdin.
/// main() builds the real one; tests pass fakes.

#include <filesystem>
#include <functional>
#include <istream>
#include <memory>
#include <span>
#include <string>

#include "plugin/plugin.h"
#include "ops/backend.h"

namespace supctl::cli {

struct Context {
  std::span<const plugin::Plugin* const> plugins;
  /// The backend for a run in `dir`: the lab estate when `lab`, else the transport each host
  /// target asks for. nullptr with `*error` when it cannot be had.
  std::function<std::unique_ptr<ops::Backend>(const std::filesystem::path& dir, bool lab, std::string* error)> make_backend;
  std::function<std::string()> now;  ///< RFC 3339 UTC
  std::istream* in = nullptr;        ///< answers to the apply prompt
  bool in_is_terminal = false;       ///< no prompt ever when false
};

/// The context of the real program: every plugin supctl ships and the backends this version has.
Context default_context();

}  // namespace supctl::cli
