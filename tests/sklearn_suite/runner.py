"""Run scikit-learn's test files against fastoptim and compare with the expected failures.

Used by ``tests/test_sklearn_suite.py`` (one test per file) and by ``regen.py`` (which
rewrites ``expected_failures.txt``).  Each file runs in a pytest process of its own, with
``swap_plugin`` loaded, on the file where scikit-learn installed it; the plugin writes
each test's outcome to a JSON report read here.

``expected_failures.txt`` holds one entry a line, ``category | pattern | note``:

- *category*: one of ``CATEGORIES`` (why scikit-learn's test cannot pass on fastoptim);
- *pattern*: a node id relative to scikit-learn's package directory
  (``linear_model/tests/test_ridge.py::test_ridge_regression[sag-...]``), where ``*``
  matches anything (``...::test_ridge_positive_regression_test[*]``: the whole family);
  prefixed ``softmax:`` for the run where ``LogisticRegression`` is ``SoftmaxRegression``;
- *note*: what failed (the parameter, the solver, the message).

A failing test that no entry matches is an unexpected failure; an entry's test that
passes is reported, so that the list can shrink (``regen.py`` rewrites it).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected_failures.txt"
SLOW = HERE / "slow.txt"

#: (variant, file relative to the sklearn package) of every run, in order.
RUNS = (
    ("default", "linear_model/tests/test_base.py"),
    ("default", "linear_model/tests/test_ridge.py"),
    ("default", "tests/test_kernel_ridge.py"),
    ("default", "linear_model/tests/test_logistic.py"),
    ("softmax", "linear_model/tests/test_logistic.py"),
    ("default", "svm/tests/test_svm.py"),
    ("default", "svm/tests/test_sparse.py"),
    ("coordinate_descent", "linear_model/tests/test_coordinate_descent.py"),
)

#: Why a scikit-learn test may fail on fastoptim's estimators.
CATEGORIES = {
    "sklearn-solver": "a solver only scikit-learn has (liblinear, lsqr, sparse_cg, lbfgs for Ridge)",
    "sklearn-param": "a parameter fastoptim does not have (or spells differently)",
    "private": "scikit-learn's private attributes/helpers or its experimental APIs",
    "message": "the same error or warning, in fastoptim's words",
    "deprecation": "a scikit-learn deprecation cycle (FutureWarning) fastoptim never had",
    "feature": "a feature fastoptim lacks (C=inf, alpha arrays, precomputed, sparsify...)",
    "output-type": "an attribute of another type or shape (dense where scikit-learn is sparse...)",
    "validation": "input scikit-learn rejects and fastoptim accepts, or the other way round",
    "behaviour": "a documented difference of behaviour (iteration counts, warnings, ties)",
    "numeric": "numbers differ beyond scikit-learn's tolerance: look for a bug",
    "uncategorized": "not classified by regen.py: read the failure and pick a category",
}

#: Variables that make a run the same on every machine and every time.
ENV = {
    "SKLEARN_TESTS_GLOBAL_RANDOM_SEED": "42",  # scikit-learn's global_random_seed fixture
    "SKLEARN_SEED": "42",  # sklearn.setup_module seeds numpy's global RNG (else at random)
    "SKLEARN_SKIP_NETWORK_TESTS": "1",
    "SKLEARN_WARNINGS_AS_ERRORS": "0",
    "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": "1",  # the same bits whatever the machine's core count
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}

FAILED = ("failed", "error")
PASSED = ("passed", "xpassed")

#: Categories that say the test stops before it gets to the numbers (a missing parameter,
#: solver or feature): such a test that now fails on the numbers has a new reason to fail.
MECHANICAL = ("sklearn-solver", "sklearn-param", "feature", "deprecation")
NEW_REASONS = ("numeric",)


def changed_reason(entry, rec):
    """The guessed category of a listed failure when it is no longer the listed kind of
    reason (a test listed for a missing parameter that now fails on the numbers), else None."""
    guessed, _ = classify(rec["cause"], rec["message"])
    if entry.category in MECHANICAL and guessed in NEW_REASONS:
        return guessed
    return None


def sklearn_dir():
    """scikit-learn's package directory, or None when it is not installed."""
    try:
        import sklearn
    except ImportError:
        return None
    return Path(sklearn.__file__).resolve().parent


def key(variant, nodeid):
    """The name of a test in the expected list: its node id, prefixed by a non-default variant."""
    return nodeid if variant == "default" else f"{variant}:{nodeid}"


def run_label(variant, path):
    return key(variant, path)


