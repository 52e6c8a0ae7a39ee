"""Inputs the engine refuses clearly, and the guard on large radius results."""

import os

import numpy as np
import pytest
from scipy import sparse
from sklearn import config_context

from sklearn_cosim.metrics.pairwise import (
    paired_similarity,
    pairwise_similarity,
)
from sklearn_cosim.neighbors import SimilarityNeighbors
from sklearn_cosim.utils._threads import effective_n_jobs

X = np.random.default_rng(0).standard_normal((40, 5))


def test_n_jobs_zero_is_refused_at_fit():
    with pytest.raises(ValueError, match="n_jobs=0"):
        SimilarityNeighbors(n_jobs=0).fit(X)


def test_huge_n_jobs_is_capped_at_the_cores():
    assert effective_n_jobs(10**6) == (os.cpu_count() or 1)
    nn = SimilarityNeighbors(n_neighbors=3, n_jobs=10**6).fit(X)
    want = SimilarityNeighbors(n_neighbors=3).fit(X).kneighbors(X[:5])
    np.testing.assert_array_equal(nn.kneighbors(X[:5])[1], want[1])


def test_infinite_radius_is_refused_with_the_alternative():
    nn = SimilarityNeighbors().fit(X)
    with pytest.raises(ValueError, match="finite.*n_neighbors=n_samples_fit_"):
        nn.radius_neighbors(X[:2], radius=np.inf)


def test_large_radius_results_warn():
    nn = SimilarityNeighbors().fit(X)
    with config_context(working_memory=0.001):  # 1 KiB: 64 neighbours
        with pytest.warns(UserWarning, match="found 1,600 neighbours"):
            nn.radius_neighbors(X, radius=2.0)
    with config_context(working_memory=1):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            nn.radius_neighbors(X, radius=2.0)


def test_complex_term_similarity_is_refused():
    S = np.eye(5) * (1 + 1j)
    with pytest.raises(ValueError, match="S must be real"):
        pairwise_similarity(X, metric="soft_cosine", S=S)
    with pytest.raises(ValueError, match="S must be real"):
        pairwise_similarity(X, metric="soft_cosine", S=sparse.csr_matrix(S))


def test_unclear_inputs_get_clear_errors():
    with pytest.raises(ValueError, match="X must be a 2-d array"):
        pairwise_similarity(None)
    with pytest.raises(ValueError, match="'X' parameter of paired_similarity"):
        paired_similarity(3.0, X)
    with pytest.raises(ValueError, match="returned a sparse matrix"):
        pairwise_similarity(X, metric=lambda A, B: sparse.csr_matrix(A @ B.T))
    with pytest.raises(ValueError, match="random_state.*integer seed"):
        SimilarityNeighbors(
            hubness="mutual_proximity", hubness_params={"random_state": "0"}
        ).fit(X)


def test_verbose_prints_progress_to_stderr(capsys):
    from sklearn_cosim.neighbors import SimilarityKNeighborsClassifier

    with config_context(working_memory=0.01):  # several blocks
        SimilarityNeighbors(n_neighbors=3, n_jobs=1).fit(X).kneighbors_graph()
        assert capsys.readouterr().err == ""
        nn = SimilarityNeighbors(n_neighbors=3, hubness="csls", verbose=2, n_jobs=1)
        nn.fit(X)
        err = capsys.readouterr().err
        assert "[hubness='csls' statistics]" in err and "s left" in err
        assert err.strip().splitlines()[-1].endswith("s")
        assert "done:" in err
        nn.kneighbors_graph()
        assert "[kneighbors] done:" in capsys.readouterr().err
        clf = SimilarityKNeighborsClassifier(n_neighbors=3, verbose=1)
        clf.fit(X, np.arange(40) % 2).predict(X)
        assert "[kneighbors] done:" in capsys.readouterr().err
