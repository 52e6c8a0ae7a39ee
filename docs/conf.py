"""Sphinx configuration of the sklearn_cosim documentation."""

import os
import sys
from importlib.metadata import version as _version

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
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
default_role = "literal"

html_theme = "pydata_sphinx_theme"
html_title = "sklearn-cosim"


def _issue_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:issue:`N``` renders as "#N" (the tracker has no public URL)."""
    from docutils import nodes

    return [nodes.Text(f"#{text}")], []


def setup(app):
    app.add_role("issue", _issue_role)


intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
}

sphinx_gallery_conf = {
    "doc_module": "sklearn_cosim",
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "backreferences_dir": "generated",
    "reference_url": {"sklearn_cosim": None},
    "filename_pattern": "/plot_",
}
