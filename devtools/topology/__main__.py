"""``python -m devtools.topology [--check]``."""

import sys

from .render import main

raise SystemExit(main(sys.argv[1:]))
