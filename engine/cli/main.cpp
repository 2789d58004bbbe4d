// The supctl executable: the process's streams and environment, handed to cli::run.

#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/context.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  supctl::cli::Io io{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1,
                     [](const std::string& name) -> std::optional<std::string> {
                       const char* value = std::getenv(name.c_str());
                       return value ? std::optional<std::string>(value) : std::nullopt;
                     }};
  supctl::cli::Context context = supctl::cli::default_context();
  context.in = &std::cin;
  context.in_is_terminal = isatty(STDIN_FILENO) == 1;
  int code = 1;
  try {
    code = supctl::cli::run(args, io, context);
  } catch (const std::exception& e) {
    // Never a crash: every expected problem is reported where it happens; this is the last resort.
    std::cerr << "error: supctl stopped on an unexpected problem: " << e.what()
              << "\n  = nothing more was done; please report it with the command you ran\n";
  }
  std::cout.flush();
  return code;
}
