#!/usr/bin/env python3
"""Build the HealthHub site: `python build.py` (see `python build.py --help`)."""

import sys

from healthhub.cli import run

if __name__ == "__main__":
    sys.exit(run())
