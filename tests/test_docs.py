"""The documentation site builds with warnings as errors (issue 20, item 6), and every public
parameter has a description in its numpydoc docstring.

The build needs the ``docs`` extra (Sphinx, numpydoc, myst-parser; CI installs it) and a
source checkout (docs/ beside the package); it is skipped otherwise."""
import importlib
import inspect
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    for module in ("sphinx", "numpydoc", "myst_parser"):
        pytest.importorskip(module)
    if not (DOCS / "conf.py").is_file():
        pytest.skip("docs/ is not next to the package (an installed copy)")
    out = tmp_path_factory.mktemp("html")
    run = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-E", "-a", "-q", "-b", "html",
                          str(DOCS), str(out)], capture_output=True, text=True, timeout=900,
                         cwd=ROOT)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    return out


def _text(page):
    html = page.read_text(encoding="utf-8")
    html = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_the_site_builds_without_a_warning(built):
    for page in ("index.html", "gallery.html", "api/index.html", "guide/optimizers.html",
                 "guide/command-line.html", "guide/estimators.html", "guide/networks.html"):
        assert (built / page).is_file(), page


def test_the_api_reference_holds_the_docstrings(built):
    page = _text(built / "api" / "generated" / "fastoptim.LogisticRegression.html")
    # the constructor's parameters with their text, and the inherited public methods
    assert "Inverse penalty strength" in page and "validation_fraction" in page
    for method in ("fit", "partial_fit", "predict_proba", "decision_function", "score"):
        assert f"{method}(" in page, method
    for name in ("fastoptim.optim.Adam", "fastoptim.optim.schedules.ReduceOnPlateau",
                 "fastoptim.MLPClassifier", "fastoptim.datasets.load_csv",
                 "fastoptim.model_io.load_model", "fastoptim.plot.training_curves"):
        assert (built / "api" / "generated" / f"{name}.html").is_file(), name


def test_the_gallery_shows_every_picture(built):
    page = (built / "gallery.html").read_text(encoding="utf-8")
    shown = set(re.findall(r'<img[^>]+src="_images/([^"]+)"', page))
    assert {"fastoptim-usps.png", "sigmoid_momentum.png", "sparse_adaptive.png",
            "init_tanh.png", "init_relu.png", "lr_schedules.png", "batch_norm.png"} <= shown
    for name in shown:
        assert (built / "_images" / name).stat().st_size > 10_000, name


def test_the_guide_is_the_readme_s_sections(built):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in ("command-line", "losses", "optimizers", "estimators", "networks", "dask",
                 "build", "benchmarks", "development"):
        assert f"](docs/guide/{page}.md)" in readme, page  # linked from the README
    assert "../shared" not in readme  # nothing outside the repository


# -- every public parameter documented --------------------------------------------------------

PUBLIC_MODULES = ["fastoptim", "fastoptim.optim", "fastoptim.optim.schedules",
                  "fastoptim.optim.line_search", "fastoptim.optim.engine",
                  "fastoptim.optim.transforms", "fastoptim.losses", "fastoptim.plot",
                  "fastoptim.model_io", "fastoptim.datasets", "fastoptim.kernels",
                  "fastoptim.gradcheck", "fastoptim.exceptions", "fastoptim.linear_model",
                  "fastoptim.svm", "fastoptim.neural_network"]


def _described(doc):
    """{parameter name: has a description} of a numpydoc Parameters section."""
    if not doc:
        return {}
    lines = inspect.cleandoc(doc).splitlines()
    out, i = {}, 0
    while i < len(lines):
        heading = lines[i].strip() in ("Parameters", "Other Parameters")
        if heading and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
            i += 2
            while i < len(lines):
                line = lines[i]
                if line.strip() and not line.startswith(" ") and i + 1 < len(lines) \
                        and lines[i + 1].strip() and set(lines[i + 1].strip()) == {"-"}:
                    break  # the next section
                if line and not line.startswith(" "):
                    j, text = i + 1, []
                    while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
                        text += [lines[j]] if lines[j].strip() else []
                        j += 1
                    for name in line.split(" : ")[0].split(","):
                        out[name.strip().lstrip("*")] = bool(text)
                    i = j
                    continue
                i += 1
            continue
        i += 1
    return out


def _parameters(function):
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return []
    return [n for n in names if n not in ("self", "cls")]


def _public_callables():
    seen = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.ismodule(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            if inspect.isclass(obj):
                if obj.__init__ is not object.__init__ and not issubclass(obj, BaseException):
                    yield f"{module_name}.{name}", _parameters(obj), obj.__doc__
                for klass in obj.__mro__:
                    if not klass.__module__.startswith("fastoptim"):
                        continue
                    for attr, member in vars(klass).items():
                        if attr.startswith("_") or (klass is not obj and attr in vars(obj)):
                            continue
                        method = getattr(obj, attr, None)
                        if callable(method) and not inspect.isclass(method) \
                                and id(member) not in seen:
                            seen.add(id(member))
                            yield (f"{klass.__module__}.{klass.__name__}.{attr}",
                                   _parameters(method), method.__doc__)
            elif callable(obj):
                yield f"{module_name}.{name}", _parameters(obj), obj.__doc__


def test_every_public_parameter_is_described():
    missing = []
    for where, params, doc in _public_callables():
        described = _described(doc)
        gaps = [p for p in params if not described.get(p)]
        if gaps:
            missing.append(f"{where}: {', '.join(gaps)}")
    assert missing == [], "\n".join(missing)
