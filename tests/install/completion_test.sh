#!/usr/bin/env bash
# The completion scripts in the shells themselves: bash completes through its real `complete -F`
# function; zsh's completion builtins only run inside the line editor, so its test stands in
# compadd and _files with functions that print what they were given.
#   completion_test.sh SUPCTL EXAMPLE_DIR
set -euo pipefail
supctl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
example=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$supctl" "$work/bin/supctl"
export PATH="$work/bin:$PATH"
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$example"

# bash, with bash-completion loaded as an interactive Debian shell has it: COMPREPLY for a command
# line whose last word is being completed. COMP_WORDS is split as bash splits it (at '=', ':' and
# the other COMP_WORDBREAKS characters, as separate words).
[ -f /usr/share/bash-completion/bash_completion ] || fail "no bash-completion (scripts/setup installs it)"
bash_complete() {
  local line=$1
  bash --norc -c 'source /usr/share/bash-completion/bash_completion
    source <(supctl completion bash)
    COMP_LINE=$1; COMP_POINT=${#COMP_LINE}
    # The words as readline breaks them: at spaces, and at "=" and ":" as words of their own.
    COMP_WORDS=(); word=
    for ((i = 0; i < ${#COMP_LINE}; i++)); do
      c=${COMP_LINE:i:1}
      case $c in
        " ") [ -n "$word" ] && COMP_WORDS+=("$word"); word= ;;
        "="|":") [ -n "$word" ] && COMP_WORDS+=("$word"); COMP_WORDS+=("$c"); word= ;;
        *) word+=$c ;;
      esac
    done
    COMP_WORDS+=("$word"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    _supctl
    printf "%s\n" "${COMPREPLY[@]}" | sort' bash "$line"
}
expect_bash() {
  local want=$1 line=$2
  local got; got=$(bash_complete "$line" | paste -sd' ')
  [ "$got" = "$want" ] || fail "bash: '$line': got '$got', want '$want'"
}
expect_bash "state" "supctl st"
expect_bash "json markdown text" "supctl plan --format "
expect_bash "json" "supctl plan --format=j"  # bash replaces what follows the '='
expect_bash "sync.CAS sync.PR1" "supctl plan --target sync."
expect_bash "sync.CAS sync.PR1" "supctl plan --target sync.CAS . --target sync."
expect_bash "--detailed-exitcode" "supctl plan --det"
expect_bash "--dir --help --state" "supctl state show --"  # state's own options too
expect_bash "journal list migrate rm show" "supctl state "
expect_bash "bash zsh" "supctl completion "
expect_bash "--help --version" "supctl --"  # the program's options, never its help text
# Files for --out: the shell's own file completion, in this directory.
expect_bash "hierarchy.toml" "supctl plan --out hier"
got=$(bash_complete "supctl lab drift . " | paste -sd' ')
[[ " $got " == *' software_update_point\[\"pr1wsus.contoso.com\"\] '* ]] || fail "bash: lab drift . : no addresses, quoted for the shell: $got"
[[ " $got " != *" host."* ]] || fail "bash: lab drift offers hosts: $got"
# An address begun in quotes, as one types it: matched unquoted, inserted quoted.
expect_bash 'software_update_point\[\"pr1wsus.contoso.com\"\]' "supctl plan --target 'software_update_point[\"pr1"
# A DIR written with ~: its addresses, as the shell will expand it.
mkdir -p "$work/home/m" && cp "$example"/*.toml "$work/home/m/"
got=$(HOME="$work/home" bash_complete "supctl plan ~/m --target sync." | paste -sd' ')
[ "$got" = "sync.CAS sync.PR1" ] || fail "bash: a DIR with ~: got '$got'"

# zsh, with the completion builtins standing in (they run only inside the line editor).
command -v zsh >/dev/null 2>&1 || fail "no zsh (scripts/setup installs it)"
{
  zsh_complete() {
    zsh -f -c 'compdef() { :; }
      compadd() {  # as zsh does: the candidates that begin with the word being completed, unquoted
        [[ $1 == -a ]] || return 1
        local w; for w in ${(P)2}; do [[ $w == ${(Q)words[CURRENT]}* ]] && print -r -- $w; done; return 0
      }
      _files() { print -- "_files $*" }
      source <(supctl completion zsh)
      words=("$@"); CURRENT=$#
      _supctl | sort' zsh "$@"
  }
  expect_zsh() {
    local want=$1; shift
    local got; got=$(zsh_complete "$@" | paste -sd' ')
    [ "$got" = "$want" ] || fail "zsh: supctl ${*:2}: got '$got', want '$want'"
  }
  expect_zsh "json markdown text" supctl plan --format ""
  expect_zsh "sync.CAS sync.PR1" supctl plan --target sync.
  expect_zsh "_files -/" supctl validate ""
  expect_zsh "_files " supctl apply --plan ""
  expect_zsh "--dir --help --state" supctl state show --
  got=$(HOME="$work/home" zsh_complete supctl plan "~/m" --target sync. | paste -sd' ')
  [ "$got" = "sync.CAS sync.PR1" ] || fail "zsh: a DIR with ~: got '$got'"
}
echo "completion: ok"
