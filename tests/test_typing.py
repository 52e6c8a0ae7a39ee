"""The package ships type information (PEP 561) for its public signatures."""

import importlib
import inspect
from importlib.resources import files

import pytest

from sklearn_cosim.utils.discovery import all_estimators, all_functions

#: Modules whose public classes (not estimators) are part of the API: the
#: measure protocol.
_CLASS_MODULES = (
    "sklearn_cosim.metrics._base",
    "sklearn_cosim.metrics._measures",
    "sklearn_cosim.metrics._soft_cosine",
)


def _public_methods(name, cls):
    """Public methods of `cls` and of the package's classes it inherits from."""
    seen = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("sklearn_cosim"):
            continue
        for attr, member in vars(klass).items():
            public = not attr.startswith("_") or attr == "__init__"
            if public and inspect.isfunction(member) and attr not in seen:
                seen.add(attr)
                yield f"{name}.{attr}", inspect.unwrap(member)


def _public_callables():
    for name, func in all_functions():
        yield name, inspect.unwrap(func)
    for name, cls in all_estimators():
        yield from _public_methods(name, cls)
    for module_name in _CLASS_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj):
                yield from _public_methods(name, obj)


_CALLABLES = [pytest.param(func, id=name) for name, func in _public_callables()]


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
