"""Property-based sweep of the public API with random arrays (hypothesis).

Every public estimator and function that takes numbers is called on arrays
of random shape, dtype (float32 or float64), magnitude (moderate, huge or
tiny within the dtype's range) and sparsity (random zero patterns, CSR when
the callable accepts it). Each call must either

- return finite values (no NaN, no inf, no index -1) that match a float64
  reference within the dtype's precision -- an independent numpy formula
  where one is written below, otherwise the same call on the input cast to
  float64 (for float32 input) -- or
- raise a ``ValueError`` or ``TypeError`` whose message names the problem
  (not an overflow reported as "contains infs or NaNs" on finite input).

Runs are reproducible (``derandomize=True``) and small. Cases that fail in
code owned elsewhere are marked ``xfail(strict=True)`` with the reason, so a
fix turns them into an XPASS that asks for the mark to go.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import sparse
from sklearn.model_selection import StratifiedKFold, cross_val_score

import sklearn_cosim.adapters as ad
import sklearn_cosim.datasets as ds
import sklearn_cosim.decomposition as dec
import sklearn_cosim.diagnostics as diag
import sklearn_cosim.metrics as met
import sklearn_cosim.metrics.pairwise as pw
import sklearn_cosim.model_selection as ms
import sklearn_cosim.neighbors as nb
import sklearn_cosim.preprocessing as pre
import sklearn_cosim.text as txt
from sklearn_cosim.utils._testing import edit_distance
from sklearn_cosim.utils.discovery import all_estimators, all_functions

SETTINGS = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: fast, even on xfails
    suppress_health_check=list(HealthCheck),
)

#: Decimal exponents of the scale of the entries, per regime and dtype. In
#: "huge" and "tiny" squared norms are still normal numbers of the dtype; in
#: "overflow" and "underflow" they are not, while the entries are: a
#: scale-free output (cosine, centring) must still be right there, and an
#: output that is not representable must be a clear error.
EXPONENTS = {
    "moderate": {np.float32: (-3, 3), np.float64: (-3, 3)},
    "huge": {np.float32: (15, 18), np.float64: (100, 150)},
    "tiny": {np.float32: (-18, -15), np.float64: (-150, -100)},
    "overflow": {np.float32: (20, 36), np.float64: (160, 300)},
    "underflow": {np.float32: (-36, -20), np.float64: (-300, -160)},
}
#: Tolerance relative to each output's scale, per dtype.
TOL = {np.float32: 2e-3, np.float64: 1e-7}
#: Messages that report an internal overflow as a problem of the input.
UNCLEAR = ("infs or nans", "contains infinity", "contains nan")
#: What a message about the magnitude of finite input must offer: a remedy.
REMEDIES = ("divide", "multiply", "scale", "float64")


# ----------------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------------
@st.composite
def matrices(draw, regime, min_rows=1, max_rows=10, min_cols=1, max_cols=6):
    """(X, dtype): random shape, dtype, magnitude and zero pattern."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n = draw(st.integers(min_rows, max_rows))
    d = draw(st.integers(min_cols, max_cols))
    unit = draw(
        arrays(
            np.float64,
            (n, d),
            elements=st.floats(-1.0, 1.0, allow_subnormal=False, width=32),
        )
    )
    if draw(st.booleans()):  # sparsity: a random zero pattern
        unit = unit * draw(arrays(np.bool_, (n, d)))
    low, high = EXPONENTS[regime][dtype]
    scale = 10.0 ** draw(st.integers(low, high))
    return (unit * scale).astype(dtype), dtype


def _norms(X):
    """Norms of the last axis without overflow or underflow (float64)."""
    X = np.asarray(X, dtype=np.float64)
    top = np.max(np.abs(X), axis=-1, keepdims=True) if X.shape[-1] else 0 * X[..., :1]
    unit = np.divide(X, top, out=np.zeros_like(X), where=top > 0)
    return top[..., 0] * np.sqrt(np.sum(unit**2, axis=-1))


