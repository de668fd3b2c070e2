#!/usr/bin/env bash
# Run the whole HealthHub test suite, installing what it needs first.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
exec python3 -m pytest "$@"
