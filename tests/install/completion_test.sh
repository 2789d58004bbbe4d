#!/usr/bin/env bash
# The completion scripts in the shells themselves: bash completes through its real `complete -F`
# function; zsh's completion builtins only run inside the line editor, so its test stands in
# compadd and _files with functions that print what they were given.
#   completion_test.sh SUPCTL EXAMPLE_DIR
set -euo pipefail
supctl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
example=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$supctl" "$work/bin/supctl"
export PATH="$work/bin:$PATH"
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$example"

# bash: COMPREPLY for the words so far, the last being completed.
bash_complete() {
  bash --norc -c 'source <(supctl completion bash)
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
    _supctl
    printf "%s\n" "${COMPREPLY[@]}" | sort' bash "$@"
}
expect_bash() {
  local want=$1; shift
  local got; got=$(bash_complete "$@" | paste -sd' ')
  [ "$got" = "$want" ] || fail "bash: supctl ${*:2}: got '$got', want '$want'"
}
expect_bash "state" supctl st
expect_bash "json markdown text" supctl plan --format ""
expect_bash "--format=json" supctl plan --format=j
expect_bash "sync.CAS sync.PR1" supctl plan --target sync.
expect_bash "--detailed-exitcode" supctl plan --det
expect_bash "list rm show" supctl state ""
expect_bash "bash zsh" supctl completion ""
# Files for --out: the shell's own file completion, in this directory.
expect_bash "hierarchy.toml" supctl plan --out hier
got=$(bash_complete supctl lab drift . "" | paste -sd' ')
[[ " $got " == *' software_update_point\[\"pr1wsus.contoso.com\"\] '* ]] || fail "bash: lab drift . : no addresses, quoted for the shell: $got"
[[ " $got " != *" host."* ]] || fail "bash: lab drift offers hosts: $got"

# zsh, with the completion builtins standing in.
if command -v zsh >/dev/null 2>&1; then
  zsh_complete() {
    zsh -f -c 'compdef() { :; }
      compadd() {  # as zsh does: the candidates that begin with the word being completed
        [[ $1 == -a ]] || return 1
        local w; for w in ${(P)2}; do [[ $w == ${words[CURRENT]}* ]] && print -r -- $w; done; return 0
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
else
  echo "completion: no zsh here; its test is skipped (scripts/setup installs it)"
fi
echo "completion: ok"
