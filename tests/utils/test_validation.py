"""Dates and durations are refused where numbers are expected."""

import datetime

import numpy as np
import pytest
from scipy import sparse

from sklearn_cosim.diagnostics import frequency_bias, norm_frequency_correlation
from sklearn_cosim.neighbors import (
    SimilarityKNeighborsTransformer,
    SimilarityNeighbors,
)
from sklearn_cosim.utils.validation import check_no_datetime

DATES = np.arange(12).astype("datetime64[D]").reshape(6, 2)


@pytest.mark.parametrize(
    "X",
    [
        DATES,
        np.arange(12).astype("timedelta64[s]").reshape(6, 2),
        [[np.datetime64("2024-01-01"), np.datetime64("2024-01-02")]],
        [[datetime.date(2024, 1, 1)]],
        [datetime.timedelta(seconds=3)],
    ],
)
def test_dates_and_durations_are_refused(X):
    with pytest.raises(ValueError, match="X holds dates or durations"):
        check_no_datetime(X)


def test_dataframe_and_series_are_read_by_dtype():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"a": [1.0, 2.0], "when": pd.date_range("2024", periods=2)})
    with pytest.raises(ValueError, match="Z holds dates .*datetime64"):
        check_no_datetime(df, "Z")
    with pytest.raises(ValueError, match="dates or durations"):
        check_no_datetime(df["when"])
    assert check_no_datetime(df[["a"]]) is not None


@pytest.mark.parametrize(
    "X",
    [
        np.ones((3, 2)),
        np.ones((3, 2), dtype=np.float32),
        sparse.csr_matrix(np.eye(3)),
        [[1, 2], [3, 4]],
        [],
        [[]],
        "not an array",
    ],
)
def test_numbers_pass_unchanged(X):
    assert check_no_datetime(X) is X


@pytest.mark.parametrize(
    "call",
    [
        lambda: SimilarityNeighbors(n_neighbors=2).fit(DATES),
        lambda: SimilarityKNeighborsTransformer(n_neighbors=2).fit(DATES),
        lambda: (
            SimilarityKNeighborsTransformer(n_neighbors=2)
            .fit(np.ones((6, 2)) + np.eye(6, 2))
            .transform(DATES)
        ),
        lambda: norm_frequency_correlation(DATES, np.arange(1, 7)),
        lambda: norm_frequency_correlation(np.ones((6, 2)), DATES[:, 0]),
        lambda: frequency_bias(DATES, np.arange(1, 7), n_neighbors=2),
    ],
    ids=[
        "SimilarityNeighbors.fit",
        "SimilarityKNeighborsTransformer.fit",
        "SimilarityKNeighborsTransformer.transform",
        "norm_frequency_correlation-X",
        "norm_frequency_correlation-frequencies",
        "frequency_bias",
    ],
)
def test_entry_points_refuse_dates(call):
    with pytest.raises(ValueError, match="dates or durations"):
        call()
