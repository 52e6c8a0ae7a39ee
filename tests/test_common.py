"""Every public estimator passes scikit-learn's common checks."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_cosim.utils.discovery import all_estimators

#: Constructor parameters some estimators need for the checks, with the reason.
INIT_PARAMS = {}

#: Checks an estimator is expected to fail: {class name: {check: reason}}.
#: Every entry is debt to pay back.
EXPECTED_FAILED_CHECKS = {}


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


@pytest.mark.parametrize("name, Est", all_estimators())
def test_docstring_has_example(name, Est):
    assert ">>>" in (Est.__doc__ or ""), f"{name} has no doctest example"
