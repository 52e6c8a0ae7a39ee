"""The built-in similarity measures (soft cosine has its own module)."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
from numpy.typing import DTypeLike
from scipy import sparse

from sklearn_cosim.metrics._base import (
    OperandRows,
    Rows,
    SimilarityMeasure,
    col,
    operand_rows,
    scaled_operand,
)
from sklearn_cosim.utils._linalg import (
    inverse_or_zero,
    row_norms64,
    sq_norms64,
    unit_rows,
)
from sklearn_cosim.utils._typing import Matrix

__all__ = [
    "AngularMeasure",
    "CallableMeasure",
    "CosineMeasure",
    "DotMeasure",
    "EuclideanMeasure",
    "RadialCosineMeasure",
    "ScaledCosineMeasure",
    "SqEuclideanMeasure",
    "WRDMeasure",
]


def check_real(
    name: str, value: float, low: float | None = None, high: float | None = None
) -> float:
    """A finite real number within [low, high]; ValueError naming `name`."""
    if (
        not isinstance(value, Real)
        or isinstance(value, (bool, np.bool_))
        or not np.isfinite(value)
    ):
        raise ValueError(f"{name} must be a finite real number, got {value!r}.")
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value!r}.")
    return value


def check_magnitude(
    measure: "SimilarityMeasure", norms: np.ndarray, dtype: DTypeLike, power: float
) -> None:
    """Refuse rows whose products would overflow `dtype` in the measure's form.

    ``power`` is how the form scales with the norms (2 for products of raw
    rows and squared norms).
    """
    top = float(norms.max(initial=0.0))
    limit = float(np.finfo(dtype).max) ** (1.0 / power) / 4.0
    if top > limit:
        raise ValueError(
            f"metric={measure.name!r} computes products of rows, and a row of "
            f"norm {top:.3g} overflows {np.dtype(dtype).name} (rows must have "
            f"norm below {limit:.3g}). Divide X by a constant (this does not "
            "change the neighbours), or use float64 data."
        )


# ------------------------------------------------------------------------------------
# Unit-row measures
# ------------------------------------------------------------------------------------
class _UnitOperands:
    """The operand of both sides is the unit rows (kept in the rows as ``E``)."""

    def prepare(self, X: Matrix) -> Rows:
        norms = row_norms64(X)
        return operand_rows(self, X, norms, scaled_operand(X, inverse_or_zero(norms)))

    def operand(self, rows: Rows, idx: slice | np.ndarray, side: str) -> Matrix:
        return rows.E[idx]

    def row_factors(
        self, rows: Rows, idx: slice | np.ndarray, side: str
    ) -> np.ndarray | None:
        return inverse_or_zero(rows.norms[idx])


class CosineMeasure(_UnitOperands, SimilarityMeasure):
    """``cos(x, y) = x.y / (|x| |y|)``; distance ``1 - cos``; zero rows give 0.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import pairwise_similarity
    >>> pairwise_similarity([[1.0, 0.0]], [[1.0, 1.0]], metric="cosine").round(4)
    array([[0.7071]])
    """

    name = "cosine"
    rows_class = OperandRows
    low_precision = True
    distance_kind = "one_minus"
    distance_bounds = (0.0, 2.0)
    nonnegative_distance = True
    euclidean_operands = True

    def similarity(
        self,
        G: np.ndarray,
        q: Rows,
        c: Rows,
        qi: slice | np.ndarray,
        cj: slice | np.ndarray,
    ) -> np.ndarray:
        return np.clip(G, -1.0, 1.0, out=G)

    def affine(self, q: Rows, qi: slice | np.ndarray) -> tuple[Any, Any] | None:
        return 1.0, 0.0


class AngularMeasure(CosineMeasure):
    """Distance ``arccos(cos) / pi`` in [0, 1]; similarity ``1 - distance``.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import pairwise_distances
    >>> pairwise_distances([[1.0, 0.0]], [[0.0, 1.0]], metric="angular")
    array([[0.5]])
    """

    name = "angular"
    distance_bounds = (0.0, 1.0)

    def similarity(
        self,
        G: np.ndarray,
        q: Rows,
        c: Rows,
        qi: slice | np.ndarray,
        cj: slice | np.ndarray,
    ) -> np.ndarray:
        G = super().similarity(G, q, c, qi, cj)
        return 1.0 - np.arccos(G) / np.pi

    def affine(self, q: Rows, qi: slice | np.ndarray) -> tuple[Any, Any] | None:
        return None

    def rank_threshold(
        self, similarity: float | np.ndarray, q: Rows, qi: slice | np.ndarray
    ) -> np.ndarray | None:
        s = np.clip(np.asarray(similarity, dtype=np.float64), 0.0, 1.0)
        return np.broadcast_to(np.cos(np.pi * (1.0 - s)), np.shape(qi)).copy()


@dataclass(frozen=True, eq=False, repr=False)
class NormRows(OperandRows):
    """Operand rows with the norms in the data's dtype (for in-place formulas)."""

    norms_dtype: object = None


