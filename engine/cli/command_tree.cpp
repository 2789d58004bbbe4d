#include "cli/command_tree.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace supctl::cli {
namespace {

/// What an option's value is, by its name: the same names mean the same things in every command.
ValueKind kind_of(const std::string& name, const std::vector<std::string>& choices) {
  static const std::map<std::string, ValueKind, std::less<>> kKinds = {
      {"ADDR", ValueKind::kAddress},      {"--target", ValueKind::kAddress}, {"DIR", ValueKind::kDirectory},
      {"--dir", ValueKind::kDirectory},   {"--emit-scripts", ValueKind::kDirectory}, {"--out", ValueKind::kFile},
      {"--plan", ValueKind::kFile},       {"--state", ValueKind::kFile},     {"--to", ValueKind::kFile},
  };
  if (!choices.empty()) return ValueKind::kChoice;
  auto it = kKinds.find(name);
  return it == kKinds.end() ? ValueKind::kText : it->second;
}

/// The choices in a type name as --help shows it: TEXT:{dot,mermaid,json}.
std::vector<std::string> choices_of(const std::string& type) {
  std::vector<std::string> choices;
  auto open = type.find(":{");
  auto close = type.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return choices;
  std::string list = type.substr(open + 2, close - open - 2);
  for (std::size_t at = 0; at <= list.size();) {
    std::size_t comma = std::min(list.find(',', at), list.size());
    if (comma > at) choices.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  return choices;
}

OptionDoc describe_option(const CLI::Option& option) {
  OptionDoc doc;
  doc.positional = !option.nonpositional();
  for (const std::string& name : option.get_lnames()) (doc.name.empty() ? doc.name : doc.also.emplace_back()) = "--" + name;
  for (const std::string& name : option.get_snames()) (doc.name.empty() ? doc.name : doc.also.emplace_back()) = "-" + name;
  if (doc.positional) doc.name = option.get_name(true, false);
  doc.takes_value = option.get_expected_max() > 0;  // a flag expects no value
  doc.required = option.get_required();
  doc.repeatable = option.get_items_expected_max() > 1;
  doc.type = option.get_type_name();
  doc.choices = choices_of(doc.type);
  doc.kind = kind_of(doc.name, doc.choices);
  doc.description = option.get_description();
  return doc;
}

CommandDoc describe_command(const CLI::App& app, const std::string& path) {
  CommandDoc doc;
  doc.name = app.get_name();
  doc.path = path;
  doc.description = app.get_description();
  doc.footer = app.get_footer();
  std::vector<OptionDoc> positionals;
  for (const CLI::Option* option : app.get_options()) {
    OptionDoc o = describe_option(*option);
    (o.positional ? positionals : doc.options).push_back(std::move(o));
  }
  std::move(positionals.begin(), positionals.end(), std::back_inserter(doc.options));
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); })) {
    doc.subcommands.push_back(describe_command(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name()));
  }
  return doc;
}

bool is_option_word(std::string_view word) { return word.size() > 1 && word.front() == '-'; }

/// A word that is already written: what it means for the ones after it.
struct Walk {
  std::vector<const CommandDoc*> chain;  ///< the program, then each command named
  std::size_t positionals = 0;           ///< positional words given to the last command
  const OptionDoc* pending = nullptr;    ///< the option whose value the next word is
  Where where;

  const CommandDoc& command() const { return *chain.back(); }
  /// An option of the command or of one above it (CLI11 lets `state show` take state's --dir).
  const OptionDoc* option(std::string_view name) const {
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      if (const OptionDoc* found = (*it)->option(name)) return found;
    }
    return nullptr;
  }
  void value_of(const OptionDoc& option, const std::string& value) {
    if (option.name == "--dir") where.dir = value;
    if (option.name == "--state") where.state = value;
  }
};

