#!/usr/bin/python3
"""Benchmark peer: paper A's own per-point robustness certification of a kernel machine, in PyTorch (CPU).

Provenance: a transcription in our own words of the loop in yilanchen6/equiv-nn-svm robust_svm.py (h_map, bound_ntk,
binary_search, test_svm), as specified in shared/spec/PAPERS.md sections 3.3, 6.2, 6.3 and 6.4. It keeps the reference's
cost structure and semantics: one Python loop over the test points, torch tensor operations over all n training
points per probe (the alpha > 0 / alpha < 0 masks are rebuilt on every probe, as there), boolean-mask assignments
into zero buffers (so a NaN bound becomes 0: the reference's unsound NaN semantics), u_L not clamped at -1, a
negative lower norm replaced by +0.0, the margin stop 1e-3, at most T probes, delta0 in [0, 0.3].

Deliberate differences from the reference:
  * the clean kernel's cosine is clipped to [-1, 1] (spec section 9: exactly collinear points give u = 1 + 1e-16 and
    a NaN kernel otherwise); the bound's cosines are NOT clipped (spec 6.2);
  * a point where no probe is certified gets radius 0 and "certified": false (the reference crashes on max([]));
  * a point with g0 == 0 is reported with "certified": false, iterations 0 and "sign_zero": true and left out of
    mean/std (the reference reuses the previous point's stale g there, or raises NameError on the first point);
  * no console output inside the loop (the reference prints 'x_norm_min less than 0' per such probe and 'Not Find!'
    when T is exhausted); the number of probes whose lower norm was clamped is reported instead;
  * --dtype float64 is float64 throughout (the reference, fed float64 tensors, would still use float32 for
    sqrt(d), pi and its h/Sigma buffers, which are allocated with the default dtype).

  certify_torch.py --alpha A.npy --x-train X.npy --x-test T.npy --y-test Y.npy [--only-correct] [--limit N]
                   [--dtype float32|float64] [--threads K] [--delta0 0.05] [--T 1000] --out result.json
  certify_torch.py --toy [--dtype float64]      the toy example of spec section 9, checked against its table
"""
import argparse
import json
import math
import os
import sys
import time

# OpenMP workers block instead of spinning between the loop's many small operations: with libgomp's spinning the
# 2-thread loop took 0.37-1.02 s per point on the shared 2-core machine, against 0.011-0.025 s with one thread;
# OMP_WAIT_POLICY=ACTIVE in the environment to compare
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402 (after the OpenMP setting, which libgomp reads when torch loads it)
import torch  # noqa: E402

H_FLOOR = -0.429738    # the reference's constant for min h (a little below the true -0.4297378...)
U_FLOOR = -0.794       # the reference's constant for argmin h (true -0.7940999...)
MARGIN_STOP = 1e-3
SEARCH_HI = 0.3


def h_of(u):
    """h(u) = 2u(pi - arccos u) + sqrt(1 - u^2); NaN outside [-1, 1]."""
    return 2 * u * (math.pi - torch.arccos(u)) + torch.sqrt(1 - u ** 2)


