#!/usr/bin/env bash
# Run the whole HealthHub test suite, installing what it needs first:
#   Debian: chromium (browser tests), libicu-dev + pkg-config + g++ (to build PyICU), default-jre-headless (Nu HTML checker),
#           libxml2-utils (xmllint for the sitemap), nodejs + npm (test tools)
#   npm:    vnu-jar, axe-core, sitemap (its sitemap.xsd), lighthouse  (package-lock.json)
#   PyPI:   the package with its `test` extra (pytest, playwright, feedparser, ...)
# Reruns are fast: each step is skipped when its tools are already there.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# PyICU (the A to Z's collation) is built from source against Debian's ICU.
if ! python3 -c "import icu" >/dev/null 2>&1; then
  pkg-config --exists icu-i18n 2>/dev/null || missing+=(libicu-dev)
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  command -v g++ >/dev/null 2>&1 || missing+=(g++)
fi
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

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
exec python3 -m pytest "$@"