class WRDMeasure(_UnitOperands, SimilarityMeasure):
    """Distance ``|(|x| - |y|)| + lam * arccos(cos)``; similarity ``-distance``.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import pairwise_distances
    >>> pairwise_distances([[2.0, 0.0]], [[0.0, 1.0]], metric="wrd").round(4)
    array([[2.5708]])
    """

    name = "wrd"
    params = {"lam": 1.0, "signed": False}
    rows_class = NormRows
    inner_product_form = False
    nonnegative_distance = True

    def check_params(self, params: dict) -> dict:
        params = super().check_params(params)
        check_real("lam", params["lam"], 0.0)
        if not isinstance(params["signed"], (bool, np.bool_)):
            raise ValueError(f"signed must be a boolean, got {params['signed']!r}.")
        return params

    def prepare(self, X: Matrix) -> Rows:
        norms = row_norms64(X)
        E = scaled_operand(X, inverse_or_zero(norms))
        return operand_rows(self, X, norms, E, norms_dtype=norms.astype(X.dtype))

    def similarity(
        self,
        G: np.ndarray,
        q: Rows,
        c: Rows,
        qi: slice | np.ndarray,
        cj: slice | np.ndarray,
    ) -> np.ndarray:
        dtype = G.dtype
        out = G if G.ndim else None
        G = np.clip(G, -1.0, 1.0, out=out)
        G = np.arccos(G, out=G)
        G *= -dtype.type(self.params["lam"])
        norms = "norms" if dtype == np.float64 else "norms_dtype"
        nq, nc = col(getattr(q, norms), qi, dtype), col(getattr(c, norms), cj, dtype)
        if self.params["signed"]:
            G -= nq
            G += nc
            return G
        diff = np.subtract(nq, nc)
        np.abs(diff, out=diff)
        G -= diff
        return G

    def distance(self, similarity: float | np.ndarray) -> float | np.ndarray:
        distance = -similarity
        return distance if self.params["signed"] else np.maximum(distance, 0.0)


@dataclass(frozen=True, eq=False, repr=False)
class UnitScaledRows(OperandRows):
    """Operand rows of measures whose query operand is the unit rows."""


class _UnitQueries(SimilarityMeasure):
    """Queries enter as unit rows; the corpus operand (``E``) is the measure's."""

    rows_class = UnitScaledRows
    distance_kind = "one_minus"

    def operand(self, rows: Rows, idx: slice | np.ndarray, side: str) -> Matrix:
        if side == "corpus":
            return rows.E[idx]
        return unit_rows(rows.X[idx], rows.norms[idx])

    def row_factors(
        self, rows: Rows, idx: slice | np.ndarray, side: str
    ) -> np.ndarray | None:
        if side == "corpus":
            return self.corpus_factors(rows.norms[idx])
        return inverse_or_zero(rows.norms[idx])


