#pragma once
/// The commands' entry points; app.cpp lists them in its command table.

#include <string>

#include "cli/app.h"

namespace supctl::cli {

struct ValidateOptions {
  std::string dir = ".";
  std::string format = "text";  ///< text | json | sarif
};

int validate_command(const ValidateOptions& options, Io& io);

/// Prints the manifest JSON Schema (schemas/manifest.schema.json is this output).
int schema_command(Io& io);

}  // namespace supctl::cli
