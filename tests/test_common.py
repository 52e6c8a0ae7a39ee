"""Every public estimator passes scikit-learn's common checks."""

import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    parametrize_with_checks,
)

from sklearn_cosim.utils.discovery import all_estimators

#: Constructor parameters some estimators need for the checks, with the reason.
INIT_PARAMS = {
    # the checks' 2-column X makes 1-D embeddings, whose cosine is always +-1:
    # no threshold can be tuned on a constant; their dot product varies
    "PairedSimilarityClassifier": {"metric": "dot"},
}

#: Checks an estimator is expected to fail: {class name: {check: reason}}.
#: Every entry is debt to pay back.
_PAIRS_NEED_EVEN_WIDTH = (
    "X is [u | v] and needs an even number of columns, but the check uses 3 "
    "or 5 features; tests/model_selection/test_paired.py checks the same "
    "contract on even widths"
)
_NOT_PAIRS = (
    "the check's points are not pairs: the similarity of the two halves of a "
    "blob point does not separate the blobs; tests/model_selection/"
    "test_classifier.py checks accuracy on pair data"
)
_RAW_SIMILARITY = (
    "decision_function is the raw similarity, compared with threshold_ rather "
    "than 0 (as TunedThresholdClassifierCV.decision_function); "
    "test_classifier.py checks predict against it"
)
#: Checks that fit on 3 or 5 features, which cannot be pairs [u | v].
_ODD_WIDTH_CHECKS = dict.fromkeys(
    [
        "check_fit_score_takes_y",
        "check_dont_overwrite_parameters",
        "check_estimators_dtypes",
        "check_pipeline_consistency",
        "check_estimators_nan_inf",
        "check_estimators_pickle",
        "check_estimators_pickle(readonly_memmap=True)",
        "check_f_contiguous_array_estimator",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_dict_unchanged",
        "check_fit2d_predict1d",
    ],
    _PAIRS_NEED_EVEN_WIDTH,
)
EXPECTED_FAILED_CHECKS = {
    "LinearAutoencoder": {
        "check_transformer_n_iter": (
            "max_iter bounds the L-BFGS of loss='cosine'; the default "
            "loss='squared' is a closed form and reports n_iter_=0. "
            "LinearAutoencoder(loss='cosine') passes this check in "
            "tests/decomposition/test_linear_autoencoder.py"
        ),
    },
    "PairedSimilarity": _ODD_WIDTH_CHECKS,
    "PairedSimilarityClassifier": {
        **_ODD_WIDTH_CHECKS,
        "check_supervised_y_2d": _PAIRS_NEED_EVEN_WIDTH,
        "check_classifiers_train": _NOT_PAIRS,
        "check_classifiers_train(readonly_memmap=True)": _NOT_PAIRS,
        "check_classifiers_train(readonly_memmap=True,X_dtype=float32)": _NOT_PAIRS,
        "check_classifiers_classes": _RAW_SIMILARITY,
    },
}


def _instances():
    return [Est(**INIT_PARAMS.get(name, {})) for name, Est in all_estimators()]


def test_estimators_are_discovered():
    names = {name for name, _ in all_estimators()}
    assert {
        "SimilarityNeighbors",
        "SimilarityKNeighborsClassifier",
        "SimilarityKNeighborsRegressor",
        "SimilarityKNeighborsTransformer",
    } <= names


@parametrize_with_checks(
    _instances(),
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(
        type(est).__name__, {}
    ),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def _approximate_instances():
    """Estimators on the approximate backends that are installed."""
    from importlib.util import find_spec

    from sklearn_cosim.neighbors import (
        SimilarityKNeighborsClassifier,
        SimilarityNeighbors,
    )

    out = []
    if find_spec("faiss") is not None:
        out.append(
            SimilarityNeighbors(algorithm="faiss", algorithm_params={"index": "Flat"})
        )
    if find_spec("hnswlib") is not None:
        out.append(SimilarityKNeighborsClassifier(algorithm="hnswlib"))
    return out


@parametrize_with_checks(_approximate_instances())
def test_approximate_estimators_pass_the_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name, Est", all_estimators())
def test_docstring_has_example(name, Est):
    assert ">>>" in (Est.__doc__ or ""), f"{name} has no doctest example"


@pytest.mark.parametrize("estimator", _instances(), ids=lambda est: type(est).__name__)
def test_dataframe_column_names_consistency(estimator):
    # Not among the checks parametrize_with_checks yields in scikit-learn 1.9:
    # fitting on a DataFrame sets feature_names_in_, and columns renamed,
    # reordered or dropped at predict/transform time are refused.
    pytest.importorskip("pandas")
    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)
