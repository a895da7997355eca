#!/usr/bin/python3
"""Paper B's Kernel_Fit (spec 7.5) as its reference does it, in numpy/scipy: the peer of `tangent krr`.

The two-layer NTK (`ntk2`: NTK2(x,z) = |x||z|[u(1 - arccos(u)/pi) + sqrt(1 - u^2)/(2 pi)], no 1/d) of the first N
training points of a `tangent data prep` directory (X.npy, Y.npy, Xt.npy, Yt.npy) in float32, then for every reg of
10^linspace(-1, 5, 20) one exact symmetric solve scipy.linalg.solve(K + reg I, Y - 0.1, assume_a='pos') in float32,
predictions K x + 0.1 and the errors [train MSE, train accuracy, test MSE, test accuracy] per reg:

    usage: krr_numpy.py PREP_DIR N [N_TEST] [errors.npy]

Prints one line per reg and the phase times (Gram, solves, predictions) as JSON on the last line.
"""
import json
import sys
import time

import numpy as np
import scipy.linalg


def ntk2(x, z):
    nx = np.linalg.norm(x, axis=1).astype(np.float32)
    nz = np.linalg.norm(z, axis=1).astype(np.float32)
    norms = np.outer(nx, nz)
    u = np.clip((x @ z.T) / norms, -1.0, 1.0)
    return (norms * (u * (1 - np.arccos(u) / np.pi) + np.sqrt(1 - u * u) / (2 * np.pi))).astype(np.float32, copy=False)


def errors(pred, labels, y):
    return float(np.sum((y - pred) ** 2) / len(y)), float(np.mean(pred.argmax(1) == labels))


def main():
    d = sys.argv[1]
    n = int(sys.argv[2])
    nt = int(sys.argv[3]) if len(sys.argv) > 3 else None
    x = np.load(d + "/X.npy")[:n].astype(np.float32)
    lab = np.load(d + "/Y.npy").reshape(-1)[:n].astype(int)
    xt = np.load(d + "/Xt.npy")[:nt].astype(np.float32)
    labt = np.load(d + "/Yt.npy").reshape(-1)[:nt].astype(int)
    y = (np.eye(10, dtype=np.float32)[lab] - np.float32(0.1))
    yt = (np.eye(10, dtype=np.float32)[labt] - np.float32(0.1))
    regs = 10 ** np.linspace(-1, 5, 20)
    t0 = time.perf_counter()
    k = ntk2(x, x)
    kt = ntk2(xt, x)
    t1 = time.perf_counter()
    solve = 0.0
    pred = 0.0
    rows = []
    eye = np.eye(n, dtype=np.float32)
    for r in regs:
        s0 = time.perf_counter()
        a = k + np.float32(r) * eye
        coef = scipy.linalg.solve(a, y, assume_a='pos', overwrite_a=True, check_finite=False)
        del a
        s1 = time.perf_counter()
        p = k @ coef
        pt = kt @ coef
        s2 = time.perf_counter()
        solve += s1 - s0
        pred += s2 - s1
        row = errors(p, lab, y) + errors(pt, labt, yt)
        rows.append(row)
        print("reg %-10.4g train mse %.6g acc %.4f test mse %.6g acc %.4f" % ((r,) + row), flush=True)
    if len(sys.argv) > 4:
        np.save(sys.argv[4], np.array(rows))
    best = max(range(len(rows)), key=lambda i: (rows[i][3], -rows[i][2]))
    print(json.dumps({"n": n, "n_test": len(xt), "gram_s": t1 - t0, "solves_s": solve, "predictions_s": pred,
                      "total_s": time.perf_counter() - t0, "best_reg": regs[best], "best_test_accuracy": rows[best][3]}))


if __name__ == "__main__":
    main()