void take(Walk& walk, const std::string& word) {
  if (walk.pending) {
    walk.value_of(*walk.pending, word);
    walk.pending = nullptr;
    return;
  }
  if (word == "--") return;
  if (is_option_word(word)) {
    auto equals = word.find('=');
    const OptionDoc* option = walk.option(word.substr(0, equals));
    if (!option || !option->takes_value) return;
    if (equals == std::string::npos) walk.pending = option;
    else walk.value_of(*option, word.substr(equals + 1));
    return;
  }
  if (walk.positionals == 0) {
    if (const CommandDoc* sub = walk.command().subcommand(word)) {
      walk.chain.push_back(sub);
      return;
    }
  }
  auto positionals = walk.command().positionals();
  if (walk.positionals < positionals.size() && positionals[walk.positionals]->name == "DIR") walk.where.dir = word;
  const bool on_last_repeatable = !positionals.empty() && walk.positionals + 1 == positionals.size() && positionals.back()->repeatable;
  if (!on_last_repeatable) ++walk.positionals;  // a repeatable last one takes every word after
}

void offer_value(const OptionDoc& option, const Walk& walk, const std::string& prefix, const AddressSource& addresses,
                 Completion& out) {
  switch (option.kind) {
    case ValueKind::kChoice:
      for (const std::string& choice : option.choices) out.words.push_back(prefix + choice);
      return;
    case ValueKind::kAddress:
      if (addresses) {
        for (const std::string& address : addresses(walk.where, walk.command())) out.words.push_back(prefix + address);
      }
      return;
    case ValueKind::kDirectory: out.then = Completion::Then::kDirectories; return;
    case ValueKind::kFile: out.then = Completion::Then::kFiles; return;
    case ValueKind::kText: return;
  }
}

/// Escapes text for roff: backslashes, and a leading dot or quote.
std::string roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out;
}

/// An option's names as the page lists them: "--help, -h".
std::string names_of(const OptionDoc& option) {
  std::string names = option.name;
  for (const std::string& also : option.also) names += ", " + also;
  return names;
}

void man_command(const CommandDoc& command, std::string& out) {
  if (!command.path.empty()) {
    std::string usage = "supctl " + command.path;
    bool has_options = std::any_of(command.options.begin(), command.options.end(), [](const OptionDoc& o) { return !o.positional; });
    if (has_options) usage += " [OPTIONS]";
    if (!command.subcommands.empty()) usage += " COMMAND";
    for (const OptionDoc* p : command.positionals()) {
      std::string word = p->name + (p->repeatable ? "..." : "");
      usage += p->required ? " " + word : " [" + word + "]";
    }
    out += fmt::format(".SS \"{}\"\n{}\n", roff(usage), roff(command.description));
    for (const OptionDoc& option : command.options) {
      if (option.name == "--help") continue;  // every command has it; the page says so once
      out += fmt::format(".TP\n.B {}", roff(names_of(option)));
      if (option.takes_value && !option.positional) out += fmt::format(" \\fI{}\\fR", roff(option.type));
      out += fmt::format("\n{}{}\n", roff(option.description), option.required ? " (required)" : "");
    }
    if (!command.footer.empty()) out += ".PP\n" + roff(command.footer) + "\n";
  }
  for (const CommandDoc& sub : command.subcommands) man_command(sub, out);
}

}  // namespace

const OptionDoc* CommandDoc::option(std::string_view wanted) const {
  for (const OptionDoc& o : options) {
    if (o.positional) continue;
    if (o.name == wanted || std::find(o.also.begin(), o.also.end(), wanted) != o.also.end()) return &o;
  }
  return nullptr;
}

const CommandDoc* CommandDoc::subcommand(std::string_view wanted) const {
  for (const CommandDoc& c : subcommands) {
    if (c.name == wanted) return &c;
  }
  return nullptr;
}

std::vector<const OptionDoc*> CommandDoc::positionals() const {
  std::vector<const OptionDoc*> out;
  for (const OptionDoc& o : options) {
    if (o.positional) out.push_back(&o);
  }
  return out;
}

CommandDoc describe(const CLI::App& app) { return describe_command(app, ""); }

