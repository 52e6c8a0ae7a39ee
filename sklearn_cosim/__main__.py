"""Command line: ``python -m sklearn_cosim {compare,figure1}``."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import sys

from sklearn_cosim._cli import main

if __name__ == "__main__":
    sys.exit(main())
