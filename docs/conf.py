"""Sphinx configuration of the fastoptim documentation.

Build (from the repository root, after ``pip install -e ".[docs]"``)::

    python -m sphinx -W -b html docs docs/_build/html

The API reference is generated from the numpydoc docstrings (autodoc + autosummary);
the user guide is Markdown (MyST), one page per part of the library; the gallery shows
the pictures of ``examples/gallery.py``.  The build needs no network (no intersphinx).
"""
import fastoptim

project = "fastoptim"
author = "the fastoptim developers"
copyright = "2026, the fastoptim developers"
release = fastoptim.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
root_doc = "index"

# the API pages: one per object, written by autosummary from the docstrings
autosummary_generate = True
autosummary_imported_members = True
# the methods the estimators inherit from their private bases (fit, predict, score, ...)
# are theirs; the built-in exceptions' are not
autodoc_default_options = {"members": True, "inherited-members": "BaseException,object"}
autodoc_typehints = "none"  # the numpydoc Parameters sections say the types in words
autodoc_member_order = "bysource"
# numpydoc: the sections of the docstrings; members are listed by autodoc, not numpydoc
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

html_theme = "alabaster"
html_title = f"fastoptim {release}"
html_theme_options = {
    "description": "Fast, exactly-right optimizers and the models they train",
    "page_width": "1100px",
    "sidebar_width": "230px",
}