class ScaledCosineMeasure(_UnitQueries):
    """``alpha cos(x, y) + (1 - alpha)(|x| + |y|)``; distance ``1 - s``.

    The search form is ``[q/|q|, 1] . [alpha c/|c|, (1 - alpha)|c|]``.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import pairwise_similarity
    >>> pairwise_similarity([[3.0, 4.0]], [[0.0, 1.0]], metric="scaled_cosine")
    array([[3.4]])
    """

    name = "scaled_cosine"
    params = {"alpha": 0.5}

    def check_params(self, params: dict) -> dict:
        params = super().check_params(params)
        check_real("alpha", params["alpha"], 0.0, 1.0)
        return params

    def prepare(self, X: Matrix) -> Rows:
        alpha = self.params["alpha"]
        norms = row_norms64(X)
        check_magnitude(self, norms, X.dtype, 1)
        E = scaled_operand(X, self.corpus_factors(norms))
        bias = ((1.0 - alpha) * norms).astype(X.dtype)
        return operand_rows(self, X, norms, E, bias)

    def corpus_factors(self, norms: np.ndarray) -> np.ndarray:
        """The corpus operand is the rows times these: ``alpha / |c|``."""
        return self.params["alpha"] * inverse_or_zero(norms)

    def similarity(
        self,
        G: np.ndarray,
        q: Rows,
        c: Rows,
        qi: slice | np.ndarray,
        cj: slice | np.ndarray,
    ) -> np.ndarray:
        # G = alpha cos(q, c)
        w = 1.0 - self.params["alpha"]
        G = G + w * col(q.norms, qi, G.dtype)
        G += w * col(c.norms, cj, G.dtype)
        return G

    def affine(self, q: Rows, qi: slice | np.ndarray) -> tuple[Any, Any] | None:
        return 1.0, (1.0 - self.params["alpha"]) * q.norms[qi]

    def rank_threshold(
        self, similarity: float | np.ndarray, q: Rows, qi: slice | np.ndarray
    ) -> np.ndarray | None:
        # score = alpha cos + (1 - alpha)|c| = s - (1 - alpha)|q|
        return similarity - (1.0 - self.params["alpha"]) * q.norms[qi]


class RadialCosineMeasure(_UnitQueries):
    """``cos(x, y) (|x| |y|)^beta``; distance ``1 - s``; zero rows give 0.

    The search form is ``q/|q| . c |c|^(beta - 1)``.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import pairwise_similarity
    >>> pairwise_similarity([[4.0, 0.0]], [[1.0, 0.0]], metric="radial_cosine")
    array([[2.]])
    """

    name = "radial_cosine"
    params = {"beta": 0.5}

    def check_params(self, params: dict) -> dict:
        params = super().check_params(params)
        check_real("beta", params["beta"])
        return params

    def _weights(self, norms):
        weights = np.zeros_like(norms, dtype=np.float64)
        with np.errstate(over="ignore", under="ignore"):
            np.power(norms, self.params["beta"], out=weights, where=norms > 0)
        return weights

    def prepare(self, X: Matrix) -> Rows:
        norms = row_norms64(X)
        check_magnitude(self, self._weights(norms), X.dtype, 1)
        E = scaled_operand(X, self.corpus_factors(norms))
        return operand_rows(self, X, norms, E)

    def corpus_factors(self, norms: np.ndarray) -> np.ndarray:
        """The corpus operand is the rows times these: ``|c|^(beta - 1)``."""
        return self._weights(norms) * inverse_or_zero(norms)

    def similarity(
        self,
        G: np.ndarray,
        q: Rows,
        c: Rows,
        qi: slice | np.ndarray,
        cj: slice | np.ndarray,
    ) -> np.ndarray:
        # G = cos(q, c) |c|^beta
        G *= np.asarray(self._weights(q.norms[qi]), dtype=G.dtype)
        return G

    def affine(self, q: Rows, qi: slice | np.ndarray) -> tuple[Any, Any] | None:
        return self._weights(q.norms[qi]), 0.0

    def rank_threshold(
        self, similarity: float | np.ndarray, q: Rows, qi: slice | np.ndarray
    ) -> np.ndarray | None:
        weights = self._weights(q.norms[qi])
        s = np.broadcast_to(np.asarray(similarity, dtype=np.float64), weights.shape)
        out = np.where(s <= 0, -np.inf, np.inf)
        np.divide(s, weights, out=out, where=weights > 0)
        return out


