"""The layering of the package (#18): who may import whom, read from the source with ``ast``.

:data:`LAYERS` is the layer table of the user guide's "Development and layout" page
(docs/guide/development.md, its "Layout" section) as data: a module may
import modules of its own layer or of lower ones, never higher; nothing but the package
face (``fastoptim/__init__.py``) takes names from ``fastoptim`` itself; and the graph of
every import (module level and inside functions alike) has no cycle.  Every module of the
package must sit in a layer, so a new module is placed on purpose.
"""
import ast
import pathlib
import re
import subprocess
import sys

import pytest

import fastoptim

PACKAGE = pathlib.Path(fastoptim.__file__).resolve().parent

#: (layer, what it is, the module prefixes in it), lowest first.  A prefix takes a module and
#: the modules below it (``fastoptim.optim`` takes ``fastoptim.optim.engine``).
LAYERS = (
    (0, "C glue", ("fastoptim._core",)),
    (1, "foundations", ("fastoptim._version", "fastoptim.exceptions", "fastoptim._validation",
                        "fastoptim._threads", "fastoptim._blas", "fastoptim._config")),
    (2, "objectives, kernels, data", ("fastoptim.losses", "fastoptim._moments",
                                      "fastoptim.kernels", "fastoptim.reference",
                                      "fastoptim.gradcheck", "fastoptim.datasets")),
    (3, "optimizers and the network engine", ("fastoptim.optim", "fastoptim._network")),
    (4, "dask adapter", ("fastoptim._dask",)),
    (5, "estimator base", ("fastoptim.base",)),
    (6, "estimators", ("fastoptim.linear_model", "fastoptim.svm", "fastoptim.kernel_ridge",
                       "fastoptim.neural_network")),
    (7, "applications", ("fastoptim.model_io", "fastoptim.plot", "fastoptim._cli",
                         "fastoptim.__main__")),
    (8, "package face", ("fastoptim",)),
)
ESTIMATOR_LAYER = 6
FACE = "fastoptim"


def layer_of(module):
    """The layer of a module: its longest matching prefix in LAYERS (the face matches only
    ``fastoptim`` itself)."""
    best = None
    for rank, _, prefixes in LAYERS:
        for prefix in prefixes:
            if prefix == FACE:
                if module == FACE:
                    return rank
                continue
            if (module == prefix or module.startswith(prefix + ".")) and (
                    best is None or len(prefix) > len(best[1])):
                best = (rank, prefix)
    return None if best is None else best[0]


def package_modules(root=PACKAGE):
    """module name -> (path, is a package) for every .py under root, and the Cython glue
    (its .pyx sources, or the compiled extensions of an installed copy)."""
    modules = {}
    paths = [p for ext in ("*.py", "*.pyx", "*.so", "*.pyd") for p in sorted(root.rglob(ext))]
    for path in paths:
        parts = path.relative_to(root.parent).parts
        parts = parts[:-1] + (parts[-1].split(".")[0],)  # _loss.cpython-311-x86_64-linux-gnu.so
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules.setdefault(name, (path, is_package))
    return modules


def imports_of(source, module, is_package, known):
    """The (target module, line) pairs of every import statement in ``source``, at any depth
    (module level, in functions, in branches).  ``from P import name`` targets the module
    ``P.name`` when there is one, else P (names taken from P's namespace)."""
    out = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.append((sub if sub in known else base, node.lineno))
    return [(target, line) for target, line in out
            if target == FACE or target.startswith(FACE + ".")]


def import_graph(root=PACKAGE):
    """source module -> list of (target module, line) of the package's own imports."""
    modules = package_modules(root)
    graph = {}
    for name, (path, is_package) in modules.items():
        if path.suffix != ".py":
            continue  # Cython: checked by test_cython_glue_imports_nothing_of_the_package
        graph[name] = imports_of(path.read_text(encoding="utf-8"), name, is_package, modules)
    return graph


def layering_errors(graph):
    """Every import that breaks the table: upward, into the face, or from an unplaced module."""
    errors = []
    for source, targets in sorted(graph.items()):
        rank = layer_of(source)
        if rank is None:
            errors.append(f"{source} is in no layer of LAYERS (place it in the table of "
                          f"docs/guide/development.md and here)")
            continue
        for target, line in targets:
            if target == source:
                continue
            if target == FACE and source != FACE:
                errors.append(f"{source}:{line} imports the package face `fastoptim`; import "
                              f"from the module that defines the name")
                continue
            target_rank = layer_of(target)
            if target_rank is None:
                errors.append(f"{source}:{line} imports {target}, which is in no layer")
            elif target_rank > rank:
                errors.append(f"{source}:{line} (layer {rank}) imports {target} (layer "
                              f"{target_rank}): an arrow upward")
    return errors


