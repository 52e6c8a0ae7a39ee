"""Command line: ``python -m sklearn_cosim {compare,diagnose,figure1}``.

The console script ``sklearn-cosim`` calls :func:`main` from here too.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import sys

from sklearn_cosim._cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main(prog="python -m sklearn_cosim"))
