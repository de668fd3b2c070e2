"""`python -m healthhub ...`: the same command line as `healthhub ...`."""

import sys

from .cli import main

sys.exit(main())
