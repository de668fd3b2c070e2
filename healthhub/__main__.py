"""`python -m healthhub ...`: the same command line as `healthhub ...`."""

import sys

from .cli import run

sys.exit(run())
