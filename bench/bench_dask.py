"""LogisticRegression (lbfgs) on a dask array held by a dask.distributed LocalCluster (2 worker
processes, 1 thread each) against the same fit in memory (2 threads); "fastoptim" is the dask fit.

X is 2 000 000 x 54 float64 (864 MB), generated and persisted on the workers in 8 row chunks;
the in-memory contender fits the same numbers gathered into this process.  The row reports
both times, the ratio dask / in memory (target <= 1.5: the overhead of the per-iteration
round trips) and the bytes that travel per objective evaluation (coef in, value and
gradient sums out, per worker: O(d), independent of n).  Skipped without dask and distributed.
"""
import collections
import logging

import numpy as np

from common import Row, Target, interleaved_best

from fastoptim import LogisticRegression


def rows(quick=False):
    try:
        import dask.array as da
        import distributed
    except ImportError:
        return []
    from fastoptim._dask import DaskData, DaskObjective

    n, d, chunks = (200_000, 54, 8) if quick else (2_000_000, 54, 8)
    logging.getLogger("distributed").setLevel(logging.ERROR)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    try:
        rs = da.random.RandomState(0)
        Xd = rs.standard_normal((n, d), chunks=(n // chunks, d))
        w = np.linspace(-1, 1, d)
        yd = (Xd @ w + rs.standard_normal(n, chunks=n // chunks) > 0).astype(np.int64)
        Xd, yd = client.persist([Xd, yd])
        distributed.wait([Xd, yd])
        client.rebalance()  # the chunks spread evenly over the workers, as a user would
        holders = client.who_has(Xd)
        per_worker = sorted(collections.Counter(min(w) for w in holders.values()).values())
        X, y = Xd.compute(), yd.compute()
        kw = dict(solver="lbfgs", C=1.0, tol=1e-6, max_iter=200)
        ours, mem = LogisticRegression(**kw), LogisticRegression(**kw)
        times = interleaved_best({"fastoptim": lambda: ours.fit(Xd, yd),
                                  "in_memory": lambda: mem.fit(X, y)},
                                 1 if quick else 2, 1 if quick else 2)
        data = DaskData(Xd)
        obj = DaskObjective("logistic", data, np.where(y == 1, 1.0, -1.0), alpha=1.0 / n)
        obj.value_grad(np.zeros(d), 0.0)
        sent = obj.bytes_per_evaluation
        gap = float(np.max(np.abs(ours.coef_ - mem.coef_)) / np.max(np.abs(mem.coef_)))
        notes = (f"{chunks} chunks on 2 workers ({'+'.join(map(str, per_worker))}); {sent} bytes per evaluation ({sent // 2} "
                 f"per worker: coef in, value and gradient sums out); {int(ours.n_iter_[0])} "
                 f"iterations; coefficients within {gap:.1e} relative of the in-memory fit")
        return [Row(name=f"LogisticRegression lbfgs on dask {n}x{d} (LocalCluster 2x1) vs in memory",
                    times=times, ratios={"dask_over_in_memory": times["fastoptim"] / times["in_memory"]},
                    targets={"dask_over_in_memory": Target("<=", 1.5)}, notes=notes)]
    finally:
        client.close()
        cluster.close()
