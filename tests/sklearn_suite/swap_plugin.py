"""pytest plugin: run scikit-learn's own test files against fastoptim's estimators.

Loaded with ``-p swap_plugin`` in a pytest process of its own (see ``runner.py``), it

1. imports scikit-learn's internals first, so that every module-level binding inside
   scikit-learn (``sklearn.multiclass``, ``sklearn.model_selection``, the estimator
   checks, ...) keeps scikit-learn's own classes;
2. then swaps the public names ``sklearn.linear_model.Ridge`` etc. for fastoptim's
   classes (``SWAPS``), before any test file is collected: ``from sklearn.linear_model
   import Ridge`` and ``svm.SVC`` in a test file give fastoptim's;
3. keeps only the tests that reach a swapped class (the others test scikit-learn alone)
   and, unless ``--fo-full``, leaves out the slow ones listed in ``slow.txt``;
4. writes every test's outcome, first error line and duration to ``--fo-report`` (JSON),
   which the caller compares with ``expected_failures.txt``.

Nothing is copied from scikit-learn: the test files are read where scikit-learn is
installed.  The swap lasts as long as this process.
"""
import importlib
import inspect
import json
import re
import time
import types

import pytest

from runner import glob_regex, read_slow  # this folder is on PYTHONPATH (runner.run_file)

#: (scikit-learn module, public name) -> (fastoptim module, class name), per variant.
SWAPS = {
    "default": {
        ("sklearn.linear_model", "LinearRegression"): ("fastoptim.linear_model",
                                                       "LinearRegression"),
        ("sklearn.linear_model", "Ridge"): ("fastoptim.linear_model", "Ridge"),
        ("sklearn.linear_model", "LogisticRegression"): ("fastoptim.linear_model",
                                                         "LogisticRegression"),
        ("sklearn.kernel_ridge", "KernelRidge"): ("fastoptim.kernel_ridge", "KernelRidge"),
        ("sklearn.svm", "SVC"): ("fastoptim.svm", "SVC"),
        ("sklearn.svm", "LinearSVC"): ("fastoptim.svm", "LinearSVC"),
    },
}
#: The coordinate-descent models and paths (issue 22), in a variant of their own so that the
#: other runs' lists do not depend on them.
SWAPS["coordinate_descent"] = {
    ("sklearn.linear_model", "Lasso"): ("fastoptim.linear_model", "Lasso"),
    ("sklearn.linear_model", "ElasticNet"): ("fastoptim.linear_model", "ElasticNet"),
    ("sklearn.linear_model", "lasso_path"): ("fastoptim.linear_model", "lasso_path"),
    ("sklearn.linear_model", "enet_path"): ("fastoptim.linear_model", "enet_path"),
}
#: SoftmaxRegression has no scikit-learn name: this variant runs the logistic tests with it.
SWAPS["softmax"] = {
    ("sklearn.linear_model", "LogisticRegression"): ("fastoptim.linear_model",
                                                     "SoftmaxRegression"),
}

#: scikit-learn modules imported before the swap: the ones these test files, the
#: estimator checks and the meta-estimators bind names from at import time.
PRELOAD = (
    "sklearn.base", "sklearn.calibration", "sklearn.compose", "sklearn.datasets",
    "sklearn.discriminant_analysis", "sklearn.dummy", "sklearn.ensemble",
    "sklearn.feature_selection", "sklearn.impute", "sklearn.inspection", "sklearn.kernel_ridge",
    "sklearn.linear_model", "sklearn.metrics", "sklearn.model_selection", "sklearn.multiclass",
    "sklearn.multioutput", "sklearn.neighbors", "sklearn.pipeline", "sklearn.preprocessing",
    "sklearn.semi_supervised", "sklearn.svm", "sklearn.utils.estimator_checks",
    "sklearn.utils._test_common.instance_generator", "sklearn.utils._testing",
)


def pytest_addoption(parser):
    group = parser.getgroup("fastoptim", "scikit-learn's tests against fastoptim")
    group.addoption("--fo-report", default=None, help="write the outcomes here (JSON)")
    group.addoption("--fo-variant", default="default", choices=sorted(SWAPS),
                    help="which fastoptim classes replace scikit-learn's")
    group.addoption("--fo-full", action="store_true",
                    help="also run the tests listed in slow.txt")
    group.addoption("--fo-all", action="store_true",
                    help="also run the tests that never reach a swapped class")


