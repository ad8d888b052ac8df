"""scikit-learn's own tests, run against fastoptim's estimators (issue #16, "keep it found").

Each test below runs one of scikit-learn's installed test files (test_base, test_ridge,
test_kernel_ridge, test_logistic -- twice, the second time with SoftmaxRegression as
LogisticRegression -- test_svm, test_sparse, and test_coordinate_descent with Lasso,
ElasticNet, lasso_path and enet_path) in a pytest process of its own, where
``sklearn.linear_model.Ridge``, ``sklearn.svm.SVC``, ... are fastoptim's classes
(tests/sklearn_suite/swap_plugin.py; scikit-learn's internals keep their own).  Nothing of
scikit-learn is copied here.

A failure that tests/sklearn_suite/expected_failures.txt does not list fails the test,
with the list of them, and so does a listed failure that now fails on the numbers where
it was listed for a missing parameter, solver or feature (a new feature giving wrong
numbers); a listed test that passes is reported with a warning (rerun
``python tests/sklearn_suite/regen.py`` to shrink the list).  Skipped when scikit-learn or
its test files are not installed, or when the list was made for another scikit-learn
release.  The tests of tests/sklearn_suite/slow.txt run only with FASTOPTIM_SKLEARN_FULL=1.
"""
import warnings

import pytest

pytest.importorskip("sklearn")

from sklearn_suite import runner  # noqa: E402  (tests/ is on sys.path: rootdir conftest)


class ListedTestsPass(UserWarning):
    """Tests on the expected-failure list pass now: the list can shrink."""


def _minor(version):
    return tuple(version.split(".")[:2]) if version else None


@pytest.fixture(scope="module")
def expected():
    import sklearn

    made_with = runner.list_version()
    if _minor(made_with) != _minor(sklearn.__version__):
        pytest.skip(f"expected_failures.txt was made with scikit-learn {made_with}, "
                    f"{sklearn.__version__} is installed: its test files differ; run "
                    f"`python tests/sklearn_suite/regen.py` to make the list for it")
    return runner.load_expected()


def test_expected_failure_list_is_well_formed():
    """Every entry parses, has a known category and a note, and no pattern is listed twice."""
    entries = runner.load_expected()
    assert entries, "expected_failures.txt is empty or missing"
    assert all(e.note for e in entries), [e.format() for e in entries if not e.note]
    patterns = [e.pattern for e in entries]
    assert len(patterns) == len(set(patterns))
    runs = {runner.run_label(v, p) for v, p in runner.RUNS}
    assert all(e.pattern.split("::", 1)[0] in runs for e in entries), \
        [e.pattern for e in entries if e.pattern.split("::", 1)[0] not in runs]


def test_glob_matches_brackets_literally():
    e = runner.Entry("feature", "a.py::test_x[*]", "n")
    assert e.matches("a.py::test_x[sag-1]")
    assert not e.matches("a.py::test_x_other[sag]")
    assert not e.matches("a.py::test_x")
    assert runner.Entry("feature", "a.py::t[s]", "n").matches("a.py::t[s]")
    assert not runner.Entry("feature", "a.py::t[s]", "n").matches("a.py::t[x]")


def test_classify_reads_the_first_exception():
    # pytest.warns turns an unrelated exception into "DID NOT WARN": the cause decides
    cat, note = runner.classify("ValueError: solver='sag' is not a solver of Ridge; use ...",
                                "Failed: DID NOT WARN. No warnings of type ...")
    assert (cat, note) == ("sklearn-solver", "solver='sag'")
    assert runner.classify("", "TypeError: Ridge.__init__() got an unexpected keyword "
                           "argument 'positive'") == ("sklearn-param", "positive=")
    assert runner.classify("", "AssertionError: Arrays are not almost equal")[0] == "numeric"
    assert runner.classify("", "ValueError: l1_ratio=0.5: only the L2 penalty is offered; "
                           "L1 is not implemented yet") == ("feature", "l1_ratio= value (not implemented)")
    assert runner.classify("", "ZeroDivisionError: boom")[0] == "uncategorized"


def _report(results, variant="default", path="a/test_x.py"):
    """A plugin report with the given {node id: (outcome, message)}."""
    return {"variant": variant, "path": path, "collect_errors": {}, "seconds": 0.0,
            "deselected": {"sklearn_only": [], "slow": []},
            "results": {k: {"outcome": o, "message": m, "cause": "", "duration": 0.0}
                        for k, (o, m) in results.items()}}


SAG = "ValueError: solver='sag' is not a solver of Ridge; use one of ..."
POSITIVE = "TypeError: Ridge.__init__() got an unexpected keyword argument 'positive'"