def _cosine64(X, Y=None):
    X = np.asarray(X, dtype=np.float64)
    Y = X if Y is None else np.asarray(Y, dtype=np.float64)
    # scale rows by their largest entry first: no overflow, no underflow
    Xs = X / np.maximum(np.abs(X).max(axis=1, keepdims=True), 1e-300)
    Ys = Y / np.maximum(np.abs(Y).max(axis=1, keepdims=True), 1e-300)
    nx, ny = _norms(Xs), _norms(Ys)
    with np.errstate(invalid="ignore", divide="ignore"):
        C = (Xs @ Ys.T) / np.outer(nx, ny)
    C[(nx == 0)[:, None] | (ny == 0)[None, :]] = 0.0
    return np.clip(C, -1.0, 1.0)


def _scaled_dot(X, Y):
    """X @ Y.T in float64, inf where it overflows (entries scaled first)."""
    sx, sy = max(_max_abs(X), 1e-300), max(_max_abs(Y), 1e-300)
    with np.errstate(over="ignore"):
        return ((X / sx) @ (Y / sy).T) * sx * sy


def _top2_cosine64(X):
    """The two largest cosines of each row with the other rows, decreasing."""
    C = _cosine64(X)
    np.fill_diagonal(C, -np.inf)
    return -np.sort(-C, axis=1)[:, :2]


def _dist64(X):
    X = np.asarray(X, dtype=np.float64)
    return _norms(X[:, None, :] - X[None, :, :])


def _sqdist64(X):
    with np.errstate(over="ignore"):
        return _dist64(X) ** 2  # inf where the true value is not representable


def _max_abs(X):
    return float(np.max(np.abs(X))) if np.size(X) else 0.0


# ----------------------------------------------------------------------------------
# the callables: run(X) -> list of arrays, reference and scale of each output
# ----------------------------------------------------------------------------------
def _labels(X):
    return np.arange(X.shape[0]) % 2  # both classes, whatever the values


def _kneighbors(est, X):
    est.fit(X)
    sims, ind = est.kneighbors(return_similarity=True)
    return [sims], [ind]


class Spec:
    """How to call one public object on a matrix, and what to expect.

    run(X) returns ``(values, indices)``: lists of arrays whose values must
    be finite (and compared) and whose indices must be valid.
    ``reference(X64)`` gives the expected values (default: ``run`` on the
    float64 input, used for float32 only); ``scale(X64)`` the size against
    which the tolerance is measured (default: the largest reference value,
    at least 1). ``compare=False`` checks finiteness only (outputs that
    depend on the order of near-ties: counts of neighbours, labels).
    """

    def __init__(
        self,
        run,
        *,
        reference=None,
        scale=None,
        compare=True,
        sparse_ok=False,
        min_rows=1,
        min_cols=1,
        even_cols=False,
    ):
        self.run = run
        self.reference = reference
        self.scale = scale
        self.compare = compare
        self.sparse_ok = sparse_ok
        self.min_rows = min_rows
        self.min_cols = min_cols
        self.even_cols = even_cols


def _values(func):
    return lambda X: ([np.asarray(func(X))], [])


def _dense(out):
    return out.toarray() if sparse.issparse(out) else np.asarray(out)


def _transform(est):
    return lambda X: ([_dense(est().fit_transform(X))], [])


#: Smallest scale a tolerance is measured against (float32's smallest normal).
TINY = float(np.finfo(np.float32).tiny)


def _sq_scale(X):
    with np.errstate(over="ignore"):
        return max(TINY, float(np.max(_norms(X)) ** 2)) if X.size else TINY


def _norm_scale(X):
    return max(TINY, float(np.max(_norms(X)))) if X.size else TINY


def _abs_scale(X):
    return max(TINY, _max_abs(X))


def _layer_norm64(X):
    """(x - mean) / sqrt(var + eps), with each row scaled by its largest deviation."""
    X = np.asarray(X, dtype=np.float64)
    centred = X - X.mean(axis=1, keepdims=True)
    top = np.max(np.abs(centred), axis=1, keepdims=True)
    unit = np.divide(centred, top, out=np.zeros_like(centred), where=top > 0)
    with np.errstate(over="ignore", divide="ignore"):
        eps = np.where(top > 0, 1e-5 / np.maximum(top, 1e-300) ** 2, np.inf)
    return unit / np.sqrt(np.mean(unit**2, axis=1, keepdims=True) + eps)


