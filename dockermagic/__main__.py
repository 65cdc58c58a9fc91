"""`python -m dockermagic ...`: the `dockermagic` command."""

import sys

from .cli import main

sys.exit(main())
