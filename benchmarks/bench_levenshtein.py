"""Levenshtein similarity of a vocabulary, with and without long terms.

Run ``python benchmarks/bench_levenshtein.py`` (``--help`` for the sizes).
Synthetic vocabulary, built here: ``--n-terms`` random words of 3 to 11
letters, then the same with one ``--long``-character token added, then two
``--very-long``-character terms. Contenders, in one process:

- ``levenshtein_similarity`` (all pairs, vectorised, grouped by length);
- the plain Python Wagner-Fischer double loop that one would otherwise
  write, on a subset of the pairs, its time scaled linearly to all pairs
  (marked ``*``); its distances are compared with ours on that subset.

Each time is the best of ``--repeat`` runs.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import gc
import time

import numpy as np

from sklearn_cosim.text import levenshtein_similarity
from sklearn_cosim.utils._testing import edit_distance


def best_time(func, repeat):
    best, result = np.inf, None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def python_time(terms, max_pairs):
    """Seconds of the Python loop for all pairs (scaled) and its distances."""
    pairs = [(i, j) for i in range(len(terms)) for j in range(len(terms))]
    step = max(1, len(pairs) // max_pairs)
    subset = pairs[::step]
    start = time.perf_counter()
    dist = [edit_distance(terms[i], terms[j]) for i, j in subset]
    elapsed = time.perf_counter() - start
    return elapsed * len(pairs) / len(subset), subset, dist


def run(name, terms, repeat, max_pairs):
    t_ours, sim = best_time(
        lambda: levenshtein_similarity(terms, alpha=1.0, beta=1.0), repeat
    )
    t_py, subset, dist = python_time(terms, max_pairs)
    lengths = np.array([len(t) for t in terms])
    for (i, j), d in zip(subset, dist):
        m = max(lengths[i], lengths[j])
        ours = 0 if m == 0 else round((1.0 - sim[i, j]) * m)
        assert ours == d, (i, j, ours, d)
    scaled = "*" if len(subset) < len(terms) ** 2 else " "
    print(
        f"{name:<34} ours {t_ours:8.3f} s   python loop {t_py:9.2f} s{scaled}  "
        f"ratio {t_py / t_ours:8.1f}x"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-terms", type=int, default=300)
    parser.add_argument("--long", type=int, default=307)
    parser.add_argument("--very-long", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-pairs", type=int, default=3_000)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    letters = list("abcdefghijklmnopqrstuvwxyz")
    words = [
        "".join(rng.choice(letters, rng.integers(3, 12))) for _ in range(args.n_terms)
    ]
    long_token = "".join(rng.choice(letters, args.long))
    very_long = ["".join(rng.choice(letters, args.very_long)) for _ in range(2)]
    run(f"{len(words)} words", words, args.repeat, args.max_pairs)
    run(f"+ one {args.long}-char token", words + [long_token], args.repeat, 3_000)
    run(f"two {args.very_long}-char terms", very_long, 1, 1)


if __name__ == "__main__":
    main()