def _hubness_graph(X):
    # a distance matrix in the dtype and range of X: |x_i0 - x_j0|
    with np.errstate(over="ignore"):
        D = np.abs(X[:, :1] - X[:, 0][None, :])
    out = nb.HubnessReductionTransformer(method="nicdm", n_neighbors=1).fit_transform(D)
    return [_dense(out)], []


def _classifier(X):
    clf = nb.SimilarityKNeighborsClassifier(n_neighbors=2).fit(X, _labels(X))
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    return [proba], []


def _regressor(X):
    y = np.asarray(X[:, 0], dtype=np.float64)
    return [nb.SimilarityKNeighborsRegressor(n_neighbors=2).fit(X, y).predict(X)], []


def _knn_graph(X):
    G = nb.SimilarityKNeighborsTransformer(n_neighbors=2).fit_transform(X)
    return [G.data], [G.indices]


def _paired(X):
    model = ms.PairedSimilarity().fit(X, np.arange(X.shape[0], dtype=float))
    return [np.asarray(model.predict(X))], []


def _pair_classifier(X):
    clf = ms.PairedSimilarityClassifier(cv=2, thresholds=5).fit(X, _labels(X))
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    return [clf.decision_function(X), proba], []


def _halves_cosine64(X):
    """Cosine of the two halves ``[u | v]`` of each row (the pair's similarity)."""
    d = X.shape[1] // 2
    return [np.diag(_cosine64(X[:, :d], X[:, d:]))]


def _autoencoders(X):
    return [
        _dense(dec.LinearAutoencoder(n_components=1, loss=loss).fit_transform(X))
        for loss in ("squared", "cosine")
    ], []


def _fit_adapters(X):
    """LinearAdapter for class labels (supcon) and for graded pairs (cosent)."""
    for loss, y in (("supcon", _labels(X)), ("cosent", np.arange(X.shape[0]) % 3)):
        yield ad.LinearAdapter(loss=loss, max_iter=10, random_state=0).fit(X, y)


def _adapters(X):
    return [model.transform(X) for model in _fit_adapters(X)], []


def _adapters64(X):
    """The documented map ``(x - mean_) @ components_.T`` (of each half for
    pairs) of the adapters fitted on float64 X (the fit runs in float64)."""
    out = []
    for model in _fit_adapters(X):
        W, mean = model.components_, model.mean_
        halves = np.split(X, 2, axis=1) if model.loss == "cosent" else [X]
        out.append(np.hstack([(h - mean) @ W.T for h in halves]))
    return out


def _term_similarity(X):
    S = txt.term_similarity_matrix(X)
    return [_dense(S)], []


def _term_similarity_estimator(X):
    docs = X[:3].T  # n_terms x 3 "documents"
    docs = np.abs(docs) if docs.dtype.kind == "f" else docs
    return [_dense(txt.TermSimilarity(X).fit_transform(docs))], []


def _embedding_report(X):
    report = diag.embedding_report(X, n_neighbors=2)
    if min(X.shape) < 2:  # documented: isotropy_score is not defined there
        assert np.isnan(report.pop("isoscore"))
    values = [v for v in report.values() if np.isscalar(v) and not isinstance(v, str)]
    return [np.asarray(v, dtype=float) for v in values], []


def _hubness_diag(func, **kwargs):
    return lambda X: ([np.atleast_1d(func(X, n_neighbors=2, **kwargs))], [])


