#!/usr/bin/python3
"""Peer for SmoBenchmark: scikit-learn's SVC(kernel='precomputed') fit on the same Gram and labels.

Usage: sklearn_svc.py GRAM.npy LABELS.npy --C 1 --tol 1e-3 [--cache-mb MB] [--reps 3] [--serve] [--decision OUT.npy]

Loads the n x n Gram (float64; float32 is converted before timing, as SVC would do inside fit) and the +-1 labels,
and times SVC(kernel='precomputed', C, tol, cache_size).fit with time.perf_counter, single-threaded (LIBSVM's solver
is; BLAS is limited to one thread). --cache-mb 0 (the default) sizes LIBSVM's kernel cache to hold every row of Q
(n^2 4-byte floats plus 10%), so that, like SmoSolver, which reads the Gram it is given, it never recomputes a row.

Without --serve: --reps fits, then one 'key value' pair per line: sklearn version, median and all fit seconds, n_iter_,
the number of support vectors, the dual coefficients' checksums (sum and sum of absolute values), the intercept.
With --serve: prints 'ready', then fits once per line 'fit' read from stdin and answers one line
'seconds S n_iter N n_sv M'; the first fit's checksums follow as above after 'stats' on stdin.
--decision saves the decision values on the training points (decision_function of the Gram) of the last fit.
"""
import argparse
import statistics
import sys
import time

import numpy as np
import sklearn
from sklearn.svm import SVC


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gram")
    ap.add_argument("labels")
    ap.add_argument("--C", type=float, required=True)
    ap.add_argument("--tol", type=float, required=True)
    ap.add_argument("--cache-mb", type=float, default=0, help="LIBSVM kernel cache in MB (0: all of Q)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--decision")
    a = ap.parse_args()
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=1)
    except ImportError:
        pass
    k = np.load(a.gram, mmap_mode=None)
    if k.dtype != np.float64 or not k.flags.c_contiguous:
        k = np.ascontiguousarray(k, dtype=np.float64)
    y = np.load(a.labels).astype(np.float64)
    n = y.size
    cache = a.cache_mb if a.cache_mb > 0 else 1.1 * n * n * 4 / 2 ** 20 + 16

    def fit():
        clf = SVC(kernel="precomputed", C=a.C, tol=a.tol, cache_size=cache)
        t0 = time.perf_counter()
        clf.fit(k, y)
        return clf, time.perf_counter() - t0

    def stats(clf):
        print("sklearn", sklearn.__version__)
        print("cache_mb", repr(cache))
        print("n_iter", int(np.sum(clf.n_iter_)))
        print("n_sv", int(clf.support_.size))
        print("dual_coef_sum", repr(float(np.sum(clf.dual_coef_))))
        print("dual_coef_abs_sum", repr(float(np.sum(np.abs(clf.dual_coef_)))))
        print("intercept", repr(float(clf.intercept_[0])))
        if a.decision:
            np.save(a.decision, clf.decision_function(k).astype(np.float64))

    if a.serve:
        print("ready", flush=True)
        clf = None
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "fit":
                clf, s = fit()
                print(f"seconds {s!r} n_iter {int(np.sum(clf.n_iter_))} n_sv {int(clf.support_.size)}", flush=True)
            elif cmd == "stats" and clf is not None:
                stats(clf)
                print("end", flush=True)
            else:
                break
        return 0
    times = []
    clf = None
    for _ in range(a.reps):
        clf, s = fit()
        times.append(s)
    print("median_s", repr(statistics.median(times)))
    print("times_s", " ".join(repr(t) for t in times))
    stats(clf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
