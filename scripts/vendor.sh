#!/usr/bin/env bash
# vendor.sh fetches the front-end libraries the pages use (Pico CSS 2, classless
# build; htmx 2.0.x) with `npm pack` and copies their minified builds and
# licences into static/vendor/. The results are committed; CI does not run
# this. static/static.go embeds whatever this leaves in static/vendor/.
#
# Usage: bash scripts/vendor.sh   (run from anywhere; `make vendor` calls it)
set -euo pipefail

# Versions: Pico follows the latest 2.x, htmx is pinned exactly.
PICO_SPEC="@picocss/pico@2"
HTMX_SPEC="htmx.org@2.0.11"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/static/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# fetch SPEC NAME: packs SPEC into $tmp and unpacks it into $tmp/NAME.
fetch() {
	local spec="$1" name="$2" tarball
	tarball="$(cd "$tmp" && npm pack --silent "$spec" | tail -n 1)"
	mkdir -p "$tmp/$name"
	tar -xzf "$tmp/$tarball" -C "$tmp/$name" --strip-components=1
	printf '%s %s\n' "$name" "$(node -p "require('$tmp/$name/package.json').version")"
}

# copy SRC DST: copies one file, failing loudly if the package layout changed.
copy() {
	if [[ ! -f "$1" ]]; then
		echo "vendor.sh: missing $1 (package layout changed?)" >&2
		exit 1
	fi
	cp "$1" "$2"
}

fetch "$PICO_SPEC" pico
fetch "$HTMX_SPEC" htmx

# Start clean so a renamed file does not linger and get embedded.
rm -rf "$dest"
mkdir -p "$dest"
copy "$tmp/pico/css/pico.classless.min.css" "$dest/pico.classless.min.css"
copy "$tmp/pico/LICENSE.md" "$dest/pico.LICENSE.md"
copy "$tmp/htmx/dist/htmx.min.js" "$dest/htmx.min.js"
copy "$tmp/htmx/LICENSE" "$dest/htmx.LICENSE"

echo "vendored into ${dest#"$root"/}:"
ls -l "$dest"
