#!/usr/bin/env bash
# Regenerate requirements.lock, the exact versions (with their hashes) that
# `bash test.sh` installs: HealthHub's dependencies and its `test` extra from
# pyproject.toml, plus setuptools (the build backend, so the project and the
# packaging test's wheel build without reaching PyPI). Run it after changing
# any dependency in pyproject.toml:
#
#     bash scripts/lock.sh            # keep the locked versions that still fit
#     bash scripts/lock.sh --upgrade  # move everything to the newest allowed versions
#
# One lock for every platform and for Python 3.10 and later (uv's --universal),
# resolved against PyPI. uv itself lives in .venv-tools/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

tools=.venv-tools
if [ ! -x "$tools/bin/uv" ]; then
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet --disable-pip-version-check 'uv>=0.5,<1'
fi
backend="$(python3 -c 'import re, sys; print(re.search(r"requires = \[\"(setuptools[^\"]*)\"\]", open("pyproject.toml").read())[1])')"
echo "$backend" | "$tools/bin/uv" pip compile pyproject.toml - --extra test \
  --universal --python-version 3.10 --generate-hashes \
  --index-url https://pypi.org/simple --no-config \
  --custom-compile-command 'bash scripts/lock.sh' \
  --output-file requirements.lock "$@"