SPECS = {
    # -- pairwise measures (lead) --
    "cosine_similarity": Spec(
        _values(pw.cosine_similarity), reference=_cosine64, sparse_ok=True
    ),
    "dot_similarity": Spec(
        _values(pw.dot_similarity),
        reference=lambda X: _scaled_dot(X, X),
        scale=_sq_scale,
        sparse_ok=True,
    ),
    "euclidean_distances": Spec(
        _values(pw.euclidean_distances),
        reference=_dist64,
        scale=_norm_scale,
        sparse_ok=True,
    ),
    "sqeuclidean_distances": Spec(
        _values(pw.sqeuclidean_distances),
        reference=_sqdist64,
        scale=_sq_scale,
        sparse_ok=True,
    ),
    "angular_distances": Spec(
        _values(pw.angular_distances),
        reference=lambda X: np.arccos(_cosine64(X)) / np.pi,
        sparse_ok=True,
    ),
    "scaled_cosine_similarity": Spec(
        _values(pw.scaled_cosine_similarity),
        reference=lambda X: (
            0.5 * _cosine64(X) + 0.5 * (_norms(X)[:, None] + _norms(X)[None, :])
        ),
        sparse_ok=True,
    ),
    "radial_cosine_similarity": Spec(_values(pw.radial_cosine_similarity)),
    "soft_cosine_similarity": Spec(
        lambda X: ([pw.soft_cosine_similarity(X, S=np.eye(X.shape[1]))], []),
        reference=_cosine64,  # S = I: the cosine
    ),
    "wrd_distances": Spec(_values(pw.wrd_distances)),
    "pairwise_similarity": Spec(
        _values(lambda X: pw.pairwise_similarity(X, metric="cosine")),
        reference=_cosine64,
        sparse_ok=True,
    ),
    "pairwise_distances": Spec(
        _values(lambda X: pw.pairwise_distances(X, metric="sqeuclidean")),
        reference=_sqdist64,
        scale=_sq_scale,
        sparse_ok=True,
    ),
    "paired_similarity": Spec(
        _values(lambda X: pw.paired_similarity(X, X[::-1])),
        reference=lambda X: np.diag(_cosine64(X, X[::-1])),
    ),
    "paired_distances": Spec(
        _values(lambda X: pw.paired_distances(X, X[::-1], metric="euclidean")),
        reference=lambda X: _norms(X - X[::-1]),
        scale=_norm_scale,
    ),
    # -- neighbours --
    "SimilarityNeighbors": Spec(
        lambda X: _kneighbors(nb.SimilarityNeighbors(n_neighbors=2), X),
        reference=_top2_cosine64,
        sparse_ok=True,
        min_rows=3,
    ),
    "SimilarityKNeighborsClassifier": Spec(_classifier, compare=False, min_rows=3),
    "SimilarityKNeighborsRegressor": Spec(_regressor, compare=False, min_rows=3),
    "SimilarityKNeighborsTransformer": Spec(_knn_graph, compare=False, min_rows=3),
    "HubnessReductionTransformer": Spec(_hubness_graph, compare=False, min_rows=2),
    # -- hubness diagnostics (lead) --
    **{
        name: Spec(_hubness_diag(getattr(diag, name)), compare=False, min_rows=3)
        for name in (
            "k_occurrence",
            "hubness_skewness",
            "robin_hood_index",
            "gini_index",
            "atkinson_index",
            "antihub_occurrence",
            "hub_occurrence",
            "groupie_ratio",
            "hubs",
            "antihubs",
        )
    },
    "hubness_measures": Spec(
        lambda X: (list(diag.hubness_measures(X, n_neighbors=2).values()), []),
        compare=False,
        min_rows=3,
    ),
    # -- anisotropy and frequency diagnostics --
    "mean_cosine_similarity": Spec(_values(diag.mean_cosine_similarity), min_rows=2),
    "isotropy_score": Spec(_values(diag.isotropy_score), compare=False, min_rows=2),
    "partition_isotropy_score": Spec(
        _values(diag.partition_isotropy_score), compare=False, min_rows=2
    ),
    "embedding_report": Spec(_embedding_report, compare=False, min_rows=3),
    "norm_frequency_correlation": Spec(
        _values(lambda X: diag.norm_frequency_correlation(X, np.arange(1, len(X) + 1))),
        compare=False,
        min_rows=2,
    ),
    "frequency_bias": Spec(
        lambda X: (
            list(
                diag.frequency_bias(X, np.arange(1, len(X) + 1), n_neighbors=2).values()
            ),
            [],
        ),
        compare=False,
        min_rows=3,
    ),
    # -- preprocessing --
    "center": Spec(
        _values(pre.center),
        reference=lambda X: X - X.mean(axis=0),
        scale=_abs_scale,
    ),
    "MeanCenterer": Spec(
        _transform(pre.MeanCenterer),
        reference=lambda X: [X - X.mean(axis=0)],
        scale=_abs_scale,
    ),
    "layer_normalize": Spec(
        _values(pre.layer_normalize), reference=_layer_norm64, min_cols=2
    ),
    "LayerNormalizer": Spec(
        _transform(pre.LayerNormalizer), reference=_layer_norm64, min_cols=2
    ),
    "add_norm_feature": Spec(_values(pre.add_norm_feature), compare=False),
    "NormFeatureAugmenter": Spec(_transform(pre.NormFeatureAugmenter), compare=False),
    "remove_principal_components": Spec(
        _values(lambda X: pre.remove_principal_components(X, 1)),
        compare=False,
        min_rows=2,
        min_cols=2,
    ),
    "PrincipalComponentRemover": Spec(
        _transform(lambda: pre.PrincipalComponentRemover(1)),
        compare=False,
        min_rows=2,
        min_cols=2,
    ),
    "whiten": Spec(_values(pre.whiten), compare=False, min_rows=2),
    "Whitener": Spec(_transform(pre.Whitener), compare=False, min_rows=2),
    # -- decomposition, model selection, text --
    "LinearAutoencoder": Spec(_autoencoders, compare=False, min_rows=2),
    "LinearAdapter": Spec(
        _adapters, reference=_adapters64, min_rows=4, min_cols=2, even_cols=True
    ),
    "stack_pairs": Spec(
        _values(lambda X: ms.stack_pairs(X, X[::-1])),
        reference=lambda X: np.hstack([X, X[::-1]]),
        scale=_abs_scale,
    ),
    "PairedSimilarity": Spec(_paired, compare=False, min_rows=3, even_cols=True),
    "PairedSimilarityClassifier": Spec(
        _pair_classifier, reference=_halves_cosine64, min_rows=4, even_cols=True
    ),
    "term_similarity_matrix": Spec(_term_similarity, compare=False, min_rows=2),
    "TermSimilarity": Spec(
        _term_similarity_estimator, compare=False, min_rows=3, min_cols=2
    ),
}

