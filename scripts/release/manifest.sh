#!/usr/bin/env bash
# The release manifest the GitHub Action installs from (format in scripts/action/run.sh):
#   scripts/release/manifest.sh BASE-URL DIST-DIR > scripts/action/release.manifest
# lists every ferret-VERSION-TRIPLE.tar.gz in DIST-DIR with its SHA-256, for one version.
set -euo pipefail
[ $# -eq 2 ] || {
	echo "usage: $0 BASE-URL DIST-DIR" >&2
	exit 2
}
base=$1 dist=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml" | head -n 1)
sha256_of() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d' ' -f1
	else
		shasum -a 256 "$1" | cut -d' ' -f1
	fi
}
echo "base $base"
found=0
for asset in "$dist"/ferret-"$version"-*.tar.gz; do
	[ -f "$asset" ] || continue
	file=$(basename "$asset")
	triple=${file#ferret-"$version"-}
	triple=${triple%.tar.gz}
	echo "$triple $(sha256_of "$asset") $file"
	found=$((found + 1))
done
if [ "$found" = 0 ]; then
	echo "no ferret-$version-*.tar.gz in $dist" >&2
	exit 1
fi
