"""GridSearchCV over the library's pipelines through joblib's Dask backend."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

distributed = pytest.importorskip("distributed")

import joblib  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from sklearn_cosim.neighbors import SimilarityKNeighborsClassifier  # noqa: E402
from sklearn_cosim.preprocessing import Whitener  # noqa: E402


def test_grid_search_on_dask_backend_equals_sequential():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 5)) * [3.0, 1.0, 1.0, 0.3, 0.1] + 2.0
    y = (X[:, 1] + X[:, 3] > 2.3).astype(int)
    pipe = make_pipeline(Whitener(), SimilarityKNeighborsClassifier(n_neighbors=5))
    grid = {
        "whitener__n_components": [None, 2],
        "similaritykneighborsclassifier__metric": ["cosine", "euclidean"],
        "similaritykneighborsclassifier__hubness": [None, "csls"],
    }
    cv = KFold(3, shuffle=True, random_state=0)
    sequential = GridSearchCV(pipe, grid, cv=cv).fit(X, y)
    with distributed.Client(
        processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0"
    ) as client:
        with (
            joblib.parallel_backend("dask"),
            distributed.get_task_stream(client) as stream,
        ):
            on_dask = GridSearchCV(pipe, grid, cv=cv, n_jobs=-1).fit(X, y)
    # the fits ran as tasks of the cluster
    assert len(stream.data) > 0
    assert on_dask.best_params_ == sequential.best_params_
    assert_allclose(
        on_dask.cv_results_["mean_test_score"],
        sequential.cv_results_["mean_test_score"],
    )
    # an independent check of one score: the best pipeline refitted by hand
    best = make_pipeline(Whitener(), SimilarityKNeighborsClassifier(n_neighbors=5))
    best.set_params(**on_dask.best_params_)
    scores = [best.fit(X[tr], y[tr]).score(X[te], y[te]) for tr, te in cv.split(X, y)]
    assert_allclose(on_dask.best_score_, np.mean(scores))
