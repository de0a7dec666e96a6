"""``python -m board``: see :mod:`board.cli`."""

import sys

from board.cli import main

sys.exit(main())
