// supctl completion bash|zsh: the shell completion scripts. supctl __complete WORDS... (hidden):
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

/// The addresses a command can be given in `dir`: the resources the manifests there declare
/// (what could be read, even when they are not valid), and for `state` the ones its state
/// records. Nothing is printed: a shell is completing.
std::vector<std::string> addresses_in(const std::string& dir, const CommandDoc& command, const Context& context) {
  std::set<std::string> out;
  diag::SourceSet sources;
  manifest::Validation validation = manifest::validate_directory(dir, context.plugins, sources);
  for (const model::Resource& r : validation.manifest.resources()) {
    if (r.kind() != "host") out.insert(r.address.str());
  }
  if (command.path.starts_with("state")) {
    std::ostringstream ignored;
    Io quiet{ignored, ignored, false, {}};
    bool failed = false;
    if (auto state = open_state(state_path(dir, "", quiet), /*create=*/false, quiet, &failed)) {
      for (const state::ResourceRecord& record : state->resources()) out.insert(record.address.str());
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
    std::vector<std::string> words = self->remaining();
    if (words.empty()) words.push_back("");
    CommandDoc root = tree_of(*self);
    Completion completion = complete(root, words, [&](const std::string& dir, const CommandDoc& doc) {
      return addresses_in(dir, doc, context);
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