def find_cycle(graph):
    """One import cycle as a list of modules, or None (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target, _ in graph.get(node, ()):
            if target == node:
                continue
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


# -- the package as it is ------------------------------------------------------------------------

def test_every_module_is_in_a_layer():
    unplaced = [m for m in package_modules() if layer_of(m) is None]
    assert unplaced == []


def test_no_import_runs_upward_or_into_the_face():
    errors = layering_errors(import_graph())
    assert errors == [], "\n".join(errors)


def test_below_the_estimators_no_module_imports_an_estimator_or_the_face():
    """The issue's rule in its own words (implied by the layers, checked on its own)."""
    bad = []
    for source, targets in import_graph().items():
        if layer_of(source) >= ESTIMATOR_LAYER:
            continue
        for target, line in targets:
            if target == FACE or layer_of(target) >= ESTIMATOR_LAYER:
                bad.append(f"{source}:{line} -> {target}")
    assert bad == []


def test_the_import_graph_has_no_cycle():
    assert find_cycle(import_graph()) is None


def test_cython_glue_imports_nothing_of_the_package():
    """Layer 0: the .pyx modules import NumPy at most, nothing of fastoptim's Python layer."""
    pattern = re.compile(r"^\s*(?:from\s+(\S+)\s+import|import\s+(\S+))", re.M)
    bad = []
    for path in sorted((PACKAGE / "_core").glob("*.pyx")):
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            target = m.group(1) or m.group(2)
            if target.startswith((".", "fastoptim")) and "cimport" not in m.group(0):
                bad.append(f"{path.name}: {m.group(0).strip()}")
    assert bad == []


def test_the_guide_table_names_every_layer():
    """The guide's Layout section carries the same table (one row per layer, in order)."""
    readme = PACKAGE.parent / "docs" / "guide" / "development.md"
    if not readme.is_file():
        pytest.skip("docs/ is not next to the package (an installed copy)")
    text = readme.read_text(encoding="utf-8")
    rows = re.findall(r"^\|\s*(\d)\s*\|([^|]*)\|([^|]*)\|", text, re.M)
    assert [int(r[0]) for r in rows] == [rank for rank, _, _ in LAYERS]
    for (rank, what, prefixes), (_, text_what, text_modules) in zip(LAYERS, rows):
        assert what in text_what, rank
        for prefix in prefixes:
            shown = prefix.replace("fastoptim.", "").replace(".", "/")
            if prefix == FACE:
                shown = "__init__"
            assert shown in text_modules, (rank, prefix)


# -- the checker itself finds what it is meant to find -------------------------------------------

def _graph_of(sources):
    known = set(sources) | {"fastoptim.optim.engine", "fastoptim.linear_model._logistic"}
    return {name: imports_of(text, name, False, known) for name, text in sources.items()}


@pytest.mark.parametrize("source,text,expected", [
    ("fastoptim._validation", "import fastoptim\n", "imports the package face"),
    ("fastoptim.datasets._shared", "def f():\n    from .. import __version__\n",
     "imports the package face"),
    ("fastoptim._dask", "def f():\n    from .linear_model._logistic import x\n",
     "an arrow upward"),
    ("fastoptim.losses", "from .optim.engine import run_epoch\n", "an arrow upward"),
    ("fastoptim.newthing", "import numpy\n", "in no layer"),
])
def test_checker_reports_a_violation(source, text, expected):
    errors = layering_errors(_graph_of({source: text}))
    assert len(errors) == 1 and expected in errors[0], errors


def test_checker_allows_imports_downward_and_within_a_layer():
    graph = _graph_of({"fastoptim.svm._svc": "from ..base import x\nfrom ..kernels import k\n"
                                             "from ..linear_model._logistic import y\n",
                       "fastoptim._cli.train": "from ..model_io import save_model\n"})
    assert layering_errors(graph) == []


def test_checker_finds_a_cycle():
    graph = {"fastoptim.a": [("fastoptim.b", 1)], "fastoptim.b": [("fastoptim.c", 3)],
             "fastoptim.c": [("fastoptim.a", 7)], "fastoptim.d": [("fastoptim.a", 1)]}
    cycle = find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {
        "fastoptim.a", "fastoptim.b", "fastoptim.c"}
    del graph["fastoptim.c"]
    assert find_cycle(graph) is None


# -- what `import fastoptim` loads -----------------------------------------------------------------

OPTIONAL = ("dask", "distributed", "matplotlib", "sklearn", "pandas", "torch")


def test_import_fastoptim_loads_no_optional_dependency():
    """``python -X importtime -c "import fastoptim"`` (a fresh process): no module of dask,
    distributed, matplotlib, scikit-learn, pandas or torch is imported."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import fastoptim"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    names = [line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:") and line.count("|") == 2]
    assert "fastoptim" in names and len(names) > 50  # the report was read
    loaded = sorted({n for n in names if n.split(".")[0] in OPTIONAL})
    assert loaded == []
