"""`python -m qa ...`: the same as the `qa` command (for a checkout without the entry point
installed, or a venv not on PATH)."""

import sys

from .frontends.cli import main

sys.exit(main())
