#!/usr/bin/env bash
# The Debian package and `cmake --install`, from the build tree BUILD: the package is made with
# cpack, installed into a throwaway root with dpkg, run from there (--version, validate on an
# installed example, the manual page, the completions), and removed; `cmake --install --strip`
# puts the same files under a prefix.
#   package_test.sh BUILD VERSION
set -euo pipefail
build=$(cd "$1" && pwd)
expected_version=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The package.
(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb=$(ls "$work"/out/supctl_*_*.deb) || fail "no package made"
version=$(dpkg-deb -f "$deb" Version)
[ "$version" = "$expected_version" ] || fail "package version '$version' is not the project's ($expected_version)"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libsqlite3-0 libcurl4 libssl3 libtomlplusplus3 libmimalloc2.0 libgssapi-krb5-2 libpq5; do
  [[ ", $depends" == *", $lib "* || ", $depends" == *", $lib" ]] || fail "Depends lacks $lib: $depends"
done
dpkg-deb -c "$deb" >"$work/contents"
grep -q ' ./usr/bin/supctl$' "$work/contents" || fail "no /usr/bin/supctl in the package"
dpkg-deb -x "$deb" "$work/extracted"
[[ $(file "$work/extracted/usr/bin/supctl") == *", stripped"* ]] || fail "the packaged program is not stripped"
if strings "$work/extracted/usr/bin/supctl" | grep -F "$build" >/dev/null; then fail "the program holds the build directory's path"; fi
if readelf -d "$work/extracted/usr/bin/supctl" | grep -iE 'rpath|runpath' >/dev/null; then fail "the program has an RPATH"; fi

# Installed into a root of its own, run, removed.
root=$work/root
mkdir -p "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/info"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
# dpkg wants ldconfig and start-stop-daemon on PATH, which an unprivileged user's lacks; its log
# goes into the root too, not the machine's /var/log/dpkg.log.
mkdir -p "$root/var/log"
dpkg_root() {
  PATH="$PATH:/usr/sbin:/sbin" dpkg --root="$root" --log="$root/var/log/dpkg.log" --force-script-chrootless --force-not-root "$@"
}
# The root has none of the libraries; they come from this machine when the program runs.
dpkg_root --force-depends -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i failed"; }
[[ $(dpkg_root -s supctl) == *"Status: install ok installed"* ]] || fail "dpkg does not list supctl as installed"
supctl=$root/usr/bin/supctl
[[ $("$supctl" --version) =~ ^supctl\ $version\ \(revision\ ([0-9a-f]{12}(-modified)?|unknown)\)$ ]] || fail "--version: $("$supctl" --version)"
"$supctl" validate "$root/usr/share/doc/supctl/examples/contoso" >"$work/validate.log" || { cat "$work/validate.log" >&2; fail "validate on the installed example"; }
grep -q "are valid" "$work/validate.log" || fail "validate said: $(cat "$work/validate.log")"
zcat "$root/usr/share/man/man1/supctl.1.gz" >"$work/supctl.1"
grep -q '^\.TH SUPCTL 1' "$work/supctl.1" || fail "no manual page"
"$supctl" man | cmp -s - "$work/supctl.1" || fail "the installed manual page is not the program's"
cmp -s "$root/usr/share/bash-completion/completions/supctl" <("$supctl" completion bash) || fail "bash completion differs"
cmp -s "$root/usr/share/zsh/vendor-completions/_supctl" <("$supctl" completion zsh) || fail "zsh completion differs"
for schema in manifest plan verify estate; do
  [ -s "$root/usr/share/supctl/schemas/$schema.schema.json" ] || fail "no $schema schema"
done
"$supctl" schema | cmp -s - "$root/usr/share/supctl/schemas/manifest.schema.json" || fail "the installed manifest schema is not the program's"
dpkg_root -r supctl >"$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; fail "dpkg -r failed"; }
left=$(find "$root" -path "$root/var" -prune -o -type f -print)
[ -z "$left" ] || fail "files left after removal: $left"

# cmake --install, stripped, under a prefix.
cmake --install "$build" --prefix "$work/prefix" --strip >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "cmake --install failed"; }
for f in bin/supctl share/man/man1/supctl.1.gz share/bash-completion/completions/supctl share/zsh/vendor-completions/_supctl \
         share/supctl/schemas/plan.schema.json share/doc/supctl/examples/contoso/hierarchy.toml; do
  [ -e "$work/prefix/$f" ] || fail "cmake --install did not install $f"
done
[[ $(file "$work/prefix/bin/supctl") == *", stripped"* ]] || fail "cmake --install --strip left symbols"
echo "package and install: ok ($deb, Depends: $depends)"