class Problem:
    """The per-problem constants of the reference's test_svm: training norms, sqrt(d), 2 pi d."""

    def __init__(self, alpha, x_train, dtype):
        self.alpha = alpha
        self.x_train = x_train
        self.d = x_train.shape[-1]
        self.train_norm = torch.norm(x_train, dim=-1)
        self.sqrt_d = torch.sqrt(torch.tensor(float(self.d), dtype=dtype))
        self.two_pi_d = 2 * torch.tensor(math.pi, dtype=dtype) * self.d
        self.clamped_probes = 0

    def kernel_interval(self, delta, x_norm, dots):
        """Rows 0 and 1: lower and upper bounds of K(x', x_i) over ||x' - x||_inf <= delta (spec 6.2)."""
        nu = self.train_norm
        eps = self.sqrt_d * delta
        norm_lo = x_norm - eps
        if norm_lo < 0:
            self.clamped_probes += 1
            norm_lo = torch.zeros_like(norm_lo)          # +0.0, as the reference's masked assignment
        norm_hi = x_norm + eps

        dot_lo = dots - eps * nu
        cos_lo = torch.zeros_like(dot_lo)
        sel = dot_lo >= 0
        cos_lo[sel] = dot_lo[sel] / norm_hi
        sel = dot_lo < 0
        cos_lo[sel] = dot_lo[sel] / norm_lo
        cos_lo = cos_lo / nu                             # not clamped at -1

        dot_hi = dots + eps * nu
        cos_hi = torch.zeros_like(dot_hi)
        sel = dot_hi >= 0
        cos_hi[sel] = dot_hi[sel] / norm_lo
        sel = dot_hi < 0
        cos_hi[sel] = dot_hi[sel] / norm_hi
        cos_hi = cos_hi / nu
        cos_hi[cos_hi >= 1.] = 1.

        ha, hb = h_of(cos_lo), h_of(cos_hi)
        hrange = torch.stack((torch.minimum(ha, hb), torch.maximum(ha, hb)))
        straddle = torch.logical_and(cos_lo <= U_FLOOR, cos_hi >= U_FLOOR).nonzero(as_tuple=False).view(-1)
        if straddle.numel():
            hrange[0, straddle] = H_FLOOR

        k = torch.zeros_like(hrange)
        lo_row, hi_row = hrange[0], hrange[1]
        sel = lo_row >= 0
        k[0][sel] = norm_lo * lo_row[sel]
        sel = lo_row < 0
        k[0][sel] = norm_hi * lo_row[sel]
        sel = hi_row >= 0
        k[1][sel] = norm_hi * hi_row[sel]
        sel = hi_row < 0
        k[1][sel] = norm_lo * hi_row[sel]
        return k * nu / self.two_pi_d

    def clean(self, x):
        """Clean output g0 = sum_i alpha_i K(x, x_i) with the closed form (clipped cosine), plus reusable pieces."""
        x_norm = torch.norm(x)
        dots = torch.matmul(self.x_train, x)
        u = torch.clamp(dots / (x_norm * self.train_norm), -1., 1.)
        g0 = torch.matmul(self.alpha, x_norm * self.train_norm * h_of(u) / self.two_pi_d)
        return g0, x_norm, dots

    def worst_case(self, k, sign):
        """Lower bound of f over the ball if sign > 0, upper bound if sign < 0 (spec 6.3)."""
        a = self.alpha
        if sign > 0:
            return torch.matmul(a[a > 0], k[0][a > 0]) + torch.matmul(a[a < 0], k[1][a < 0])
        return torch.matmul(a[a > 0], k[1][a > 0]) + torch.matmul(a[a < 0], k[0][a < 0])

    def search(self, sign, x_norm, dots, delta0, max_probes):
        """Binary search of spec 6.4. Returns (largest certified delta or None, number of bound evaluations)."""
        delta, lo, hi = delta0, 0., SEARCH_HI
        best = None
        probes = 0
        while probes < max_probes:
            probes += 1
            margin = sign * self.worst_case(self.kernel_interval(delta, x_norm, dots), sign)
            if margin >= 0:                              # NaN margin: neither certified nor moving lo
                best = delta if best is None else max(best, delta)
                if margin < MARGIN_STOP:
                    break
            if margin > 0:
                lo = delta
            else:
                hi = delta
            delta = (lo + hi) / 2
        return best, probes


def certify_all(problem, x_test, y_test, only_correct, delta0, max_probes):
    points = []
    for idx in range(x_test.shape[0]):
        g0, x_norm, dots = problem.clean(x_test[idx])
        sign = torch.sign(g0)
        if only_correct and sign != y_test[idx]:
            continue
        rec = {"index": idx, "g0": float(g0)}
        if sign == 0:
            rec.update(radius=0.0, iterations=0, certified=False, sign_zero=True)
        else:
            best, probes = problem.search(sign, x_norm, dots, delta0, max_probes)
            rec.update(radius=0.0 if best is None else float(best), iterations=probes, certified=best is not None)
        points.append(rec)
    return points


TOY_TABLE = [  # spec section 9, "Toy certification": g0, certified delta, iterations
    (5.490803537435e-01, 8.955078125e-02, 10),
    (5.195558558311e-01, 9.785156250e-02, 9),
    (3.274214612541e-01, 5.830078125e-02, 10),
]