#: Public objects without a numeric-matrix input, each tested on its own below
#: or with the reason it is left out.
OWN_TESTS = {
    "levenshtein_similarity": "test_levenshtein_property (random strings)",
    "align_word_vectors": "test_align_word_vectors_property",
    "recall_at_k": "test_retrieval_metrics_property",
    "precision_at_k": "test_retrieval_metrics_property",
    "mean_reciprocal_rank": "test_retrieval_metrics_property",
    "mean_average_precision": "test_retrieval_metrics_property",
    "ndcg_at_k": "test_retrieval_metrics_property",
    "make_anisotropic_embeddings": "test_dataset_generators_property",
    "make_clustered_interactions": "test_dataset_generators_property",
    "one_standard_error_rule": "test_one_standard_error_rule_property",
    "cross_validate_selection": "test_cross_validate_selection_property",
}
LEFT_OUT = {
    "SentenceEmbedder": "takes text and needs an optional model download",
    "approximate_recall": (
        "takes a fitted approximate estimator, not arrays; "
        "tests/neighbors/test_approximate.py checks it against the exact engine"
    ),
    "tune_approximate_search": (
        "takes a fitted approximate estimator, not arrays; "
        "tests/neighbors/test_approximate.py checks it against the exact engine"
    ),
    "check_metric": "no array input (a metric name and its parameters)",
    "get_similarity": "no array input (a metric name)",
    "register_similarity": "no array input (registers a measure object)",
    "unregister_similarity": "no array input (a registered name)",
    "get_retrieval_scorer": "no array input (a scorer name)",
    "make_retrieval_scorer": "no array input; its metrics are swept here",
    "default_grid": "no array input (a task name)",
    "compare_similarities": "cross-validates a grid: seconds per call",
    "steck_figure1": "fits four models on simulated data: seconds per call",
    "plot_steck_figure1": "draws the result of steck_figure1",
    "plot_similarity_calibration": (
        "draws out-of-fold PairedSimilarityClassifier results (swept here)"
    ),
}

#: (name, regime) cases that still fail, in code owned elsewhere: strict xfails.
KNOWN_FAILURES: dict = {}


def _cases():
    for name in sorted(SPECS):
        for regime in EXPONENTS:
            reason = KNOWN_FAILURES.get((name, regime))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, regime, marks=marks, id=f"{name}-{regime}")


def test_every_public_object_is_swept():
    public = {name for name, _ in all_estimators() + all_functions()}
    covered = set(SPECS) | set(OWN_TESTS) | set(LEFT_OUT)
    assert public - covered == set(), "add these to SPECS, OWN_TESTS or LEFT_OUT"
    assert covered - public == set(), "these are no longer public"


