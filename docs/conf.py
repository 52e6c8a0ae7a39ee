"""Sphinx configuration of the sklearn_cosim documentation."""

import os
import socket
import sys
from importlib.metadata import version as _version
from urllib.parse import urlsplit

from sphinx.util import logging
from sphinx.util.nodes import get_node_source

sys.path.insert(0, os.path.abspath(".."))

project = "sklearn-cosim"
author = "The sklearn_cosim developers"
copyright = "2026, The sklearn_cosim developers"
release = _version("sklearn_cosim")
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "matplotlib.sphinxext.plot_directive",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# the numpydoc docstrings describe each parameter; the annotations (for static
# checkers) would only repeat them, less precisely, in the signatures
autodoc_typehints = "none"
default_role = "literal"

html_theme = "pydata_sphinx_theme"
html_title = "sklearn-cosim"


def _issue_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:issue:`N``` renders as "#N" (the tracker has no public URL)."""
    from docutils import nodes

    return [nodes.Text(f"#{text}")], []


# -- Links to other projects' documentation ----------------------------------
# Online, intersphinx links names such as :class:`sklearn.pipeline.Pipeline`
# and scikit-learn's glossary terms (:term:`fit`) to their documentation.
# Offline the inventories cannot be fetched: the projects that cannot be
# reached are left out (no warning), and the references only they could
# resolve render as plain text (see `_unlinked_external_reference`), so that
# ``sphinx -W`` passes with and without a network. SKLEARN_COSIM_DOCS_OFFLINE=1
# forces the offline build, =0 the online one; unset, each host is probed.

_INTERSPHINX = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
}


def _reachable(url, timeout=3.0):
    """Whether a TCP connection to the host of `url` opens within `timeout`."""
    try:
        with socket.create_connection((urlsplit(url).hostname, 443), timeout):
            return True
    except OSError:
        return False


_OFFLINE_SWITCH = os.environ.get("SKLEARN_COSIM_DOCS_OFFLINE", "").strip()
if _OFFLINE_SWITCH not in ("", "0", "1"):
    raise ValueError(
        "SKLEARN_COSIM_DOCS_OFFLINE must be 1 (offline build), 0 (online "
        f"build) or unset (probe the network); got {_OFFLINE_SWITCH!r}."
    )
intersphinx_mapping = {
    name: target
    for name, target in _INTERSPHINX.items()
    if _OFFLINE_SWITCH == "0" or (_OFFLINE_SWITCH == "" and _reachable(target[0]))
}
intersphinx_timeout = 10
_UNREACHABLE = sorted(set(_INTERSPHINX) - set(intersphinx_mapping))


def _unlinked_external_reference(app, env, node, contnode):
    """Offline, render a reference meant for another project as plain text.

    Runs after intersphinx (so online it only sees genuinely broken
    references, which keep their warning). Offline it takes glossary terms
    (this documentation has no glossary: every ``:term:`` is scikit-learn's)
    and the ``:ref:`` labels of docstrings inherited from other projects
    (``set_output``, ``score``, ...). Our own labels are never silenced.
    """
    if not _UNREACHABLE or node.get("refdomain") != "std":
        return None
    if node.get("reftype") == "term":
        return contnode
    try:
        source = get_node_source(node)
    except ValueError:  # a node without a source is one of ours
        return None
    if node.get("reftype") == "ref" and "docstring of " in source:
        owner = source.rsplit("docstring of ", 1)[1]
        if not owner.startswith("sklearn_cosim."):
            return contnode
    return None


def _say_offline(app):
    if _UNREACHABLE:
        logging.getLogger(__name__).info(
            "intersphinx: %s not reachable (or SKLEARN_COSIM_DOCS_OFFLINE=1); "
            "references to them are rendered without links.",
            ", ".join(_UNREACHABLE),
        )


def setup(app):
    app.add_role("issue", _issue_role)
    app.connect("builder-inited", _say_offline)
    # after intersphinx's own handler (priority 500)
    app.connect("missing-reference", _unlinked_external_reference, priority=900)


# -- Figures built from the library (matplotlib's plot directive) ------------
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 96)]
plot_pre_code = "import numpy as np\nimport matplotlib.pyplot as plt\n"
plot_rcparams = {"figure.figsize": (6.4, 3.6), "figure.dpi": 96}

# -- Gallery -------------------------------------------------------------------
# Every example runs by default. SKLEARN_COSIM_DOCS_EXAMPLES=<regex> runs only the
# examples whose path matches it (e.g. "plot_similarity_search" while writing
# one); ``-D plot_gallery=0`` runs none (the pages are built without output).

sphinx_gallery_conf = {
    "doc_module": "sklearn_cosim",
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "backreferences_dir": "generated",
    "reference_url": {"sklearn_cosim": None},
    "filename_pattern": os.environ.get("SKLEARN_COSIM_DOCS_EXAMPLES", "/plot_"),
}