def run_file(path, variant="default", *, full=None, timeout=1200):
    """Run one scikit-learn test file against fastoptim; returns the plugin's report (dict).

    ``full`` (default: the FASTOPTIM_SKLEARN_FULL variable) runs the tests of slow.txt too.
    Raises RuntimeError when pytest did not finish (internal error, usage error, timeout).
    """
    skdir = sklearn_dir()
    if full is None:
        full = os.environ.get("FASTOPTIM_SKLEARN_FULL", "0") not in ("", "0")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SKLEARN_"))}
    env.update(ENV)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE)] + [p for p in
                                                       [env.get("PYTHONPATH")] if p])
    with tempfile.TemporaryDirectory(prefix="fo_sklearn_suite_") as tmp:
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "pytest", "-p", "swap_plugin", "-p", "no:cacheprovider",
               "-c", str(HERE / "pytest.ini"), f"--rootdir={skdir}", f"--confcutdir={skdir}",
               "-q", "--tb=native", "--no-header", "-o", "console_output_style=classic",
               f"--fo-report={report}", f"--fo-variant={variant}", str(skdir / path)]
        if full:
            cmd.append("--fo-full")
        try:
            proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"{run_label(variant, path)}: pytest did not finish in "
                               f"{timeout} s") from exc
        if proc.returncode not in (0, 1) or not report.exists():
            raise RuntimeError(f"{run_label(variant, path)}: pytest exited with "
                               f"{proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        out = json.loads(report.read_text())
    out["path"], out["variant"] = path, variant
    return out


# --- the expected-failure list -----------------------------------------------------------

def glob_regex(pattern):
    """``*`` matches anything, every other character itself (node ids are full of ``[``)."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z")


def read_slow(path=SLOW):
    """The patterns of slow.txt: one node-id pattern a line; ``#`` starts a comment line."""
    if not Path(path).exists():
        return []
    return [ln.strip() for ln in Path(path).read_text().splitlines()
            if ln.strip() and not ln.startswith("#")]


@dataclass
class Entry:
    category: str
    pattern: str
    note: str = ""
    line: int = 0
    regex: re.Pattern = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        self.regex = glob_regex(self.pattern)

    def matches(self, name):
        return self.regex.match(name) is not None

    def format(self):
        return f"{self.category} | {self.pattern} | {self.note}".rstrip(" |")


def load_expected(path=EXPECTED):
    """The entries of the expected-failure list; ValueError names a malformed line."""
    entries = []
    if not Path(path).exists():
        return entries
    for n, raw in enumerate(Path(path).read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(" | ", 2)]
        if len(parts) < 2 or parts[0] not in CATEGORIES or not parts[1]:
            raise ValueError(f"{path}:{n}: expected 'category | pattern | note' with a category "
                             f"among {sorted(CATEGORIES)}, got {raw!r}")
        entries.append(Entry(parts[0], parts[1], parts[2] if len(parts) > 2 else "", n))
    return entries


def matching(name, entries):
    for e in entries:
        if e.matches(name):
            return e
    return None


@dataclass
class Comparison:
    """One run's outcomes against the expected-failure list."""

    label: str
    counts: Counter                                   # outcome -> number of tests
    unexpected: list = field(default_factory=list)    # (name, outcome, message)
    expected: list = field(default_factory=list)      # (name, entry)
    now_passing: list = field(default_factory=list)   # (name, entry)
    changed: list = field(default_factory=list)       # (name, entry, message): new reason
    collect_errors: dict = field(default_factory=dict)
    deselected: dict = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self):
        c = self.counts
        return (f"{self.label}: {c['passed']} passed, {len(self.expected)} expected failures, "
                f"{len(self.unexpected)} unexpected failures, {len(self.changed)} listed but "
                f"failing for a new reason, {len(self.now_passing)} listed but "
                f"passing, {c['skipped']} skipped, {c['xfailed'] + c['xpassed']} scikit-learn "
                f"xfail/xpass; {self.deselected.get('sklearn_only', 0)} deselected "
                f"(scikit-learn only), {self.deselected.get('slow', 0)} deselected (slow); "
                f"{self.seconds:.0f} s")


def compare(report, entries):
    variant, path = report["variant"], report["path"]
    cmp = Comparison(label=run_label(variant, path),
                     counts=Counter(r["outcome"] for r in report["results"].values()),
                     deselected={k: len(v) for k, v in report["deselected"].items()},
                     seconds=report["seconds"])
    for nodeid, msg in report["collect_errors"].items():
        name = key(variant, nodeid)
        if matching(name, entries) is None:
            cmp.collect_errors[name] = msg
    for nodeid, rec in sorted(report["results"].items()):
        name = key(variant, nodeid)
        entry = matching(name, entries)
        if rec["outcome"] in FAILED:
            if entry is None:
                cmp.unexpected.append((name, rec["outcome"], rec["cause"] or rec["message"]))
            elif changed_reason(entry, rec):
                cmp.changed.append((name, entry, rec["cause"] or rec["message"]))
            else:
                cmp.expected.append((name, entry))
        elif rec["outcome"] in PASSED and entry is not None:
            cmp.now_passing.append((name, entry))
    return cmp


