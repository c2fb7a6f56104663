"""``python -m newsclean ARGS...``: the command line, as the binary."""

import sys

from ._native import run

if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
