"""Shared pieces of the benchmark harness: timing and result rows.

Every figure is a ratio of times measured in the same run, interleaved, so
that a noisy shared machine moves numerator and denominator together.
"""
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

#: The real data sets of the benchmarks: ../shared/data beside the repository, the default
#: of fastoptim.datasets' loaders here unless FASTOPTIM_DATA names another folder.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if SHARED_DATA.is_dir():
    os.environ.setdefault("FASTOPTIM_DATA", str(SHARED_DATA))

#: Pause before each contender's turn.  OpenBLAS and OpenMP worker threads
#: busy-wait for a while after a call; on a 2-core machine they would take
#: the cores from whoever runs next.
IDLE_S = 0.2


def best_time(fn, repeat):
    """Minimum wall time of `repeat` calls of fn() (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def interleaved_best(fns, repeat, rounds=3):
    """{name: minimum time} for several callables, measured in the same run.

    The contenders take turns in `rounds` rounds; in each round a contender
    runs `repeat` times in a row, after a warm-up call.  Turns of whole blocks
    (not single calls) keep one library's idle threads, still spinning after
    its last call (OpenBLAS, OpenMP), from skewing the other's first calls;
    rounds put every contender through the same phases of machine load.
    A pause of IDLE_S before each turn lets spinning worker threads sleep.
    """
    best = {name: float("inf") for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            time.sleep(IDLE_S)  # let the other library's worker threads stop spinning
            best[name] = min(best[name], best_time(fn, max(1, repeat // rounds)))
    return best


@dataclass
class Target:
    """A ratio's goal: value `op` threshold, e.g. ('>=', 3.0)."""

    op: str
    threshold: float

    def met(self, value):
        return value >= self.threshold if self.op == ">=" else value <= self.threshold


@dataclass
class Row:
    """One benchmark: the times of each contender and the ratios derived from them."""

    name: str
    times: dict
    ratios: dict = field(default_factory=dict)
    targets: dict = field(default_factory=dict)
    notes: str = ""

    def as_dict(self):
        return {
            "name": self.name,
            "times_s": self.times,
            "ratios": self.ratios,
            "targets": {k: {"op": t.op, "threshold": t.threshold, "met": t.met(self.ratios[k])}
                        for k, t in self.targets.items()},
            "notes": self.notes,
        }
