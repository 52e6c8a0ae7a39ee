"""The public API of sklearn_cosim.dask: docstrings, annotations, common checks."""

import inspect
import subprocess
import sys

import pytest

pytest.importorskip("dask.array")
pytest.importorskip("distributed")

from sklearn.utils.estimator_checks import parametrize_with_checks

import sklearn_cosim.dask as cosim_dask

numpydoc_validation = pytest.importorskip("numpydoc.validate")

ESTIMATORS = [getattr(cosim_dask, name) for name in cosim_dask.__all__]
IGNORED = frozenset({"GL01", "GL02", "RT02"})
IGNORED_METHODS = IGNORED | {"ES01", "SA01", "EX01"}


def _own_methods(cls):
    """Public methods defined in sklearn_cosim.dask itself."""
    for klass in cls.__mro__:
        if not klass.__module__.startswith("sklearn_cosim.dask"):
            continue
        for name, member in vars(klass).items():
            if not name.startswith("_") and inspect.isfunction(member):
                yield name, member


def _targets():
    for cls in ESTIMATORS:
        yield f"sklearn_cosim.dask.{cls.__name__}", IGNORED
        for name, _ in _own_methods(cls):
            yield f"sklearn_cosim.dask.{cls.__name__}.{name}", IGNORED_METHODS


@pytest.mark.parametrize("target, ignored", sorted(set(_targets())), ids=str)
def test_docstring(target, ignored):
    result = numpydoc_validation.validate(target)
    errors = [(code, msg) for code, msg in result["errors"] if code not in ignored]
    assert not errors, "\n".join(f"{code}: {msg}" for code, msg in errors)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_public_signatures_are_annotated(cls):
    for name, func in _own_methods(cls):
        signature = inspect.signature(func)
        missing = [
            p
            for p, parameter in signature.parameters.items()
            if p != "self" and parameter.annotation is inspect.Parameter.empty
        ]
        assert not missing, f"{cls.__name__}.{name}: {missing}"
        assert signature.return_annotation is not inspect.Signature.empty


def test_same_names_as_the_in_memory_estimators():
    from sklearn_cosim import neighbors, preprocessing

    for cls in ESTIMATORS:
        parent = getattr(neighbors, cls.__name__, None) or getattr(
            preprocessing, cls.__name__
        )
        assert issubclass(cls, parent)
        assert inspect.signature(cls) == inspect.signature(parent)


def test_import_sklearn_cosim_does_not_import_dask():
    code = (
        "import sys, sklearn_cosim, sklearn_cosim.neighbors, "
        "sklearn_cosim.preprocessing; print('dask' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False"]


def test_missing_dask_names_the_extra():
    code = (
        "import sys; sys.modules['dask'] = None; sys.modules['dask.array'] = None\n"
        "try:\n"
        "    import sklearn_cosim.dask\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert 'pip install "sklearn_cosim[dask]"' in out.stdout


# NumPy input runs the in-memory estimators: the same contract
@parametrize_with_checks([cls() for cls in ESTIMATORS])
def test_sklearn_common_checks(estimator, check):
    check(estimator)
