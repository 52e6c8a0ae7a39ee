"""One-call report of the hubness, anisotropy and frequency bias of a space."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils import check_array

from sklearn_cosim.diagnostics._anisotropy import (
    isotropy_score,
    mean_cosine_similarity,
    partition_isotropy_score,
)
from sklearn_cosim.diagnostics._frequency import (
    frequency_bias,
    norm_frequency_correlation,
)
from sklearn_cosim.diagnostics._k_occurrence import _all_measures, _counts
from sklearn_cosim.metrics._base import SimilarityMeasure
from sklearn_cosim.neighbors._hubness import HUBNESS_METHODS
from sklearn_cosim.utils._linalg import pow2_scale, row_norms64
from sklearn_cosim.utils._param_validation import (
    Interval,
    StrOptions,
    validate_params,
)
from sklearn_cosim.utils._typing import (
    ArrayLike,
    MatrixLike,
    MetricLike,
    RandomStateLike,
)


class EmbeddingReport(dict):
    """A plain ``dict`` of diagnostics that prints as a two-column table.

    Examples
    --------
    >>> from sklearn_cosim.diagnostics._report import EmbeddingReport
    >>> print(EmbeddingReport({"n_samples": 3, "k_skewness": 0.51234}))
    measure     value
    ----------  ------
    n_samples   3
    k_skewness  0.5123
    """

    def to_string(self) -> str:
        """The report as a text table (floats with 4 significant digits).

        Returns
        -------
        table : str
            The table.
        """
        cells = [(str(key), _format(value)) for key, value in self.items()]
        width_key = max([len("measure")] + [len(k) for k, _ in cells])
        width_val = max([len("value")] + [len(v) for _, v in cells])
        lines = [
            f"{'measure':<{width_key}}  {'value':<{width_val}}".rstrip(),
            f"{'-' * width_key}  {'-' * width_val}",
        ]
        lines += [f"{k:<{width_key}}  {v}".rstrip() for k, v in cells]
        return "\n".join(lines)

    def __str__(self):
        return self.to_string()


def _format(value):
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    return str(value)


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "metric": [str, callable, SimilarityMeasure],
        "metric_params": [dict, None],
        "hubness": [StrOptions(set(HUBNESS_METHODS)), None],
        "hubness_params": [dict, None],
        "frequencies": ["array-like", None],
        "hub_size": [Interval(Real, 0, None, closed="neither")],
        "max_samples": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "as_frame": ["boolean"],
    },
    prefer_skip_nested_validation=False,
)
def embedding_report(
    X: MatrixLike,
    *,
    n_neighbors: int = 10,
    metric: MetricLike = "cosine",
    metric_params: dict | None = None,
    hubness: str | None = None,
    hubness_params: dict | None = None,
    frequencies: ArrayLike | None = None,
    hub_size: float = 2,
    max_samples: int | None = None,
    random_state: RandomStateLike = None,
    n_jobs: int | None = None,
    as_frame: bool = False,
) -> Any:
    """Hubness, anisotropy, isotropy and frequency bias of an embedding space.

    One neighbour search (the engine of
    :class:`~sklearn_cosim.neighbors.SimilarityNeighbors`, self excluded)
    gives every hubness measure; the anisotropy measures need one or two
    passes over `X` and no ``n x n`` matrix.

    Read more in the :ref:`User Guide <diagnostics>`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Embeddings, or with ``metric="precomputed"`` a sparse k-neighbours
        graph (then only the hubness measures are reported).

    n_neighbors : int, default=10
        Size of the neighbour lists.

    metric : str, SimilarityMeasure or callable, default="cosine"
        Similarity measure of the neighbour search, or ``"precomputed"``.

    metric_params : dict, default=None
        Parameters of the measure.

    hubness : str, default=None
        Hubness reduction of the neighbour search (see
        :class:`~sklearn_cosim.neighbors.SimilarityNeighbors`).

    hubness_params : dict, default=None
        Its parameters.

    frequencies : array-like of shape (n_samples,), default=None
        Positive item frequencies; adds the norm-frequency correlation and
        the frequency-bias check.

    hub_size : float, default=2
        Hub threshold (``N_k >= hub_size * k``).

    max_samples : int, default=None
        Rows used for the mean cosine similarity (None: all, exact).

    random_state : int, RandomState instance or None, default=None
        Seed of the `max_samples` subset.

    n_jobs : int, default=None
        Threads of the neighbour search.

    as_frame : bool, default=False
        Return a one-column :class:`pandas.DataFrame` (needs pandas).

    Returns
    -------
    report : dict or pandas.DataFrame
        A ``dict`` (printing as a table) of ``n_samples``, ``n_features``,
        ``n_neighbors``, ``metric``, the measures of
        :func:`hubness_measures`, ``mean_cosine_similarity``,
        ``partition_isotropy``, ``isoscore``, ``mean_norm``, ``std_norm``
        and, with `frequencies`, ``norm_frequency_spearman`` and the
        entries of :func:`frequency_bias` prefixed by ``frequency_bias_``.
        ``isoscore`` is NaN when `X` has fewer than two rows or columns,
        where :func:`isotropy_score` is not defined.

    See Also
    --------
    hubness_measures : The hubness part only.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_cosim.diagnostics import embedding_report
    >>> rng = np.random.default_rng(0)
    >>> report = embedding_report(rng.standard_normal((200, 16)) + 2.0)
    >>> report["n_samples"], report["n_neighbors"]
    (200, 10)
    >>> bool(report["mean_cosine_similarity"] > 0.5)
    True
    """
    precomputed = isinstance(metric, str) and metric == "precomputed"
    N, k, n_query = _counts(
        X, n_neighbors, metric, metric_params, hubness, hubness_params, n_jobs
    )
    report = EmbeddingReport()
    report["n_samples"] = int(len(N))
    if not precomputed:
        X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32])
        report["n_features"] = int(X.shape[1])
    report["n_neighbors"] = int(k)
    report["metric"] = metric if isinstance(metric, str) else repr(metric)
    if hubness is not None:
        report["hubness"] = hubness
    report.update(_all_measures(N, k, n_query, hub_size))
    if not precomputed:
        report["mean_cosine_similarity"] = mean_cosine_similarity(
            X, max_samples=max_samples, random_state=random_state
        )
        report["partition_isotropy"] = partition_isotropy_score(X)
        report["isoscore"] = (
            isotropy_score(X) if X.shape[1] >= 2 and X.shape[0] >= 2 else float("nan")
        )
        norms = row_norms64(X)  # right also for finite but huge or tiny rows
        scale = pow2_scale(norms.max(initial=0.0))
        report["mean_norm"] = float((norms * scale).mean() / scale)
        report["std_norm"] = float((norms * scale).std() / scale)
        if frequencies is not None:
            report["norm_frequency_spearman"] = norm_frequency_correlation(
                X, frequencies
            )
            bias = frequency_bias(
                X,
                frequencies,
                n_neighbors=n_neighbors,
                metric=metric,
                metric_params=metric_params,
                n_jobs=n_jobs,
            )
            for key, value in bias.items():
                report[f"frequency_bias_{key}"] = value
    elif frequencies is not None:
        raise ValueError(
            "frequencies needs the vectors; it cannot be used with "
            "metric='precomputed'."
        )
    if as_frame:
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is optional
            raise ImportError("as_frame=True needs pandas installed.") from exc
        return pd.DataFrame({"value": pd.Series(dict(report), dtype=object)})
    return report
