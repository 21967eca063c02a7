#!/usr/bin/env bash
# Pack one release binary for the GitHub Action's installer (scripts/action/run.sh):
#   scripts/release/package.sh BINARY TARGET-TRIPLE OUT-DIR
# writes OUT-DIR/ferret-VERSION-TRIPLE.tar.gz (the binary, README.md and LICENSE under one
# directory) and prints its file name. VERSION is the crate's, from Cargo.toml.
# Portable to the macOS runners' bash 3.2 and bsdtar.
set -euo pipefail
[ $# -eq 3 ] || {
	echo "usage: $0 BINARY TARGET-TRIPLE OUT-DIR" >&2
	exit 2
}
bin=$1 triple=$2 out=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml" | head -n 1)
[ -n "$version" ] || {
	echo "no version in $root/Cargo.toml" >&2
	exit 2
}
case "$triple" in
*[!A-Za-z0-9_.-]* | "") echo "not a target triple: $triple" >&2 && exit 2 ;;
esac
# Not run here: a cross-built binary need not run on the packing machine.
[ -f "$bin" ] && [ -x "$bin" ] || {
	echo "$bin is not an executable file" >&2
	exit 2
}
name="ferret-$version-$triple"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp "$bin" "$stage/$name/ferret"
chmod 755 "$stage/$name/ferret"
cp "$root/README.md" "$root/LICENSE" "$stage/$name/"
mkdir -p "$out"
tar -czf "$out/$name.tar.gz" -C "$stage" "$name"
echo "$name.tar.gz"
