"""numpydoc validation of every public class, method and function."""

import inspect

import pytest

from sklearn_cosim.utils.discovery import all_estimators, all_functions

numpydoc_validation = pytest.importorskip("numpydoc.validate")

#: Checks ignored everywhere, as scikit-learn's own test_docstrings does.
IGNORED = frozenset({"GL01", "GL02", "RT02"})
#: Checks ignored for methods (extended summary, See Also, examples).
IGNORED_METHODS = IGNORED | {"ES01", "SA01", "EX01"}


def _public_methods(cls):
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or not callable(member):
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not owner.__module__.startswith("sklearn_cosim"):
            continue  # inherited from scikit-learn: its docstrings, its checks
        yield f"{cls.__module__}.{cls.__qualname__}.{name}"


def _targets():
    for _, cls in all_estimators():
        yield f"{cls.__module__}.{cls.__qualname__}", IGNORED
        for method in _public_methods(cls):
            yield method, IGNORED_METHODS
    for _, func in all_functions():
        yield f"{func.__module__}.{func.__qualname__}", IGNORED


@pytest.mark.parametrize(
    "target, ignored",
    sorted(set(_targets())),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_docstring(target, ignored):
    result = numpydoc_validation.validate(target)
    errors = [(code, msg) for code, msg in result["errors"] if code not in ignored]
    assert not errors, "\n".join(f"{code}: {msg}" for code, msg in errors)
