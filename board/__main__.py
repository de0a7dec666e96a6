"""``python -m board``: see :mod:`board.cli`."""

import sys

from board.cli import main

if __name__ == "__main__":  # not when a worker process (the demo's simulator pool) imports it
    sys.exit(main())
