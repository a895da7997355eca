#!/usr/bin/python3
"""Peer for SmoBenchmark: scikit-learn's SVC(kernel='precomputed') fit on the same Gram and labels.

Usage: sklearn_svc.py GRAM.npy LABELS.npy --C 1 --tol 1e-3 [--reps 3] [--decision OUT.npy]

Loads the n x n Gram (float64; float32 is converted before timing, as SVC would do inside fit) and the +-1 labels,
times SVC(kernel='precomputed', C, tol).fit with time.perf_counter over --reps repetitions and prints one
'key value' pair per line: sklearn version, median and all fit seconds, n_iter_, the number of support vectors,
the dual coefficients' checksums (sum and sum of absolute values), the intercept, and, with --decision, saves the
decision values on the training points (decision_function of the Gram) for comparison.
"""
import argparse
import statistics
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
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--decision")
    a = ap.parse_args()
    k = np.load(a.gram, mmap_mode=None)
    if k.dtype != np.float64 or not k.flags.c_contiguous:
        k = np.ascontiguousarray(k, dtype=np.float64)
    y = np.load(a.labels).astype(np.float64)
    times = []
    clf = None
    for _ in range(a.reps):
        clf = SVC(kernel="precomputed", C=a.C, tol=a.tol)
        t0 = time.perf_counter()
        clf.fit(k, y)
        times.append(time.perf_counter() - t0)
    print("sklearn", sklearn.__version__)
    print("median_s", repr(statistics.median(times)))
    print("times_s", " ".join(repr(t) for t in times))
    print("n_iter", int(np.sum(clf.n_iter_)))
    print("n_sv", int(clf.support_.size))
    print("dual_coef_sum", repr(float(np.sum(clf.dual_coef_))))
    print("dual_coef_abs_sum", repr(float(np.sum(np.abs(clf.dual_coef_)))))
    print("intercept", repr(float(clf.intercept_[0])))
    if a.decision:
        np.save(a.decision, clf.decision_function(k).astype(np.float64))


if __name__ == "__main__":
    main()
