#!/usr/bin/python3
"""Benchmark peer: paper A's own per-point certification loop for a kernel machine, in PyTorch.

A transcription (not a copy) of the algorithm of yilanchen6/equiv-nn-svm robust_svm.py (functions h_map, bound_ntk,
binary_search, test_svm), as specified in shared/spec/PAPERS.md sections 3.3 and 6.2-6.4: one Python loop over the
test points, torch tensor operations over all training points per probe, boolean-mask assignments (so NaN bounds
become 0, the reference's unsound semantics), the margin stop 1e-3, T = 1000, delta0 0.05 in [0, 0.3]. Differences:
the clean kernel's cosine is clipped to [-1, 1] (spec section 9's note: exactly collinear points give NaN otherwise),
and a point with nothing certified gets radius 0 and "certified": false where the reference crashes.

  certify_torch.py --alpha A.npy --x-train X.npy --x-test T.npy --y-test Y.npy [--only-correct] [--limit N]
                   [--dtype float32|float64] [--threads K] --out result.json
  certify_torch.py --toy [--dtype float64]      the toy example of spec section 9, checked against its table
"""
import argparse
import json
import math
import sys
import time

import numpy as np
import torch

H_MIN = -0.429738      # the reference's (slightly low) minimum of h
U_AT_MIN = -0.794      # and its approximate minimiser


def h(u):
    return 2 * u * (math.pi - torch.arccos(u)) + torch.sqrt(1 - u ** 2)


def kernel_bounds(delta, d, xn, dots, tn):
    """[K_L, K_U] of the two-layer NTK over the l-inf ball (spec 6.2), reference semantics."""
    eps = math.sqrt(d) * delta
    nl = xn - eps
    if nl < 0:
        nl = nl * 0
    nu = xn + eps
    lo_dot = dots - eps * tn
    hi_dot = dots + eps * tn
    ul = torch.zeros_like(lo_dot)
    pos = lo_dot >= 0
    ul[pos] = lo_dot[pos] / nu
    ul[~pos] = lo_dot[~pos] / nl
    ul = ul / tn
    uu = torch.zeros_like(hi_dot)
    pos = hi_dot >= 0
    uu[pos] = hi_dot[pos] / nl
    uu[~pos] = hi_dot[~pos] / nu
    uu = uu / tn
    uu[uu >= 1] = 1
    ha, hb = h(ul), h(uu)
    hlo, hhi = torch.minimum(ha, hb), torch.maximum(ha, hb)
    hlo[(ul <= U_AT_MIN) & (uu >= U_AT_MIN)] = H_MIN
    kl = torch.zeros_like(hlo)
    ku = torch.zeros_like(hhi)
    m = hlo >= 0
    kl[m] = nl * hlo[m]
    m = hlo < 0
    kl[m] = nu * hlo[m]
    m = hhi >= 0
    ku[m] = nu * hhi[m]
    m = hhi < 0
    ku[m] = nl * hhi[m]
    scale = tn / (2 * math.pi * d)
    return kl * scale, ku * scale


def certify_point(x, alpha, xtr, tn, d, delta0=0.05, lo=0.0, hi=0.3, T=1000):
    xn = torch.norm(x)
    dots = xtr @ x
    u = torch.clamp(dots / (xn * tn), -1, 1)
    g0 = alpha @ (xn * tn * h(u) / (2 * math.pi * d))
    s = torch.sign(g0)
    pos, neg = alpha > 0, alpha < 0
    delta, best, it = delta0, None, 0
    for it in range(1, T + 1):
        kl, ku = kernel_bounds(delta, d, xn, dots, tn)
        if s > 0:
            g = alpha[pos] @ kl[pos] + alpha[neg] @ ku[neg]
        else:
            g = alpha[pos] @ ku[pos] + alpha[neg] @ kl[neg]
        v = float(s * g)
        if v >= 0:
            best = delta if best is None else max(best, delta)
            if v < 1e-3:
                break
        if v > 0:
            lo = delta
        else:
            hi = delta
        delta = (lo + hi) / 2
    return float(g0), best, it


def toy(dtype):
    d = 16
    i = np.arange(d)
    xtr = np.array([((i * (j + 2)) % 5) / 5 + 0.05 * j for j in range(6)])
    alpha = np.array([1.5, -0.7, 2.0, -1.2, 0.4, -0.3])
    tests = [0.9 * xtr[0] + 0.02, 1.1 * xtr[1] + 0.01 * (i % 2), (i % 3) / 3]
    expected = [(5.490803537435e-01, 8.955078125e-02, 10), (5.195558558311e-01, 9.785156250e-02, 9),
                (3.274214612541e-01, 5.830078125e-02, 10)]
    t = lambda a: torch.tensor(a, dtype=dtype)
    xt = t(xtr)
    ok = True
    for x, (eg, ed, ei) in zip(tests, expected):
        g0, best, it = certify_point(t(x), t(alpha), xt, torch.norm(xt, dim=1), d)
        good = abs(g0 - eg) <= 1e-12 * abs(eg) * (1 if dtype == torch.float64 else 1e6) and abs(best - ed) < 1e-12 and it == ei
        ok &= good
        print(f"g0 {g0:.12e}  delta {best:.10e}  iterations {it}  {'ok' if good else 'MISMATCH'}")
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--alpha")
    ap.add_argument("--x-train")
    ap.add_argument("--x-test")
    ap.add_argument("--y-test")
    ap.add_argument("--only-correct", action="store_true")
    ap.add_argument("--limit", type=int, default=-1)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--delta0", type=float, default=0.05)
    ap.add_argument("--T", type=int, default=1000)
    ap.add_argument("--toy", action="store_true")
    ap.add_argument("--out")
    a = ap.parse_args()
    dtype = torch.float64 if a.dtype == "float64" else torch.float32
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    if a.toy:
        return toy(dtype)
    if not all([a.alpha, a.x_train, a.x_test, a.y_test, a.out]):
        ap.error("--alpha, --x-train, --x-test, --y-test and --out are required (or --toy)")
    alpha = torch.tensor(np.load(a.alpha).reshape(-1), dtype=dtype)
    xtr = torch.tensor(np.load(a.x_train), dtype=dtype)
    xte = torch.tensor(np.load(a.x_test), dtype=dtype)
    yte = np.load(a.y_test).reshape(-1)
    if a.limit > 0:
        xte, yte = xte[:a.limit], yte[:a.limit]
    d = xtr.shape[1]
    tn = torch.norm(xtr, dim=1)
    points = []
    t0 = time.perf_counter()
    for k in range(xte.shape[0]):
        x = xte[k]
        if a.only_correct:
            g0, _, _ = certify_point(x, alpha, xtr, tn, d, a.delta0, T=0)
            if np.sign(g0) != yte[k]:
                continue
        g0, best, it = certify_point(x, alpha, xtr, tn, d, a.delta0, T=a.T)
        points.append({"index": k, "g0": g0, "radius": 0.0 if best is None else best, "iterations": it,
                       "certified": best is not None})
    secs = time.perf_counter() - t0
    radii = np.array([p["radius"] for p in points])
    res = {"n_train": int(xtr.shape[0]), "n_test_evaluated": len(points), "dtype": a.dtype,
           "threads": torch.get_num_threads(), "seconds_total": secs, "seconds_per_point": secs / max(1, len(points)),
           "mean": float(radii.mean()) if len(radii) else None, "std": float(radii.std()) if len(radii) else None,
           "points": points}
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print(f"{len(points)} points, {secs:.2f} s ({secs / max(1, len(points)):.4f} s per point), mean radius {res['mean']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