# --- guessing the category of a failure (regen.py) ---------------------------------------

#: (regex over "cause | message", category, note template); the first match wins.
RULES = (
    (r"solver='([^']+)' is not a solver of", "sklearn-solver", "solver='{0}'"),
    (r"unexpected keyword argument '(\w+)'", "sklearn-param", "{0}="),
    (r"'(\w+)' is not a parameter of", "sklearn-param", "{0}="),
    (r"^KeyError: '(\w+)'", "sklearn-param", "{0}= (get_params)"),
    (r"no attribute '(sparsify|densify)'", "feature", "{0}()"),
    (r"no attribute '(_\w+|set_callbacks)'", "private", "{0}"),
    (r"'(?:numpy\.ndarray|float)' object has no attribute '(\w+)'", "output-type",
     "an ndarray/float where scikit-learn has .{0}"),
    (r"must be a finite number.*got inf", "feature", "C=inf"),
    (r"alpha must be a number >= 0, got array", "feature", "alpha arrays"),
    (r"unknown kernel 'precomputed'", "feature", "kernel='precomputed'"),
    (r"crammer_singer", "feature", "multi_class='crammer_singer'"),
    (r"newton-cholesky' fits binary models", "feature", "multinomial newton-cholesky"),
    (r"max_iter must be >= 1, got 0", "feature", "max_iter=0"),
    (r"^\w+: (\w+)=.*not implemented", "feature", "{0}= value (not implemented)"),
    (r"not implemented", "feature", "{msg}"),
    (r"sample_weight must be >= 0", "behaviour", "negative sample weights are refused"),
    (r"DID NOT WARN.*FutureWarning", "deprecation", "FutureWarning"),
    (r"Regex pattern did not match.*? Regex: ([\"'])(.*?)(?:\1 |$)", "message",
     "another warning text than {0}{1}{0}"),
    (r"Regex pattern did not match.*?Expected regex: ([\"'])(.*?)(?:\1 |$)", "message",
     "another error text than {0}{1}{0}"),
    (r"DID NOT WARN.*UserWarning", "behaviour", "no UserWarning (about an ignored parameter)"),
    (r"DID NOT WARN.*?<class '(?:[\w.]+\.)?(\w+Warning)'>", "behaviour", "no {0}"),
    (r"truth value of an array with more than one element", "output-type",
     "an array where scikit-learn has one number"),
    (r"DID NOT RAISE", "validation", "{msg}"),
    (r"^TypeError: X has dtype", "validation", "non-numeric X refused before the kernel"),
    (r"AssertionError|^assert ", "numeric", "{msg}"),
)


def classify(cause, message):
    """(category, note) guessed from a failure's first exception and its final message."""
    text = f"{cause} | {message}" if cause else message
    for rx, category, note in RULES:
        m = re.search(rx, text, flags=re.M)
        if m is None and cause:
            m = re.search(rx, message, flags=re.M)
        if m is not None:
            groups = [g if g is None or len(g) <= 60 else g[:57] + "..." for g in m.groups()]
            return category, note.format(*groups, msg=message[:120])
    return "uncategorized", (cause or message)[:120]


def family(nodeid):
    """A parametrized test's node id without its parameters."""
    return nodeid.split("[", 1)[0]


