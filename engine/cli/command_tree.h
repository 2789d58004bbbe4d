#pragma once
/// The command line as data: every visible command, subcommand and option as the CLI declares
/// them, for the manual page and the shell completion, so that neither can drift from --help.

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace supctl::cli {

/// What an option's value (or a positional) is, for completion.
enum class ValueKind { kText, kChoice, kDirectory, kFile, kAddress };

struct OptionDoc {
  std::string name;               ///< "--format", or a positional's "DIR"
  std::vector<std::string> also;  ///< other names, e.g. "-h"
  bool positional = false;
  bool takes_value = false;  ///< false: a flag
  bool required = false;
  bool repeatable = false;
  std::string type;  ///< as --help shows it: TEXT, INT, TEXT:{dot,mermaid,json}
  std::vector<std::string> choices;
  ValueKind kind = ValueKind::kText;
  std::string description;
};

struct CommandDoc {
  std::string name;  ///< "" for the program itself
  std::string path;  ///< "state show"; "" for the program
  std::string description;
  std::string footer;                   ///< what --help prints after the options
  std::vector<OptionDoc> options;       ///< named ones, then positionals in order
  std::vector<CommandDoc> subcommands;  ///< the visible ones, as --help lists them

  const OptionDoc* option(std::string_view wanted) const;  ///< by any of its names
  const CommandDoc* subcommand(std::string_view wanted) const;
  std::vector<const OptionDoc*> positionals() const;
};

/// The tree under `app`, hidden commands left out.
CommandDoc describe(const CLI::App& app);

/// What to offer for the last of `words` (the words after `supctl`, the last being the one
/// completed, possibly empty): candidate words, and whether the shell should offer files or
/// directories instead. `addresses(where, command)` gives the resource addresses for a command
/// run on the manifests and state `where` names.
struct Completion {
  enum class Then { kWords, kFiles, kDirectories };
  std::vector<std::string> words;
  Then then = Then::kWords;
};
/// Where the words so far point: the manifests (DIR or --dir, else ".") and --state, if given.
struct Where {
  std::string dir = ".";
  std::string state;
};
using AddressSource = std::function<std::vector<std::string>(const Where& where, const CommandDoc& command)>;
Completion complete(const CommandDoc& root, std::span<const std::string> words, const AddressSource& addresses);

/// supctl(1) in roff, from the tree; `version` as `supctl --version` prints it.
std::string man_page(const CommandDoc& root, std::string_view version);

/// The completion scripts; each asks `supctl __complete supctl WORDS...` for the candidates.
std::string bash_completion();
std::string zsh_completion();

}  // namespace supctl::cli