# ----------------------------------------------------------------------------------
# checks
# ----------------------------------------------------------------------------------
def _call(spec, X):
    """(values, indices) or the exception raised, which must be a clear one."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                values, indices = spec.run(X)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        assert len(message) > 10, f"unclear {type(exc).__name__}: {message!r}"
        lower = message.lower()
        assert not any(u in lower for u in UNCLEAR), (
            f"finite input reported as non-finite (internal overflow): {message}"
        )
        assert "flow" not in lower or any(r in lower for r in REMEDIES), (
            f"an overflow or underflow reported without a remedy: {message}"
        )
        return exc
    return [np.asarray(v, dtype=np.float64) for v in values], indices


def _check_result(name, result, n_rows):
    values, indices = result
    for v in values:
        assert np.all(np.isfinite(v)), f"{name}: non-finite output {v}"
    for ind in indices:
        ind = np.asarray(ind)
        assert ind.size == 0 or (ind.min() >= 0 and ind.max() < n_rows), (
            f"{name}: invalid indices {ind}"
        )


def _compare(name, spec, got, X, dtype):
    X64 = X.astype(np.float64)
    if spec.reference is not None:
        expected = spec.reference(X64)
        expected = expected if isinstance(expected, list) else [expected]
    elif dtype == np.float32:
        ref = _call(spec, X64)
        if isinstance(ref, Exception):
            return  # float64 refuses too: nothing to compare with
        expected = ref[0]
    else:
        return
    for g, e in zip(got, expected):
        e = np.asarray(e, dtype=np.float64)
        assert np.all(np.isfinite(e)), (
            f"{name}: the true result is not representable (overflow), so the "
            f"call must raise a clear error; it returned {g}"
        )
        scale = spec.scale(X64) if spec.scale else max(1.0, _max_abs(e))
        err = _max_abs(g - e)
        assert err <= TOL[dtype] * scale, (
            f"{name}: max error {err:.3g} > {TOL[dtype]:g} x scale {scale:.3g}\n"
            f"got {g}\nexpected {e}"
        )


def _anchors(regime, spec):
    """Fixed inputs run before the search, so that each regime's failure
    modes are met whatever hypothesis draws: both ends of the regime's
    exponents in both dtypes, and an all-zero matrix."""
    rng = np.random.default_rng(0)
    n, d = max(spec.min_rows, 6), max(spec.min_cols, 4)
    unit = rng.uniform(-1.0, 1.0, (n, d)) * (rng.random((n, d)) < 0.8)
    unit[0] = 0.5  # a row along the diagonal, with no zero entry
    for dtype, (low, high) in EXPONENTS[regime].items():
        for exponent in (low, high):
            yield (unit * 10.0**exponent).astype(dtype), dtype
    yield np.zeros((n, d)), np.float64


def _check_one(name, spec, X, dtype, to_csr, failures):
    """Call `name` on X; record a failure message instead of raising."""
    if spec.even_cols and X.shape[1] % 2:
        X = X[:, :-1] if X.shape[1] > 1 else np.hstack([X, X])
    try:
        result = _call(spec, sparse.csr_matrix(X) if to_csr else X)
        if isinstance(result, Exception):
            return
        _check_result(name, result, X.shape[0])
        if spec.compare:
            _compare(name, spec, result[0], X, dtype)
    except Exception as exc:  # any other exception is a failure too
        kind = "" if isinstance(exc, AssertionError) else type(exc).__name__
        failures.append(f"{kind} {exc}\ninput ({'CSR' if to_csr else 'dense'}) = {X!r}")


@pytest.mark.parametrize("name, regime", list(_cases()))
def test_public_callable_property(name, regime):
    # Failures are collected and raised after the search rather than inside
    # it: hypothesis then neither shrinks nor writes a patch for the known
    # (xfail) cases, which keeps the module fast; the message shows the input.
    spec = SPECS[name]
    failures = []
    for X, dtype in _anchors(regime, spec):
        for to_csr in (False, True) if spec.sparse_ok else (False,):
            _check_one(name, spec, X, dtype, to_csr, failures)

    @SETTINGS
    @given(data=st.data())
    def search(data):
        X, dtype = data.draw(
            matrices(regime, min_rows=spec.min_rows, min_cols=spec.min_cols)
        )
        to_csr = spec.sparse_ok and data.draw(st.booleans())
        _check_one(name, spec, X, dtype, to_csr, failures)

    search()
    assert not failures, failures[0]


# ----------------------------------------------------------------------------------
# public functions without a numeric matrix
# ----------------------------------------------------------------------------------
@SETTINGS
@given(
    terms=st.lists(st.text(alphabet="abcé ", max_size=12), min_size=1, max_size=6),
    max_distance=st.one_of(st.none(), st.integers(0, 6)),
)
def test_levenshtein_property(terms, max_distance):
    got = txt.levenshtein_similarity(terms, max_distance=max_distance)
    for i, s in enumerate(terms):
        for j, t in enumerate(terms):
            m = max(len(s), len(t))
            d = edit_distance(s, t)
            expected = 1.8 if m == 0 else 1.8 * (1 - d / m) ** 5
            if max_distance is not None and d > max_distance:
                expected = 0.0
            assert math.isclose(got[i, j], expected, rel_tol=1e-12, abs_tol=1e-15)


@SETTINGS
@given(data=st.data())
def test_align_word_vectors_property(data):
    X, dtype = data.draw(matrices("moderate", min_rows=1, max_rows=6))
    terms = [f"t{i}" for i in range(X.shape[0])]
    known = data.draw(st.lists(st.booleans(), min_size=len(terms), max_size=len(terms)))
    vectors = {t: X[i] for i, t in enumerate(terms) if known[i]}
    try:
        out = txt.align_word_vectors(terms[::-1], vectors, dtype=dtype)
    except ValueError as exc:
        assert not vectors and "none of the terms" in str(exc)
        return
    for row, term in zip(out, terms[::-1]):
        expected = vectors.get(term, np.zeros(X.shape[1]))
        np.testing.assert_array_equal(row, expected.astype(dtype))


@SETTINGS
@given(data=st.data())
def test_retrieval_metrics_property(data):
    n = data.draw(st.integers(2, 8))
    labels = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    k = data.draw(st.integers(1, n - 1))
    rows = []
    for i in range(n):  # leave-one-out rankings without the query itself
        others = [j for j in range(n) if j != i]
        rows.append(data.draw(st.permutations(others))[:k])
    neighbors = np.array(rows)
    n_relevant = np.array([np.sum(labels == labels[i]) - 1 for i in range(n)])
    hits = (labels[neighbors] == labels[:, None]).sum(axis=1)
    has = n_relevant > 0
    scores = {}
    for func in (
        met.recall_at_k,
        met.precision_at_k,
        met.mean_reciprocal_rank,
        met.mean_average_precision,
        met.ndcg_at_k,
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scores[func.__name__] = func(labels, neighbors)
        assert 0.0 <= scores[func.__name__] <= 1.0
    if has.any():
        recall = np.mean(hits[has] / n_relevant[has])
        precision = np.mean(hits[has] / k)
        assert math.isclose(scores["recall_at_k"], recall, rel_tol=1e-12)
        assert math.isclose(scores["precision_at_k"], precision, rel_tol=1e-12)
    # a repeated item is refused, never counted twice
    if k >= 2:
        bad = neighbors.copy()
        bad[0, 1] = bad[0, 0]
        with pytest.raises(ValueError, match="at most once"):
            met.recall_at_k(labels, bad)


@SETTINGS
@given(
    n=st.integers(2, 30),
    d=st.integers(2, 8),
    n_hubs=st.integers(0, 6),
    seed=st.integers(0, 2**31 - 1),
)
def test_dataset_generators_property(n, d, n_hubs, seed):
    try:
        X, y = ds.make_anisotropic_embeddings(
            n, d, n_clusters=2, n_hubs=n_hubs, random_state=seed
        )[:2]
    except ValueError as exc:
        assert n_hubs >= n and "n_hubs" in str(exc)
    else:
        assert n_hubs < n or n_hubs == 0
        assert X.shape == (n, d) and y.shape == (n,)
        assert np.all(np.isfinite(X))
    M = _dense(ds.make_clustered_interactions(n, d, 2, random_state=seed)[0])
    assert M.shape == (n, d) and np.all(np.isfinite(M))


@SETTINGS
@given(data=st.data())
def test_one_standard_error_rule_property(data):
    n = data.draw(st.integers(1, 6))
    k = data.draw(st.integers(1, 5))
    scores = data.draw(
        arrays(np.float64, (n, k), elements=st.floats(0.0, 1.0, width=32))
    )
    costs = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    means = scores.mean(axis=1)
    cv_results = {"params": [{"cost": c} for c in costs], "mean_test_score": means}
    for j in range(k):
        cv_results[f"split{j}_test_score"] = scores[:, j]
    got = ms.one_standard_error_rule(cv_results, complexity=lambda p: p["cost"])
    # reference: the first best mean, its standard error over the folds, then
    # the least complex candidate within it, the higher mean, the first index
    best = min(range(n), key=lambda i: (-means[i], i))
    se = np.std(scores[best], ddof=1) / np.sqrt(k) if k > 1 else 0.0
    within = [i for i in range(n) if means[i] >= means[best] - se]
    assert got == min(within, key=lambda i: (costs[i], -means[i], i))
    with pytest.raises(ValueError, match="mean_test_accuracy"):
        ms.one_standard_error_rule(cv_results, score="accuracy")
    with pytest.raises(ValueError, match="mean_test_"):
        ms.one_standard_error_rule({"params": cv_results["params"]})


@SETTINGS
@given(data=st.data())
def test_cross_validate_selection_property(data):
    X, dtype = data.draw(matrices("moderate", min_rows=8, max_rows=12))
    y = _labels(X)
    got = ms.cross_validate_selection(
        X, y, candidates={"metric": ["cosine"]}, cv=2, n_neighbors=1
    )
    # one candidate: the nested estimate is the plain CV of that candidate on
    # the same outer folds (shuffled, stratified, seeded by random_state=0)
    folds = StratifiedKFold(2, shuffle=True, random_state=0)
    knn = nb.SimilarityKNeighborsClassifier(n_neighbors=1)
    expected = cross_val_score(knn, X, y, cv=folds)
    np.testing.assert_allclose(got["test_accuracy"], expected, rtol=1e-12)
    assert math.isclose(got["mean_test_accuracy"], expected.mean(), rel_tol=1e-12)
    assert got["selected"] == ["none | cosine"] * 2
    with pytest.raises(ValueError, match="y is required"):
        ms.cross_validate_selection(X, candidates={"metric": ["cosine"]}, cv=2)


@pytest.mark.parametrize("unit", ["datetime64[D]", "timedelta64[s]"])
@pytest.mark.parametrize("name", sorted(SPECS))
def test_dates_are_refused(name, unit):
    # numpy casts dates and durations to floats in an arbitrary unit, and
    # scikit-learn's check_array accepts them: every entry point refuses them
    spec = SPECS[name]
    n, d = max(spec.min_rows, 4), max(spec.min_cols, 2)
    X = (np.arange(n * d).reshape(n, d) * 7 % 11).astype(unit)
    with pytest.raises(ValueError, match="dates or durations"):
        spec.run(X)


@SETTINGS
@given(data=st.data())
def test_soft_cosine_is_scale_free_property(data):
    # soft cosine with a non-trivial PSD S on rows of any magnitude: the
    # reference is x'Sy / sqrt(x'Sx y'Sy) on each row divided by its largest entry
    X, dtype = data.draw(
        matrices(data.draw(st.sampled_from(list(EXPONENTS))), min_rows=2, min_cols=2)
    )
    d = X.shape[1]
    S = 0.5 * np.eye(d) + 0.5 * np.ones((d, d)) / d  # positive definite
    got = pw.soft_cosine_similarity(X, S=S)
    X64 = X.astype(np.float64)
    U = X64 / np.maximum(np.abs(X64).max(axis=1, keepdims=True), 1e-300)
    s_norms = np.sqrt(np.einsum("ij,jk,ik->i", U, S, U))
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = (U @ S @ U.T) / np.outer(s_norms, s_norms)
    expected[(s_norms == 0)[:, None] | (s_norms == 0)[None, :]] = 0.0
    np.testing.assert_allclose(got, np.clip(expected, -1, 1), rtol=0, atol=TOL[dtype])
