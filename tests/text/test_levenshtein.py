"""Levenshtein similarity: exact distances on any lengths, and input checks."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_cosim.text import _levenshtein, levenshtein_similarity
from sklearn_cosim.utils._testing import edit_distance


def _reference(a, b, alpha, beta, max_distance=None):
    out = np.zeros((len(a), len(b)))
    for r, s in enumerate(a):
        for c, t in enumerate(b):
            m = max(len(s), len(t))
            d = edit_distance(s, t)
            out[r, c] = alpha if m == 0 else alpha * (1 - d / m) ** beta
            if max_distance is not None and d > max_distance:
                out[r, c] = 0.0
    return out


def _vocabulary(n, seed, max_len=14, letters="abcdé"):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, max_len, n)
    words = ["".join(rng.choice(list(letters), k)) for k in lengths]
    return words + ["abc" * 15, ""]  # a long term and an empty one


@pytest.mark.parametrize("table_elements", [2**21, 40])
def test_random_vocabularies_equal_the_reference(table_elements, monkeypatch):
    # a small table budget forces many blocks on both sides
    monkeypatch.setattr(_levenshtein, "_TABLE_ELEMENTS", table_elements)
    a, b = _vocabulary(25, 0), _vocabulary(18, 1)
    got = levenshtein_similarity(a, b, alpha=1.3, beta=2.0)
    assert_allclose(got, _reference(a, b, 1.3, 2.0), rtol=1e-12)
    assert_allclose(levenshtein_similarity(a), _reference(a, a, 1.8, 5.0))


@pytest.mark.parametrize("max_distance", [0, 1, 3, 8])
def test_max_distance_skips_only_far_pairs(max_distance):
    # the length-gap skip and the early stop must not touch pairs within the cut
    a = _vocabulary(30, 2, max_len=20, letters="ab")
    b = _vocabulary(20, 3, max_len=20, letters="ab")
    got = levenshtein_similarity(a, b, alpha=1.0, beta=1.0, max_distance=max_distance)
    assert_allclose(got, _reference(a, b, 1.0, 1.0, max_distance), rtol=1e-12)


def test_long_terms_exact_distances():
    # distances known in closed form: appending or dropping k characters
    # costs k; a run of "a" against a run of "b" is a full substitution
    rng = np.random.default_rng(0)
    s = "".join(rng.choice(list("abcdefgh"), 3000))
    terms = [s, s + "xyz", s[:-40], "a" * 2500, "b" * 2500, "a"]
    got = levenshtein_similarity(terms, alpha=1.0, beta=1.0)
    lengths = np.array([len(t) for t in terms])
    longest = np.maximum(lengths[:, None], lengths[None, :])
    dist = np.rint((1.0 - got) * longest).astype(int)
    assert dist[0, 1] == 3 and dist[0, 2] == 40 and dist[1, 2] == 43
    assert dist[3, 4] == 2500 and dist[3, 5] == 2499 and dist[4, 5] == 2500
    assert np.all(np.diag(dist) == 0)
    assert_allclose(got, got.T)


@pytest.mark.parametrize(
    "terms, pattern",
    [
        (["ok", None], "terms must hold str, got NoneType"),
        (["ok", 3], "terms must hold str, got int"),
        ([b"bytes"], "terms must hold str, got bytes"),
        (np.array([1.5, 2.0]), "terms must hold str, got float"),
        ("word", "terms' parameter of levenshtein_similarity must be an array"),
    ],
)
def test_non_str_terms_are_refused(terms, pattern):
    with pytest.raises(TypeError, match=pattern):
        levenshtein_similarity(terms)
    with pytest.raises(TypeError, match="other_" + pattern):
        levenshtein_similarity(["ok"], terms)


def test_two_dimensional_terms_are_refused():
    with pytest.raises(ValueError, match="one-dimensional"):
        levenshtein_similarity(np.array([["a", "b"], ["c", "d"]]))


def test_numpy_str_terms_are_accepted():
    terms = np.array(["colour", "color"])
    assert_allclose(
        levenshtein_similarity(terms, alpha=1.0, beta=1.0),
        [[1.0, 5 / 6], [5 / 6, 1.0]],
    )
