"""The examples of documentation pages run (doctest of the reStructuredText files)."""

import doctest
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[1] / "docs"
PAGES = [
    DOCS / "developers" / "measures.rst",
    DOCS / "user_guide" / "large_corpora.rst",
]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_page_examples_run(page):
    if not page.exists():
        pytest.skip("docs are not in this checkout")
    result = doctest.testfile(
        str(page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 5
    assert result.failed == 0
