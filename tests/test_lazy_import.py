"""``import sklearn_cosim`` is cheap: the subpackages load on first use."""

import subprocess
import sys

import pytest

import sklearn_cosim


def _run(code):
    """Run `code` in a fresh interpreter (nothing imported yet) and return stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_import_loads_no_subpackage_and_not_scikit_learn():
    loaded = _run(
        "import sys, sklearn_cosim; "
        "print(*sorted(m for m in sys.modules "
        "if m.startswith(('sklearn', 'scipy', 'numpy'))))"
    )
    # only the package itself and the tiny helper it needs
    assert loaded == [
        "sklearn_cosim",
        "sklearn_cosim.utils",
        "sklearn_cosim.utils._lazy",
    ]


def test_subpackage_loads_on_attribute_access():
    loaded = _run(
        "import sys, sklearn_cosim; sklearn_cosim.preprocessing.Whitener; "
        "print('sklearn_cosim.preprocessing' in sys.modules, "
        "'sklearn_cosim.neighbors' in sys.modules)"
    )
    assert loaded == ["True", "False"]


@pytest.mark.parametrize("name", sklearn_cosim.__all__[1:])
def test_every_subpackage_is_reachable_and_listed(name):
    import importlib

    module = getattr(sklearn_cosim, name)
    assert module is importlib.import_module(f"sklearn_cosim.{name}")
    assert name in dir(sklearn_cosim)
    assert name in sklearn_cosim.__all__


def test_dir_is_the_public_api():
    assert dir(sklearn_cosim) == sorted(sklearn_cosim.__all__)


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'no_such_thing'"):
        sklearn_cosim.no_such_thing
    assert not hasattr(sklearn_cosim, "utilities")


def test_from_import_of_a_public_name():
    from sklearn_cosim.neighbors import SimilarityNeighbors
    from sklearn_cosim.preprocessing import Whitener

    assert SimilarityNeighbors.__module__.startswith("sklearn_cosim.neighbors")
    assert Whitener.__module__.startswith("sklearn_cosim.preprocessing")