Completion complete(const CommandDoc& root, std::span<const std::string> words, const AddressSource& addresses) {
  Completion out;
  if (words.empty()) return out;
  Walk walk{{&root}};
  for (const std::string& word : words.first(words.size() - 1)) take(walk, word);
  const std::string& current = words.back();

  if (walk.pending) {
    offer_value(*walk.pending, walk, "", addresses, out);
    return out;
  }
  if (is_option_word(current) || current == "-") {
    auto equals = current.find('=');
    if (equals != std::string::npos) {
      if (const OptionDoc* option = walk.option(current.substr(0, equals)); option && option->takes_value) {
        offer_value(*option, walk, current.substr(0, equals + 1), addresses, out);
      }
      return out;
    }
    // The command's options, then those it takes from the commands above it (not the program's
    // own --version, which only the program takes).
    std::set<std::string> seen;
    const std::size_t first = walk.chain.size() == 1 ? 0 : 1;
    for (std::size_t i = walk.chain.size(); i-- > first;) {
      for (const OptionDoc& option : walk.chain[i]->options) {
        if (!option.positional && seen.insert(option.name).second) out.words.push_back(option.name);
      }
    }
    return out;
  }
  if (walk.positionals == 0 && !walk.command().subcommands.empty()) {
    for (const CommandDoc& sub : walk.command().subcommands) out.words.push_back(sub.name);
    return out;
  }
  auto positionals = walk.command().positionals();
  if (walk.positionals < positionals.size()) offer_value(*positionals[walk.positionals], walk, "", addresses, out);
  return out;
}

std::string man_page(const CommandDoc& root, std::string_view version) {
  std::string out;
  out += fmt::format(".TH SUPCTL 1 \"\" \"{}\" \"User Commands\"\n", roff(version));
  out += ".SH NAME\nsupctl \\- " + roff(root.description.substr(root.description.find(": ") == std::string::npos ? 0 : root.description.find(": ") + 2)) + "\n";
  out += ".SH SYNOPSIS\n.B supctl\n.I command\n[\\fIoptions\\fR] [\\fIarguments\\fR]\n.br\n.B supctl \\-\\-help\n|\n.B \\-\\-version\n.PP\nEvery command takes \\fB\\-\\-help\\fR (\\fB\\-h\\fR).\n";
  out += ".SH DESCRIPTION\n"
         "supctl keeps a Configuration Manager hierarchy's software update points, their WSUS servers, "
         "accounts, sync settings, registry values and services in TOML manifests. It validates the "
         "manifests, reads every server, shows a plan of what would change, applies it, and proves the "
         "result from the servers' own logs. Every command takes the directory of manifests (DIR, "
         "default: the current directory). Run \\fBsupctl COMMAND \\-\\-help\\fR for a command's options.\n";
  out += ".SH OPTIONS\n";
  for (const OptionDoc& option : root.options) {
    out += fmt::format(".TP\n.B {}\n{}\n", roff(names_of(option)), roff(option.description));
  }
  out += ".SH COMMANDS\n";
  man_command(root, out);
  out += ".SH EXIT STATUS\n"
         ".TP\n.B 0\nSuccess; with \\fB\\-\\-detailed\\-exitcode\\fR, a plan with no changes.\n"
         ".TP\n.B 1\nAn error: invalid manifests, a host that could not be read, a failed apply, a bad invocation.\n"
         ".TP\n.B 2\nWith \\fB\\-\\-detailed\\-exitcode\\fR, a plan with changes.\n";
  out += ".SH ENVIRONMENT\n"
         ".TP\n.B SUPCTL_STATE\nThe state, when \\fB\\-\\-state\\fR is not given: a SQLite file, or a PostgreSQL URL "
         "(postgresql://USER@HOST/DB?sslmode=verify-full&state=NAME; libpq's PGPASSWORD and PGPASSFILE apply).\n"
         ".TP\n.B SUPCTL_STATE_KEY\nA key, never stored, that the state's secret fingerprints are keyed with "
         "(else the secret the hierarchy's state_key names).\n"
         ".TP\n.B NO_COLOR\nNo colour in the output, whatever it is set to.\n"
         ".PP\nSecrets are never written in manifests: an attribute names an environment variable "
         "(\\fB{ env = \"NAME\" }\\fR) or a file (\\fB{ file = \"PATH\" }\\fR) that holds it.\n";
  out += ".SH FILES\n"
         ".TP\n.I DIR/.supctl/state.db\nWhat supctl last applied (SQLite): no secret, only fingerprints of them.\n"
         ".TP\n.I DIR/.supctl/lab/\nThe lab estate: simulated servers, their registry, services and logs.\n";
  out += ".SH SEE ALSO\nThe manifest JSON Schema: \\fBsupctl schema\\fR. Shell completion: \\fBsupctl completion bash\\fR|\\fBzsh\\fR.\n";
  return out;
}

