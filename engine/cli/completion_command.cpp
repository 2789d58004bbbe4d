// supctl completion bash|zsh: the shell completion scripts. supctl __complete supctl WORDS... (hidden):
// what fits the last word, for those scripts. supctl man (hidden): supctl(1), which the build
// installs. All three read the command tree the CLI itself is made of (command_tree.h).

#include <CLI/CLI.hpp>

#include <memory>
#include <set>
#include <sstream>

#include "cli/command_tree.h"
#include "cli/commands.h"
#include "cli/common.h"

namespace supctl::cli {
namespace {

/// The program's command tree, from the command `command` was declared on.
CommandDoc tree_of(const CLI::App& command) {
  const CLI::App* root = &command;
  while (root->get_parent() != nullptr) root = root->get_parent();
  return describe(*root);
}

/// The addresses a command can be given where the words point: the resources the manifests there
/// declare (what could be read, even when they are not valid), and for `state` the ones its state
/// records, read without a transaction or a lock. Nothing is printed: a shell is completing.
std::vector<std::string> addresses_in(const Where& where, const CommandDoc& command, const Context& context) {
  std::set<std::string> out;
  diag::SourceSet sources;
  manifest::Validation validation = manifest::validate_directory(where.dir, context.plugins, sources);
  for (const model::Resource& r : validation.manifest.resources()) {
    if (r.kind() != "host") out.insert(r.address.str());
  }
  if (command.path.starts_with("state")) {
    std::ostringstream ignored;
    Io quiet{ignored, ignored, false, {}};
    // A file only: a TAB never connects to a database server.
    auto location = state_location(where.dir, where.state, quiet);
    if (location && !location->is_postgres()) {
      for (const model::Address& address : state::StateStore::recorded_addresses(location->path)) out.insert(address.str());
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace

Runner declare_completion(CLI::App& command) {
  auto shell = std::make_shared<std::string>();
  command.add_option("SHELL", *shell, "The shell: bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  command.footer(
      "bash: eval \"$(supctl completion bash)\" in ~/.bashrc. zsh: supctl completion zsh > \"${fpath[1]}/_supctl\", or\n"
      "source <(supctl completion zsh) after compinit. The Debian package installs both.");
  return [shell](const Context&, Io& io) {
    io.out << (*shell == "bash" ? bash_completion() : zsh_completion());
    return 0;
  };
}

Runner declare_complete(CLI::App& command) {
  command.prefix_command();  // every word after it is a word being completed, options included
  const CLI::App* self = &command;
  return [self](const Context& context, Io& io) {
    // The scripts pass the command line from the program's name on, so that CLI11 never reads
    // a word being completed (-h, --help) as an option of __complete.
    std::vector<std::string> words = self->remaining();
    if (!words.empty()) words.erase(words.begin());
    if (words.empty()) words.push_back("");
    CommandDoc root = tree_of(*self);
    Completion completion = complete(root, words, [&](const Where& where, const CommandDoc& doc) {
      return addresses_in(where, doc, context);
    });
    for (const std::string& word : completion.words) io.out << word << "\n";
    switch (completion.then) {
      case Completion::Then::kFiles: io.out << ":files\n"; break;
      case Completion::Then::kDirectories: io.out << ":directories\n"; break;
      case Completion::Then::kWords: io.out << ":words\n"; break;
    }
    return 0;
  };
}

Runner declare_man(CLI::App& command) {
  const CLI::App* self = &command;
  return [self](const Context&, Io& io) {
    io.out << man_page(tree_of(*self), version_text());
    return 0;
  };
}

}  // namespace supctl::cli
