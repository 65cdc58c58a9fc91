"""`python -m dockermagic ...`: the `dockermagic` command."""

import sys

from .cli.command import main

sys.exit(main())
