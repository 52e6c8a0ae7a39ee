"""The package ships type information (PEP 561) for its public signatures."""

import inspect
from importlib.resources import files

import pytest

from sklearn_cosim.utils.discovery import all_estimators, all_functions

#: Modules being rewritten elsewhere; their signatures get annotated there.
_NOT_YET_ANNOTATED = (
    "sklearn_cosim.metrics._measures",
    "sklearn_cosim.metrics.pairwise",
    "sklearn_cosim.neighbors._base",
    "sklearn_cosim.diagnostics._k_occurrence",
    "sklearn_cosim.model_selection._classifier",
    "sklearn_cosim.model_selection._compare",
    "sklearn_cosim.model_selection._plot",
    "sklearn_cosim.adapters",
)


def _public_callables():
    for name, func in all_functions():
        yield name, inspect.unwrap(func)
    for name, cls in all_estimators():
        for attr, member in vars(cls).items():
            public = not attr.startswith("_") or attr == "__init__"
            if public and inspect.isfunction(member):
                yield f"{name}.{attr}", inspect.unwrap(member)


_CALLABLES = [
    pytest.param(func, id=name)
    for name, func in _public_callables()
    if not func.__module__.startswith(_NOT_YET_ANNOTATED)
]


def test_py_typed_marker_is_shipped():
    assert files("sklearn_cosim").joinpath("py.typed").is_file()


@pytest.mark.parametrize("func", _CALLABLES)
def test_public_signature_is_annotated(func):
    signature = inspect.signature(func)
    missing = [
        name
        for name, parameter in signature.parameters.items()
        if name != "self" and parameter.annotation is inspect.Parameter.empty
    ]
    assert not missing, f"{func.__qualname__}: parameters without annotation {missing}"
    assert signature.return_annotation is not inspect.Signature.empty, (
        f"{func.__qualname__} has no return annotation"
    )
