"""``python -m devtools.stack up|status|logs|down``."""

import sys

from .commands import main

raise SystemExit(main(sys.argv[1:]))
