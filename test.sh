#!/usr/bin/env bash
# Run the whole HealthHub test suite, installing what it needs first:
#   Debian: chromium (browser tests), default-jre-headless (Nu HTML checker),
#           libxml2-utils (xmllint for the sitemap), nodejs + npm (test tools)
#   npm:    vnu-jar, axe-core, sitemap (its sitemap.xsd), lighthouse  (package-lock.json)
#   PyPI:   the exact versions in requirements.lock (the package's dependencies and
#           its `test` extra, hash-checked) into .venv/ inside the repository, plus
#           HealthHub itself (editable); pytest runs from that virtual environment,
#           so a run never depends on what the machine happened to have installed.
# Reruns are fast: each step is skipped when its tools are already there and the
# lock files are unchanged. `bash scripts/lock.sh` regenerates requirements.lock;
# `bash scripts/test-latest.sh` runs the suite on the newest allowed versions.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# Debian's python3 makes virtual environments only with python3-venv installed.
[ -x .venv/bin/python ] || python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if ((${#missing[@]})); then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "test.sh: installing Debian packages: ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm ci only when package-lock.json changed since the last install. Install
# scripts are not needed (vnu-jar's would fetch a Java runtime; Debian's is used).
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat node_modules/.healthhub-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  echo "test.sh: npm ci" >&2
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.healthhub-lock-hash
fi

# The Python side: .venv/ synced to requirements.lock when the lock (or pyproject.toml) changed.
py_hash="$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.healthhub-lock-hash 2>/dev/null)" != "$py_hash" ]; then
  echo "test.sh: installing requirements.lock into .venv/" >&2
  [ -x .venv/bin/python ] || python3 -m venv .venv
  pip=(.venv/bin/python -m pip --quiet --disable-pip-version-check)
  "${pip[@]}" install --require-hashes --only-binary :all: -r requirements.lock
  "${pip[@]}" install --no-deps --no-build-isolation -e .
  echo "$py_hash" > .venv/.healthhub-lock-hash
fi
exec .venv/bin/python -m pytest "$@"
