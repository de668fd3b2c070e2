#!/usr/bin/env bash
# Run the test suite on the NEWEST versions pyproject.toml allows (not the
# locked ones), in its own virtual environment .venv-latest/ (git-ignored).
# Run it before each release, and whenever a dependency may have moved, so a
# change like PyYAML 6.0.4's is seen the day it happens, not by a user:
#
#     bash scripts/test-latest.sh        # any pytest arguments may follow, e.g. -q -x
#
# The Debian and npm tools come from `bash test.sh`; run that once first.
# When this passes, `bash scripts/lock.sh --upgrade` moves the lock to these versions.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-latest
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install --upgrade pip
"${pip[@]}" install --upgrade --upgrade-strategy eager -e '.[test]'
"$venv/bin/python" -m pip list --format=freeze --disable-pip-version-check \
  | grep -iE '^(jinja2|markdown|pyyaml|livereload|tornado|nh3|pagefind|textstat|pytest|playwright|feedparser|hypothesis)==' >&2
exec "$venv/bin/python" -m pytest "$@"
