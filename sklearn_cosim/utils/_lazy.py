"""Lazy import of subpackages (PEP 562)."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib
import sys


def attach(package_name, submodules):
    """Return the ``__getattr__`` and ``__dir__`` of a package importing lazily.

    ``import package`` then costs only the package's ``__init__``; each
    submodule is imported the first time it is used (``package.submodule``),
    after which Python's import system keeps it in the package's namespace, so
    later look-ups are plain attribute reads. ``import package.submodule`` and
    ``from package.submodule import name`` work as with eager imports.

    Parameters
    ----------
    package_name : str
        The package's ``__name__``.
    submodules : iterable of str
        Submodules (and subpackages) imported on first access.

    Returns
    -------
    __getattr__ : callable
        The package's module-level ``__getattr__`` (PEP 562).
    __dir__ : callable
        The package's module-level ``__dir__``: its public API (``__all__``
        and the submodules) whether loaded yet or not, for ``dir()`` and
        autocompletion.
    """
    submodules = frozenset(submodules)

    def __getattr__(name):
        if name in submodules:
            return importlib.import_module(f"{package_name}.{name}")
        raise AttributeError(f"module {package_name!r} has no attribute {name!r}")

    def __dir__():
        public = getattr(sys.modules[package_name], "__all__", ())
        return sorted(set(public) | submodules)

    return __getattr__, __dir__