def toy(dtype, delta0, max_probes):
    d = 16
    i = np.arange(d)
    x_train = np.stack([((i * (j + 2)) % 5) / 5 + 0.05 * j for j in range(6)])
    alpha = np.array([1.5, -0.7, 2.0, -1.2, 0.4, -0.3])
    x_test = np.stack([0.9 * x_train[0] + 0.02, 1.1 * x_train[1] + 0.01 * (i % 2), (i % 3) / 3])
    prob = Problem(torch.tensor(alpha, dtype=dtype), torch.tensor(x_train, dtype=dtype), dtype)
    pts = certify_all(prob, torch.tensor(x_test, dtype=dtype), np.ones(3), False, delta0, max_probes)
    g0_tol = 1e-12 if dtype == torch.float64 else 1e-6
    ok = True
    for p, (g0, radius, iters) in zip(pts, TOY_TABLE):
        good = (abs(p["g0"] - g0) <= g0_tol * abs(g0) and abs(p["radius"] - radius) <= 1e-12 * radius
                and p["iterations"] == iters)
        ok &= good
        print(f"test {p['index']}: g0 {p['g0']:.12e}  delta {p['radius']:.9e}  iterations {p['iterations']}  "
              f"{'ok' if good else 'MISMATCH (spec: g0 %.12e, delta %.9e, iterations %d)' % (g0, radius, iters)}")
    print("toy table reproduced" if ok else "toy table NOT reproduced")
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--alpha", help="coefficients, vector of n")
    ap.add_argument("--x-train", help="training inputs, n x d")
    ap.add_argument("--x-test", help="test inputs, m x d")
    ap.add_argument("--y-test", help="test labels (+1/-1), vector of m")
    ap.add_argument("--only-correct", action="store_true", help="skip test points whose clean sign differs from the label")
    ap.add_argument("--limit", type=int, default=0, help="certify only the first N test points (0: all)")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    ap.add_argument("--delta0", type=float, default=0.05)
    ap.add_argument("--T", type=int, default=1000, help="maximum number of bound evaluations per point")
    ap.add_argument("--toy", action="store_true", help="run spec section 9's toy certification and check it")
    ap.add_argument("--out", help="result JSON")
    a = ap.parse_args()
    dtype = torch.float64 if a.dtype == "float64" else torch.float32
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    if a.toy:
        return toy(dtype, a.delta0, a.T)
    if not (a.alpha and a.x_train and a.x_test and a.y_test and a.out):
        ap.error("--alpha, --x-train, --x-test, --y-test and --out are required (or --toy)")

    alpha = torch.from_numpy(np.asarray(np.load(a.alpha), dtype=np.float64).reshape(-1)).to(dtype)
    x_train = torch.from_numpy(np.asarray(np.load(a.x_train), dtype=np.float64)).to(dtype)
    x_test = torch.from_numpy(np.asarray(np.load(a.x_test), dtype=np.float64)).to(dtype)
    y_test = np.load(a.y_test).reshape(-1)
    if a.limit > 0:
        x_test, y_test = x_test[:a.limit], y_test[:a.limit]
    if x_train.shape[0] != alpha.shape[0] or x_train.shape[1] != x_test.shape[1] or x_test.shape[0] != y_test.shape[0]:
        ap.error(f"shape mismatch: alpha {tuple(alpha.shape)}, x_train {tuple(x_train.shape)}, "
                 f"x_test {tuple(x_test.shape)}, y_test {y_test.shape}")
    problem = Problem(alpha, x_train, dtype)

    t0 = time.perf_counter()
    points = certify_all(problem, x_test, y_test, a.only_correct, a.delta0, a.T)
    seconds = time.perf_counter() - t0

    radii = np.array([p["radius"] for p in points if not p.get("sign_zero")])
    res = {
        "n_train": int(x_train.shape[0]),
        "n_test_evaluated": len(points),
        "dtype": a.dtype,
        "threads": torch.get_num_threads(),
        "seconds_total": seconds,
        "seconds_per_point": seconds / max(1, len(points)),
        "mean": float(radii.mean()) if radii.size else None,
        "std": float(radii.std()) if radii.size else None,
        "n_uncertified": sum(1 for p in points if not p["certified"]),
        "n_exhausted": sum(1 for p in points if p["iterations"] >= a.T),
        "norm_clamped_probes": problem.clamped_probes,
        "points": points,
    }
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print(f"{len(points)} points, {seconds:.3f} s ({res['seconds_per_point'] * 1e3:.2f} ms per point, {a.dtype}, "
          f"{res['threads']} threads), mean radius {res['mean']}, std {res['std']}, "
          f"uncertified {res['n_uncertified']}, T exhausted {res['n_exhausted']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
