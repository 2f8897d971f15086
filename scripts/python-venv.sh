#!/usr/bin/env bash
# Creates (once) the Python venv used by the benchmarks against scikit-learn and by the fixture
# export, in the repository's ignored .venv/, and installs bench/python/requirements.txt and the
# other bench/python/requirements-*.txt (e.g. River for the solutions' accuracy bench) into it.
# Idempotent: a stamp holding the requirements' hash and the interpreter's version makes a second
# run a no-op (a few milliseconds); editing the requirements reinstalls.
# Usage: scripts/python-venv.sh        -> prints the venv's python path on stdout
# Environment: TML_PYTHON picks the interpreter (default: python3.11, else python3).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
requirements=("$root/bench/python/requirements.txt")
for extra in "$root"/bench/python/requirements-*.txt; do
  if [ -f "$extra" ]; then requirements+=("$extra"); fi
done
stamp="$venv/.tml-requirements.sha256"

python="${TML_PYTHON:-}"
if [ -z "$python" ]; then
  if command -v python3.11 >/dev/null 2>&1; then python=python3.11; else python=python3; fi
fi
command -v "$python" >/dev/null 2>&1 || { echo "python-venv: no '$python' on PATH (set TML_PYTHON)" >&2; exit 1; }

want="$(cat "${requirements[@]}" | sha256sum | cut -d' ' -f1) $("$python" -c 'import sys; print(".".join(map(str, sys.version_info[:2])))')"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "$venv/bin/python"
  exit 0
fi

echo "python-venv: preparing $venv with $("$python" --version) and installing ${requirements[*]##*/}" >&2
version="${want#* }"
if [ -x "$venv/bin/python" ] && [ "$("$venv/bin/python" -c 'import sys; print(".".join(map(str, sys.version_info[:2])))')" != "$version" ]; then
  rm -rf "$venv" # a venv cannot change its interpreter in place
fi
if [ ! -x "$venv/bin/python" ]; then "$python" -m venv "$venv"; fi
pip_files=()
for file in "${requirements[@]}"; do pip_files+=(-r "$file"); done
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pip_files[@]}" >&2
echo "$want" >"$stamp"
echo "$venv/bin/python"
