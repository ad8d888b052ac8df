"""Rerun scikit-learn's test files against fastoptim and rewrite expected_failures.txt.

Usage, from the repository root with the virtual environment active::

    python tests/sklearn_suite/regen.py             # every run, slow tests included
    python tests/sklearn_suite/regen.py test_ridge  # only the runs whose label contains it
    python tests/sklearn_suite/regen.py --fresh     # forget the current list's entries
    python tests/sklearn_suite/regen.py --slow 2    # also rewrite slow.txt: tests over 2 s
    python tests/sklearn_suite/regen.py --check     # compare only, write nothing

Entries of the current list that still match a failing test are kept as they are (so a
category or note edited by hand survives); entries that match no failing test any more
are dropped and printed; new failures get an entry with a guessed category (runner.RULES),
one per test family when all its parametrizations failed alike.  Review the entries
marked ``numeric`` (numbers differ: possibly a bug) and ``uncategorized``.
"""
import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import runner  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("only", nargs="*", help="substrings of the run labels to rerun")
    ap.add_argument("--fresh", action="store_true", help="ignore the current entries")
    ap.add_argument("--slow", type=float, default=None, metavar="SECONDS",
                    help="rewrite slow.txt with the test families slower than this")
    ap.add_argument("--check", action="store_true", help="write nothing")
    args = ap.parse_args(argv)

    if runner.sklearn_dir() is None:
        sys.exit("scikit-learn is not installed")
    import sklearn

    runs = [(v, p) for v, p in runner.RUNS
            if not args.only or any(s in runner.run_label(v, p) for s in args.only)]
    if not runs:
        sys.exit(f"no run matches {args.only}; runs: "
                 f"{[runner.run_label(v, p) for v, p in runner.RUNS]}")
    old = [] if args.fresh else runner.load_expected()
    reports = []
    for variant, path in runs:
        rep = runner.run_file(path, variant, full=True)
        reports.append(rep)
        print(runner.compare(rep, old).summary(), flush=True)

    entries, dropped = runner.regenerate(reports, old, only=args.only or None)
    for e in dropped:
        print(f"dropped (no failing test matches it now): {e.format()}")
    cats = Counter()
    for rep in reports:
        for nodeid, rec in rep["results"].items():
            if rec["outcome"] in runner.FAILED:
                e = runner.matching(runner.key(rep["variant"], nodeid), entries)
                cats[e.category] += 1
    print("failures per category:", dict(sorted(cats.items(), key=lambda kv: -kv[1])))
    if args.check:
        return
    runner.write_expected(entries, sklearn_version=sklearn.__version__)
    print(f"wrote {len(entries)} entries to {runner.EXPECTED}")
    if args.slow is not None:
        write_slow(reports, args.slow)


def write_slow(reports, seconds):
    """slow.txt: the test families (all parametrizations) whose run took more than `seconds`."""
    fams = Counter()
    for rep in reports:  # slow.txt holds bare node ids: the slower of the two variants counts
        per_run = Counter()
        for nodeid, rec in rep["results"].items():
            per_run[runner.family(nodeid)] += rec["duration"]
        for fam, t in per_run.items():
            fams[fam] = max(fams[fam], t)
    slow = sorted(f for f, t in fams.items() if t > seconds)
    lines = [f"# Test families over {seconds:g} s (sum over their parametrizations), left out",
             "# unless FASTOPTIM_SKLEARN_FULL=1; rewritten by `regen.py --slow SECONDS`.",
             "# One node-id pattern a line (* matches anything)."]
    lines += [f"{f}[*]" if any(n.startswith(f + "[") for rep in reports for n in rep["results"])
              else f for f in slow]
    runner.SLOW.write_text("\n".join(lines) + "\n")
    print(f"wrote {len(slow)} slow families to {runner.SLOW}")


if __name__ == "__main__":
    main()
