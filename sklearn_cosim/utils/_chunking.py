"""Block sizes from scikit-learn's ``working_memory`` setting."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn import get_config


def working_memory_bytes(working_memory=None):
    """Memory budget in bytes: `working_memory` MiB, default from ``get_config``."""
    if working_memory is None:
        working_memory = get_config()["working_memory"]
    return int(working_memory * 2**20)


def chunk_n_rows(row_bytes, max_n_rows, working_memory=None):
    """Rows per chunk so that a chunk takes at most the memory budget.

    At least one row, at most `max_n_rows`.
    """
    budget = working_memory_bytes(working_memory)
    return int(max(1, min(max_n_rows, budget // max(int(row_bytes), 1))))
