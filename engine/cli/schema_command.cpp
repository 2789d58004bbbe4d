// supctl schema: the manifest JSON Schema (schemas/manifest.schema.json is this output).

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "manifest/json_schema.h"
#include "manifest/validate.h"

namespace supctl::cli {

Runner declare_schema(CLI::App&) {
  return [](const Context& context, Io& io) {
    io.out << manifest::json_schema(manifest::kind_table(context.plugins));
    return 0;
  };
}

}  // namespace supctl::cli