# ------------------------------------------------------------------------------------
# Raw-row measures
# ------------------------------------------------------------------------------------
class DotMeasure(SimilarityMeasure):
    """``x.y``; distance ``-x.y``.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import pairwise_similarity
    >>> pairwise_similarity([[1.0, 2.0]], [[3.0, 4.0]], metric="dot")
    array([[11.]])
    """

    name = "dot"
    rows_class = OperandRows

    def prepare(self, X: Matrix) -> Rows:
        norms = row_norms64(X)
        check_magnitude(self, norms, X.dtype, 2)
        return operand_rows(self, X, norms, X)

    def similarity(
        self,
        G: np.ndarray,
        q: Rows,
        c: Rows,
        qi: slice | np.ndarray,
        cj: slice | np.ndarray,
    ) -> np.ndarray:
        return G

    def affine(self, q: Rows, qi: slice | np.ndarray) -> tuple[Any, Any] | None:
        return 1.0, 0.0


@dataclass(frozen=True, eq=False, repr=False)
class SquaredRows(OperandRows):
    """Operand rows with the squared norms (``x.x`` as the pair products compute it)."""

    sq_norms: object = None


class SqEuclideanMeasure(SimilarityMeasure):
    """Similarity ``-|x - y|^2``; distance ``|x - y|^2``.

    The search form is ``[q, 1] . [c, -|c|^2 / 2]`` (half of ``[2c, -|c|^2]``).

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import pairwise_distances
    >>> pairwise_distances([[0.0, 0.0]], [[3.0, 4.0]], metric="sqeuclidean")
    array([[25.]])
    """

    name = "sqeuclidean"
    rows_class = SquaredRows
    nonnegative_distance = True
    euclidean_operands = True
    float64_blocks = True

    def prepare(self, X: Matrix) -> Rows:
        norms = row_norms64(X)
        check_magnitude(self, norms, X.dtype, 2)
        sq = sq_norms64(X)
        return operand_rows(self, X, norms, X, (-0.5 * sq).astype(X.dtype), sq_norms=sq)

    def _squared(self, G, q, c, qi, cj):
        dtype = G.dtype
        G = np.multiply(G, -2.0, out=G)
        G += col(q.sq_norms, qi, dtype)
        G += col(c.sq_norms, cj, dtype)
        return np.maximum(G, 0.0, out=G)

    def similarity(
        self,
        G: np.ndarray,
        q: Rows,
        c: Rows,
        qi: slice | np.ndarray,
        cj: slice | np.ndarray,
    ) -> np.ndarray:
        return np.negative(self._squared(G, q, c, qi, cj))

    def affine(self, q: Rows, qi: slice | np.ndarray) -> tuple[Any, Any] | None:
        return 2.0, -q.sq_norms[qi]

    def rank_threshold(
        self, similarity: float | np.ndarray, q: Rows, qi: slice | np.ndarray
    ) -> np.ndarray | None:
        # -|q-c|^2 >= s  <=>  q.c - |c|^2/2 >= (s + |q|^2) / 2
        return 0.5 * (similarity + q.sq_norms[qi])

    def distance(self, similarity: float | np.ndarray) -> float | np.ndarray:
        return np.maximum(-similarity, 0.0)


class EuclideanMeasure(SqEuclideanMeasure):
    """Similarity ``-|x - y|``; distance ``|x - y|``.

    Examples
    --------
    >>> from sklearn_cosim.metrics.pairwise import pairwise_distances
    >>> pairwise_distances([[0.0, 0.0]], [[3.0, 4.0]], metric="euclidean")
    array([[5.]])
    """

    name = "euclidean"

    def similarity(
        self,
        G: np.ndarray,
        q: Rows,
        c: Rows,
        qi: slice | np.ndarray,
        cj: slice | np.ndarray,
    ) -> np.ndarray:
        G = self._squared(G, q, c, qi, cj)
        return np.negative(np.sqrt(G, out=G))

    def affine(self, q: Rows, qi: slice | np.ndarray) -> tuple[Any, Any] | None:
        return None

    def rank_threshold(
        self, similarity: float | np.ndarray, q: Rows, qi: slice | np.ndarray
    ) -> np.ndarray | None:
        s = np.asarray(similarity, dtype=np.float64)
        sq = -np.square(np.minimum(s, 0.0))
        out = super().rank_threshold(sq, q, qi)
        return np.where(s > 0, np.inf, out)