def test_regenerate_compresses_families_and_keeps_hand_edits():
    rep = _report({
        "a/test_x.py::test_f[sag-1]": ("failed", SAG),
        "a/test_x.py::test_f[sag-2]": ("failed", SAG),
        "a/test_x.py::test_f[svd-1]": ("passed", ""),
        "a/test_x.py::test_f[svd-2]": ("skipped", "needs scipy 2"),  # may be covered
        "a/test_x.py::test_g[1]": ("failed", POSITIVE),
        "a/test_x.py::test_g[2]": ("error", POSITIVE),
        "a/test_x.py::test_h": ("failed", "AssertionError: Arrays are not equal"),
    })
    hand = runner.Entry("behaviour", "a/test_x.py::test_h", "by design")
    stale = runner.Entry("feature", "a/test_x.py::test_gone", "fixed since")
    entries, dropped = runner.regenerate([rep], [hand, stale])
    assert {(e.category, e.pattern, e.note) for e in entries} == {
        ("behaviour", "a/test_x.py::test_h", "by design"),
        ("sklearn-solver", "a/test_x.py::test_f[sag-*]", "solver='sag'"),
        ("sklearn-param", "a/test_x.py::test_g[*]", "positive="),
    }
    assert dropped == [stale]
    cmp = runner.compare(rep, entries)
    assert (len(cmp.unexpected), len(cmp.expected), len(cmp.now_passing)) == (0, 5, 0)
    assert cmp.counts["passed"] == 1 and cmp.counts["skipped"] == 1


def test_compare_reports_new_reasons_and_passes():
    entries = [runner.Entry("sklearn-param", "a/test_x.py::test_g[*]", "positive="),
               runner.Entry("behaviour", "a/test_x.py::test_h", "by design")]
    rep = _report({
        "a/test_x.py::test_g[1]": ("failed", "AssertionError: Not equal to tolerance"),
        "a/test_x.py::test_g[2]": ("passed", ""),
        "a/test_x.py::test_h": ("failed", "AssertionError: Arrays are not equal"),
        "a/test_x.py::test_k": ("failed", SAG),
    })
    cmp = runner.compare(rep, entries)
    assert [n for n, _, _ in cmp.changed] == ["a/test_x.py::test_g[1]"]  # positive= exists now
    assert [n for n, _ in cmp.now_passing] == ["a/test_x.py::test_g[2]"]
    assert [n for n, _ in cmp.expected] == ["a/test_x.py::test_h"]  # hand-classified: kept
    assert [n for n, _, _ in cmp.unexpected] == ["a/test_x.py::test_k"]
    new, dropped = runner.regenerate([rep], entries)
    assert dropped == [entries[0]]
    assert {(e.category, e.pattern) for e in new} == {
        ("numeric", "a/test_x.py::test_g[1]"), ("behaviour", "a/test_x.py::test_h"),
        ("sklearn-solver", "a/test_x.py::test_k")}


@pytest.mark.parametrize("variant, path", runner.RUNS,
                         ids=[runner.run_label(v, p) for v, p in runner.RUNS])
def test_sklearn_test_file(variant, path, expected):
    skdir = runner.sklearn_dir()
    if not (skdir / path).exists():
        pytest.skip(f"scikit-learn's tests are not installed ({skdir / path} is missing; "
                    f"some distributions strip them)")
    report = runner.run_file(path, variant)
    cmp = runner.compare(report, expected)
    print(cmp.summary())
    assert not cmp.collect_errors, f"{cmp.label} did not collect: {cmp.collect_errors}"
    ran = sum(cmp.counts.values())
    assert ran > 0, f"{cmp.label}: no test reached a fastoptim estimator"
    assert cmp.counts["passed"] > 0, f"{cmp.label}: no test passed"
    if cmp.now_passing:
        names = "\n  ".join(n for n, _ in cmp.now_passing)
        warnings.warn(ListedTestsPass(
            f"{cmp.label}: {len(cmp.now_passing)} tests on the expected-failure list pass now "
            f"(rerun `python tests/sklearn_suite/regen.py` to drop them):\n  {names}"))
    problems = []
    if cmp.unexpected:
        problems.append(f"{len(cmp.unexpected)} unexpected failures:")
        for name, outcome, msg in cmp.unexpected:
            cat, _ = runner.classify("", msg)
            problems.append(f"  {name}\n      {outcome} [{cat}?]: {msg}")
    if cmp.changed:
        problems.append(f"{len(cmp.changed)} listed failures that fail for a new reason "
                        f"(they reach the numbers now):")
        for name, entry, msg in cmp.changed:
            problems.append(f"  {name}\n      listed as {entry.category} ({entry.note}), "
                            f"now: {msg}")
    if problems:
        pytest.fail(f"{cmp.summary()}\n" + "\n".join(problems) + "\nFix them, or list them "
                    f"with a reason in tests/sklearn_suite/expected_failures.txt (`python "
                    f"tests/sklearn_suite/regen.py` guesses one; check the guess).", pytrace=False)