def _swap(variant):
    """Import scikit-learn's internals, then put fastoptim's classes under its names."""
    for name in PRELOAD:
        importlib.import_module(name)
    swapped = {}
    for (sk_mod, sk_name), (fo_mod, fo_name) in SWAPS[variant].items():
        cls = getattr(importlib.import_module(fo_mod), fo_name)
        setattr(importlib.import_module(sk_mod), sk_name, cls)
        swapped[f"{sk_mod}.{sk_name}"] = f"{fo_mod}.{fo_name}"
    return swapped


def pytest_configure(config):
    config._fo = state = {
        "variant": config.getoption("--fo-variant"),
        "results": {}, "collect_errors": {}, "deselected": {"sklearn_only": [], "slow": []},
        "started": time.time(),
    }
    state["swapped"] = _swap(state["variant"])
    targets = {id(importlib.import_module(m).__dict__[n])
               for m, n in (v.rsplit(".", 1) for v in state["swapped"].values())}
    state["targets"] = targets
    state["names"] = {k.rsplit(".", 1)[1] for k in state["swapped"]}


# --- which tests reach a swapped class ---------------------------------------------------

def _code_names(code):
    """Global and attribute names used by a code object and the code nested in it."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


class _Reach:
    """Does a test (its function, fixtures and parameters) reach one of the swapped classes?

    Conservative: a function reaches them when it names one (``Ridge``, ``svm.SVC``), has
    one as a default argument, names a global of its module that holds one, or calls a
    function of its module (or of another test module) that does; a test also when a
    parameter or a fixture of its module does.
    """

    def __init__(self, targets, names):
        self.targets, self.names, self.memo = targets, names, {}

    def value(self, obj, depth=0):
        if depth > 4:
            return False
        if id(obj) in self.targets or id(type(obj)) in self.targets:
            return True
        if isinstance(obj, type):
            return False
        if isinstance(obj, (list, tuple, set, frozenset)):
            return any(self.value(o, depth + 1) for o in obj)
        if isinstance(obj, dict):
            return any(self.value(o, depth + 1) for o in obj.values())
        if hasattr(obj, "get_params") and not isinstance(obj, type):
            try:
                params = obj.get_params(deep=False)
            except Exception:  # an estimator whose get_params fails: look no further
                return False
            return any(self.value(o, depth + 1) for o in params.values())
        func = getattr(obj, "func", None)  # functools.partial
        if func is not None and callable(obj):
            return self.function(func) or self.value(list(obj.args) + list(obj.keywords.values()),
                                                     depth + 1)
        if isinstance(obj, types.FunctionType):
            return self.function(obj)
        return False

    def function(self, func):
        func = inspect.unwrap(func)
        code = getattr(func, "__code__", None)
        if code is None:
            return False
        key = id(code)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = False  # recursion guard
        names = _code_names(code)
        defaults = list(func.__defaults__ or ()) + list((func.__kwdefaults__ or {}).values())
        found = bool(names & self.names) or self.value(defaults)
        if not found:
            glob = getattr(func, "__globals__", {})
            mod = glob.get("__name__")
            for name in names:
                obj = glob.get(name)
                if isinstance(obj, types.ModuleType) and ".tests." in obj.__name__:
                    # another test module (test_sparse calls test_svm's helpers)
                    if any(self.function(f) for f in (getattr(obj, n, None) for n in names)
                           if isinstance(f, types.FunctionType)):
                        found = True
                        break
                    continue
                if obj is None or isinstance(obj, types.ModuleType):
                    continue
                if isinstance(obj, types.FunctionType):
                    if obj.__module__ == mod and self.function(obj):
                        found = True
                        break
                elif self.value(obj):
                    found = True
                    break
        self.memo[key] = found
        return found

    def item(self, item):
        if self.function(item.obj):
            return True
        callspec = getattr(item, "callspec", None)
        if callspec is not None and self.value(list(callspec.params.values())):
            return True
        infos = getattr(item, "_fixtureinfo", None)
        if infos is not None:
            for defs in infos.name2fixturedefs.values():
                for fdef in defs:
                    func = getattr(fdef, "func", None)
                    if func is not None and getattr(func, "__module__", "") == item.module.__name__:
                        if self.function(func):
                            return True
        return False


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    state = config._fo
    keep, drop_skl, drop_slow = [], [], []
    reach = _Reach(state["targets"], state["names"])
    slow = [glob_regex(p) for p in read_slow()]
    is_slow = lambda nodeid: any(p.match(nodeid) for p in slow)  # noqa: E731
    for item in items:
        if not config.getoption("--fo-all") and not reach.item(item):
            drop_skl.append(item)
        elif not config.getoption("--fo-full") and is_slow(item.nodeid):
            drop_slow.append(item)
        else:
            keep.append(item)
    if drop_skl or drop_slow:
        config.hook.pytest_deselected(items=drop_skl + drop_slow)
        items[:] = keep
    state["deselected"]["sklearn_only"] = [i.nodeid for i in drop_skl]
    state["deselected"]["slow"] = [i.nodeid for i in drop_slow]
    state["selected"] = [i.nodeid for i in keep]


# --- outcomes ----------------------------------------------------------------------------

def _one_line(text):
    return " ".join(str(text).split())[:600]


def _messages(report):
    """(final, cause): the error pytest reports, and the first exception of its chain.

    ``pytest.warns``/``pytest.raises`` turn an unrelated exception into "DID NOT WARN";
    the exception that really stopped the test is the first one of the chain.  A message
    of many lines (GridSearchCV's "All the 50 fits failed ... <the fits' error>") keeps
    its first lines and its last error line when it is too long.
    """
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # skips: (path, line, reason)
        return _one_line(longrepr[2]), ""
    lines = [ln for ln in report.longreprtext.splitlines()
             if ln and not ln[0].isspace() and not ln.startswith(_NOT_AN_ERROR_LINE)]
    crash = getattr(longrepr, "reprcrash", None)
    text = crash.message if crash is not None else (lines[-1] if lines else "")
    parts = [ln.strip() for ln in text.splitlines() if ln.strip()]
    inner = [ln for ln in parts[1:] if re.match(r"\w+(Error|Exception|Warning): ", ln)]
    whole = " ".join(parts)
    if len(whole) > 600 and inner:
        whole = " ".join(parts[:2] + ["...", inner[-1]])
    final = _one_line(whole)
    cause = _one_line(lines[0]) if lines else ""
    if cause.endswith(":") or final.startswith(cause):  # the same exception, or no message
        cause = ""
    return final, cause


#: Lines of a native traceback (--tb=native) that are not an exception's "Type: message".
_NOT_AN_ERROR_LINE = ("Traceback (most recent call last)", "During handling of the above",
                      "The above exception was", "+", "|", "^", "~")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    state = item.config._fo
    rec = state["results"].setdefault(item.nodeid, {"outcome": "passed", "message": "",
                                                    "cause": "", "duration": 0.0})
    rec["duration"] = round(rec["duration"] + report.duration, 4)
    if report.when == "call" and hasattr(report, "wasxfail"):
        rec["outcome"] = "xfailed" if report.skipped else "xpassed"  # scikit-learn's own marks
        rec["message"] = str(report.wasxfail)[:400]
    elif report.skipped and rec["outcome"] == "passed":
        rec["outcome"], rec["message"] = "skipped", _messages(report)[0]
    elif report.failed and rec["outcome"] not in ("failed", "error"):
        rec["outcome"] = "failed" if report.when == "call" else "error"
        rec["message"], rec["cause"] = _messages(report)


_COLLECT_ERRORS = {}


def pytest_collectreport(report):
    if report.failed:
        _COLLECT_ERRORS[report.nodeid] = " / ".join(m for m in _messages(report) if m)


def pytest_sessionfinish(session, exitstatus):
    state = session.config._fo
    path = session.config.getoption("--fo-report")
    if not path:
        return
    import sklearn

    import fastoptim

    out = {
        "sklearn_version": sklearn.__version__,
        "fastoptim_version": fastoptim.__version__,
        "variant": state["variant"],
        "swapped": state["swapped"],
        "seconds": round(time.time() - state["started"], 1),
        "exitstatus": int(exitstatus),
        "collect_errors": dict(_COLLECT_ERRORS),
        "deselected": state["deselected"],
        "results": state["results"],
    }
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