std::string bash_completion() {
  return R"script(# bash completion for supctl: eval "$(supctl completion bash)", or install this as
# /usr/share/bash-completion/completions/supctl. supctl itself says what fits (supctl __complete).
# A word as the shell would pass it: quotes and backslashes taken out, a leading ~/ made $HOME/.
_supctl_dequote() {
  local in=$1 out= quote= c i
  for ((i = 0; i < ${#in}; i++)); do
    c=${in:i:1}
    if [[ -z $quote ]]; then
      case $c in
        \\) i=$((i + 1)); out+=${in:i:1} ;;
        \'|\") quote=$c ;;
        *) out+=$c ;;
      esac
    elif [[ $c == "$quote" ]]; then
      quote=
    elif [[ $quote == \" && $c == \\ ]]; then
      i=$((i + 1)); out+=${in:i:1}
    else
      out+=$c
    fi
  done
  [[ $out == "~/"* ]] && out=$HOME/${out#"~/"}
  printf '%s' "$out"
}
_supctl() {
  local cur words cword
  if declare -F _get_comp_words_by_ref >/dev/null; then
    # bash-completion: the words as typed, not split at '=' or ':' ('--format=json', addresses).
    _get_comp_words_by_ref -n =: cur words cword
  else
    words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; cur=${COMP_WORDS[COMP_CWORD]}
  fi
  # The words as supctl will see them: unquoted and with ~ expanded, never through eval.
  local typed; typed=$(_supctl_dequote "$cur")
  local -a before=() out
  local word
  for word in "${words[@]:0:cword}"; do before+=("$(_supctl_dequote "$word")"); done
  mapfile -t out < <(supctl __complete "${before[@]}" "$typed" 2>/dev/null)
  [ ${#out[@]} -gt 0 ] || return 0
  local then=${out[${#out[@]}-1]}
  unset 'out[${#out[@]}-1]'
  COMPREPLY=()
  case $then in
    :files) mapfile -t COMPREPLY < <(compgen -f -- "$typed"); compopt -o filenames 2>/dev/null ;;
    :directories) mapfile -t COMPREPLY < <(compgen -d -- "$typed"); compopt -o filenames 2>/dev/null ;;
    *)
      # Not compgen -W, which would take the quotes out of software_update_point["sup.contoso.com"];
      # each word is quoted for the command line.
      for word in "${out[@]}"; do
        [[ $word == "$typed"* ]] && COMPREPLY+=("$(printf '%q' "$word")")
      done ;;
  esac
  # What bash replaces is the part of the word after its last '=' or ':'.
  if declare -F __ltrim_colon_completions >/dev/null; then __ltrim_colon_completions "$cur"; fi
  if [[ $cur == *=* && ${COMP_WORDS[COMP_CWORD]} != "$cur" ]]; then
    local i; for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#*=}; done
  fi
}
complete -F _supctl supctl
)script";
}

std::string zsh_completion() {
  return R"script(#compdef supctl
# zsh completion for supctl: source <(supctl completion zsh), or install this as _supctl in a
# directory of $fpath. supctl itself says what fits (supctl __complete).
_supctl() {
  local -a out typed
  # The words unquoted and a leading ~/ expanded, as supctl will see them.
  local word
  for word in "${(@Q)words[1,CURRENT]}"; do
    [[ $word == '~/'* ]] && word=$HOME/${word#'~/'}
    typed+=("$word")
  done
  out=("${(@f)$(supctl __complete "${typed[@]}" 2>/dev/null)}")
  (( ${#out} )) || return 1
  local then=${out[-1]}
  out=("${(@)out[1,-2]}")
  case $then in
    :files) _files ;;
    :directories) _files -/ ;;
    *) compadd -a out ;;
  esac
}
if [ "$funcstack[1]" = "_supctl" ]; then
  _supctl "$@"
else
  compdef _supctl supctl
fi
)script";
}

}  // namespace supctl::cli
