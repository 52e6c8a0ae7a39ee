"""The developer page's examples run (doctest of the reStructuredText file)."""

import doctest
from pathlib import Path

import pytest

PAGE = Path(__file__).parents[1] / "docs" / "developers" / "measures.rst"


@pytest.mark.skipif(not PAGE.exists(), reason="docs are not in this checkout")
def test_writing_a_measure_page():
    result = doctest.testfile(
        str(PAGE),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 5
    assert result.failed == 0