# ------------------------------------------------------------------------------------
# User functions
# ------------------------------------------------------------------------------------
class CallableMeasure(SimilarityMeasure):
    """Wrap a user function ``f(X, Y, **params) -> similarities`` (slow path).

    The function is called once per tile with the raw rows (and once per
    pair when re-scoring); nothing is folded into a matrix product. Its
    values are taken as exact.

    Parameters
    ----------
    func : callable
        ``func(X, Y, **params)`` returning an array of shape
        ``(n_samples_X, n_samples_Y)``, larger meaning more similar.

    name : str, default=None
        Name to register it under; defaults to ``func.__name__``.

    distance : {"negative", "one_minus"}, default="negative"
        Distance reported by estimators: ``-s`` or ``1 - s``.

    **params : dict
        Keyword arguments passed to `func`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.metrics import CallableMeasure
    >>> from sklearn_cosim.metrics.pairwise import pairwise_distances
    >>> def manhattan_similarity(X, Y):
    ...     return -np.abs(X[:, None, :] - Y[None, :, :]).sum(axis=-1)
    >>> measure = CallableMeasure(manhattan_similarity)
    >>> pairwise_distances([[0.0, 0.0], [1.0, 2.0]], metric=measure)
    array([[0., 3.],
           [3., 0.]])
    """

    inner_product_form = False

    def __init__(
        self,
        func: Callable[..., Any],
        name: str | None = None,
        distance: str = "negative",
        **params: Any,
    ) -> None:
        if not callable(func):
            raise ValueError(f"func must be callable, got {type(func).__name__}.")
        if distance not in ("negative", "one_minus"):
            raise ValueError(
                f"distance must be 'negative' or 'one_minus', got {distance!r}."
            )
        self.func = func
        self.name = name or getattr(func, "__name__", "callable")
        self.distance_kind = distance
        self.params = dict(params)

    def check_params(self, params: dict) -> dict:
        return dict(params or {})

    def _call(self, A, B):
        out = self.func(A, B, **self.params)
        if sparse.issparse(out):
            raise ValueError(
                f"The metric callable {self.name!r} returned a sparse matrix; it "
                "must return a dense array of similarities (e.g. call .toarray())."
            )
        out = np.asarray(out, dtype=np.float64)
        if out.shape != (A.shape[0], B.shape[0]):
            raise ValueError(
                f"The metric callable {self.name!r} returned shape {out.shape}, "
                f"expected {(A.shape[0], B.shape[0])}."
            )
        if not np.all(np.isfinite(out)):
            raise ValueError(
                f"The metric callable {self.name!r} returned NaN or infinity."
            )
        return out

    def scorer(
        self, q: Rows, c: Rows, qs: slice, *, self_query: bool = False
    ) -> "_CallableScorer":
        return _CallableScorer(self, q, c, qs)

    def pairs(self, q: Rows, c: Rows, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        out = np.empty(len(i), dtype=np.float64)
        for t in range(len(i)):
            out[t] = self._call(q.X[i[t] : i[t] + 1], c.X[j[t] : j[t] + 1])[0, 0]
        return out

    def similarity(
        self,
        G: np.ndarray,
        q: Rows,
        c: Rows,
        qi: slice | np.ndarray,
        cj: slice | np.ndarray,
    ) -> np.ndarray:
        raise NotImplementedError("CallableMeasure scores through its function.")


class _CallableScorer:
    """The user function on whole tiles (its values are exact)."""

    def __init__(
        self, measure: "SimilarityMeasure", q: Rows, c: Rows, qs: slice
    ) -> None:
        self.measure, self.q, self.c, self.qs = measure, q, c, qs
        self.n_rows = qs.stop - qs.start
        self.slack = np.zeros(self.n_rows)

    def scores(self, cs: slice, out: np.ndarray | None = None) -> np.ndarray:
        return self.measure._call(self.q.X[self.qs], self.c.X[cs])

    def similarities(self, cs: slice) -> np.ndarray:
        return self.scores(cs)

    def pair_similarity(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return self.measure.pairs(self.q, self.c, i + self.qs.start, j)

    def rank_threshold(self, similarity: float | np.ndarray) -> np.ndarray | None:
        return np.broadcast_to(
            np.asarray(similarity, dtype=np.float64), (self.n_rows,)
        ).copy()
