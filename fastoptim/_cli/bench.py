"""``fastoptim bench [ARGS...]``: bench/run.py of a source checkout, with ARGS passed on
(not an argparse subcommand: bench/run.py parses its own arguments)."""
import pathlib
import subprocess
import sys

__all__ = ["find_bench", "bench_cmd"]


def find_bench():
    """bench/run.py of the source tree this package lives in.

    Returns
    -------
    pathlib.Path or None
        None for an installed package without the repository around it.
    """
    run = pathlib.Path(__file__).resolve().parents[2] / "bench" / "run.py"
    return run if run.is_file() else None


def bench_cmd(argv):
    """``fastoptim bench [args]``: run bench/run.py with the arguments.

    Parameters
    ----------
    argv : list of str
        Passed to bench/run.py unchanged (``--quick``, ``--only NAME``, ``--help``, ...).

    Returns
    -------
    int
        bench/run.py's exit status, or 2 (with a message) when bench/ is not
        next to the package.
    """
    run = find_bench()
    if run is None:
        where = pathlib.Path(__file__).resolve().parents[2] / "bench"
        print(f"fastoptim bench: the benchmarks are not installed with the package ({where} "
              f"does not exist); run them from a clone of the fastoptim repository "
              f"(python bench/run.py)", file=sys.stderr)
        return 2
    return subprocess.call([sys.executable, str(run), *argv])