def regenerate(reports, old_entries=(), *, only=None):
    """New entries for the failures of ``reports``: old entries that still match a failure
    are kept as they are (hand edits survive) unless one of their tests fails for a new
    reason (``changed_reason``); the other failures get guessed entries, one pattern per
    family (or per parameter) when they failed in one category.

    ``only``: labels of the runs in ``reports``; old entries of the other runs are kept.
    Returns (entries, dropped old entries).
    """
    failures = {}                 # name -> (category, note)
    records = {}                  # name -> the plugin's record of a failure
    ran = defaultdict(dict)       # family name -> {name: outcome} of its tests that ran
    labels = set()
    for rep in reports:
        labels.add(run_label(rep["variant"], rep["path"]))
        for nodeid, msg in rep["collect_errors"].items():
            failures[key(rep["variant"], nodeid)] = ("uncategorized", f"collection: {msg}"[:120])
        for nodeid, rec in rep["results"].items():
            name = key(rep["variant"], nodeid)
            ran[family(name)][name] = rec["outcome"]
            if rec["outcome"] in FAILED:
                failures[name] = classify(rec["cause"], rec["message"])
                records[name] = rec

    def other_run(pattern):  # an entry of a run that was not rerun
        return only is not None and not any(pattern.startswith(lab + "::") for lab in labels)

    kept, dropped, covered = [], [], set()
    for e in old_entries:
        hits = [n for n in failures if e.matches(n)]
        if any(changed_reason(e, records[n]) for n in hits if n in records):
            dropped.append(e)  # its tests fail for a new reason: entries made afresh
        elif other_run(e.pattern) or hits:
            kept.append(e)
            covered.update(hits)
        else:
            dropped.append(e)
    new = []
    groups = defaultdict(list)
    for name in sorted(set(failures) - covered):
        groups[family(name)].append(name)
    for fam, names in groups.items():
        by_category = defaultdict(list)
        for n in names:
            by_category[failures[n][0]].append(n)
        for category, members in sorted(by_category.items()):
            for pattern in _cover(fam, members, ran[fam]):
                rx = glob_regex(pattern)
                notes = sorted({failures[n][1] for n in members if rx.match(n)})
                note = "; ".join(notes)
                new.append(Entry(category, pattern, note if len(note) <= 160
                                 else note[:157] + "..."))
    return _merge_notes(kept + new), dropped


def _params(name):
    """The parameter ids of a node id: ``t[a-b-c]`` -> ['a', 'b', 'c']."""
    return name[name.index("[") + 1:-1].split("-") if name.endswith("]") and "[" in name else []


def _cover(fam, members, ran):
    """Few patterns that match all of ``members`` and no other test of the family that
    passed or failed (``ran``: name -> outcome; skipped tests may be matched).

    The whole family (``fam[*]``) when all of it failed so; else patterns on one parameter
    id (``fam[*-sag-*]``, ``fam[sag-*]``...), greedily; the ids left over as they are.
    """
    members = set(members)
    others = {n for n, o in ran.items() if n not in members and o in PASSED + FAILED}
    if not others and all(n != fam for n in members):
        return [fam + "[*]"]
    if members == {fam}:
        return [fam]

    def ok(pattern):
        rx = glob_regex(pattern)
        return not any(rx.match(o) for o in others)

    todo, patterns = set(members), []
    while todo:
        best, best_hits = None, set()
        tokens = sorted({t for n in todo for t in _params(n)})
        for t in tokens:
            for pat in (f"{fam}[{t}]", f"{fam}[{t}-*]", f"{fam}[*-{t}]", f"{fam}[*-{t}-*]"):
                rx = glob_regex(pat)
                hits = {n for n in todo if rx.match(n)}
                if len(hits) > len(best_hits) and ok(pat):
                    best, best_hits = pat, hits
        if best is None or len(best_hits) < 2:
            patterns.extend(sorted(todo))
            break
        patterns.append(best)
        todo -= best_hits
    return patterns


def _merge_notes(entries):
    """Entries sorted by pattern, one per pattern (the first one's category)."""
    seen = {}
    for e in entries:
        seen.setdefault(e.pattern, e)
    return sorted(seen.values(), key=lambda e: e.pattern)


def write_expected(entries, path=EXPECTED, *, sklearn_version="", header_extra=()):
    """Write the list sorted by pattern, with a header saying what the categories mean."""
    lines = [
        "# scikit-learn's own tests that fail on fastoptim's estimators, and why.",
        "# Read by tests/test_sklearn_suite.py; rewritten by `python tests/sklearn_suite/regen.py`",
        "# (hand edits of the category and note of an entry that still fails are kept).",
        f"# Made with scikit-learn {sklearn_version}.",
        "# Format: category | node-id pattern (* matches anything) | note",
        "# Categories:",
    ]
    lines += [f"#   {name:15s} {text}" for name, text in CATEGORIES.items()]
    lines += [f"# {x}" for x in header_extra]
    lines.append("")
    width = max((len(e.category) for e in entries), default=0)
    for e in sorted(entries, key=lambda e: (e.pattern, e.category)):
        lines.append(f"{e.category:{width}s} | {e.pattern} | {e.note}".rstrip(" |"))
    Path(path).write_text("\n".join(lines) + "\n")


def list_version(path=EXPECTED):
    """The scikit-learn version the list was made with (its header), or None."""
    if not Path(path).exists():
        return None
    m = re.search(r"^# Made with scikit-learn (\S+)\.", Path(path).read_text(), flags=re.M)
    return m.group(1) if m else None
