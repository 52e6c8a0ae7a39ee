"""Discovery of the public estimators and functions of the library."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib
import inspect
from collections.abc import Callable

from sklearn.base import BaseEstimator

#: Subpackages whose ``__all__`` lists public objects.
PUBLIC_MODULES = (
    "sklearn_cosim.adapters",
    "sklearn_cosim.datasets",
    "sklearn_cosim.decomposition",
    "sklearn_cosim.diagnostics",
    "sklearn_cosim.metrics",
    "sklearn_cosim.metrics.pairwise",
    "sklearn_cosim.model_selection",
    "sklearn_cosim.neighbors",
    "sklearn_cosim.preprocessing",
    "sklearn_cosim.text",
)


def _public_objects():
    seen = {}
    for module_name in PUBLIC_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # a subpackage not written yet
                continue
            raise
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            seen.setdefault(name, (module_name, obj))
    return sorted((name, mod, obj) for name, (mod, obj) in seen.items())


def all_estimators() -> list[tuple[str, type]]:
    """Public estimator classes of the library, sorted by name.

    Returns
    -------
    estimators : list of (str, type)
        ``(name, class)`` pairs.

    Examples
    --------
    >>> from sklearn_cosim.utils.discovery import all_estimators
    >>> ("SimilarityNeighbors" in dict(all_estimators()))
    True
    """
    return [
        (name, obj)
        for name, _, obj in _public_objects()
        if inspect.isclass(obj)
        and issubclass(obj, BaseEstimator)
        and not inspect.isabstract(obj)
    ]


def all_functions() -> list[tuple[str, Callable]]:
    """Public functions of the library, sorted by name.

    Returns
    -------
    functions : list of (str, callable)
        ``(name, function)`` pairs.

    Examples
    --------
    >>> from sklearn_cosim.utils.discovery import all_functions
    >>> ("cosine_similarity" in dict(all_functions()))
    True
    """
    return [
        (name, obj) for name, _, obj in _public_objects() if inspect.isfunction(obj)
    ]
