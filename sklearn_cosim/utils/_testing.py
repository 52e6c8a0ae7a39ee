"""Small helpers shared by the tests and benchmarks (not public API)."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause


def edit_distance(a, b):
    """Levenshtein distance by the plain Wagner-Fischer double loop.

    The reference for :func:`sklearn_cosim.text.levenshtein_similarity`:
    insertions, deletions and substitutions of single characters, cost 1.

    Parameters
    ----------
    a, b : str
        The two strings.

    Returns
    -------
    distance : int
        The edit distance.

    Examples
    --------
    >>> from sklearn_cosim.utils._testing import edit_distance
    >>> edit_distance("kitten", "sitting")
    3
    """
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
