#!/usr/bin/python3
"""Benchmark peer: robustness certification of a kernel machine in batched PyTorch (CPU), doing the same work as
Tangent's KernelCertifier, for a fair time comparison (CertifyBenchmark).

Written as a PyTorch user would write it for speed: all test points of a batch go through each probe at once as
(points x support vectors) tensors, and the binary searches of the batch advance in lock step, finished points
dropping out of the tensors. The work is Tangent's, step for step (spec/PAPERS.md 3.3, 6.2-6.4; engine
dev.tangent.verify.KernelCertifier, IntervalKernel.twoLayer, BinarySearch):
  * f(x) = sum_i alpha_i K(x, x_i) + b over the support vectors only (alpha_i != 0; the others add exact zeros);
  * the clean score with paper A's closed form, the cosine clipped to [-1, 1];
  * per probe the two-layer NTK interval of spec 6.2 in Tangent's NaN mode: "sound" (Tangent's default: clamped
    cosines, a bracket around the minimiser of h, a relative rounding margin of 1e-12) or "reference" (paper A's
    arithmetic, a NaN bound becomes 0), with Tangent's operation order;
  * the worst-case score of spec 6.3 (K_L where s*alpha_i > 0, K_U where s*alpha_i < 0);
  * the search of spec 6.4 with Tangent's stopping rules: margin stop (0 <= margin < 1e-3), at most T probes and
    the delta-tolerance stop (hi - lo < 1e-9; --delta-tol 0 disables it, as --delta-tol 0 in Tangent).
The reference-faithful per-point loop (paper A's own structure, every training point, float32 as the reference) is
certify_torch.py; this script is the fair-work peer.

Only the certification of all test points is timed (time.perf_counter): the inner products (one matmul per batch),
norms, clean scores and searches. Loading the .npy files and selecting the support vectors come before the timer,
as Tangent's KernelCertifier selects them in its constructor, outside the benchmark's timed region.

  certify_torch_batched.py --alpha A.npy --x-train X.npy --x-test T.npy [--bias 0] [--dtype float64|float32]
      [--threads K] [--nan-mode sound|reference] [--batch 32] [--delta0 0.05] [--lo 0] [--hi 0.3] [--T 1000]
      [--margin-stop 1e-3] [--delta-tol 1e-9] [--reps 1] [--serve] --out result.json

--serve: load once, then certify all points once per line "run" read from stdin, answering "seconds S" (the JSON is
written after the first run); for a benchmark that interleaves these runs with its own.
"""
import argparse
import json
import math
import os
import sys
import time

# torch's OpenMP workers block instead of spinning between the thousands of small parallel operations: with spinning
# (libgomp's default) the 2-thread searches took 79 s instead of 14 s on a 2-core machine shared with other work; set
# OMP_WAIT_POLICY=ACTIVE in the environment to compare
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402 (after the OpenMP setting, which libgomp reads when torch loads it)
import torch  # noqa: E402

REF_U_MIN = -0.794          # the reference's approximate minimiser of h
REF_H_MIN = -0.429738       # and its (slightly low) minimum
U_STAR_LO = -0.79410        # a bracket around the true minimiser u* = -0.794099864810
U_STAR_HI = -0.79409
SOUND_H_MIN = -0.42973783   # a value below h(u*) = -0.429737820518
SLACK = 1e-12               # sound bounds' relative widening
STATUS = ["certified", "tolerance", "exhausted", "none", "uncertifiable"]


def h(u):
    """h(u) = 2u(pi - arccos u) + sqrt(1 - u^2); NaN outside [-1, 1]."""
    return 2 * u * (math.pi - torch.arccos(u)) + torch.sqrt(1 - u * u)


class Certifier:
    def __init__(self, alpha_all, x_train, bias, dtype, nan_mode):
        keep = alpha_all != 0
        self.alpha = alpha_all[keep].to(dtype)
        self.sv = x_train[keep].to(dtype).contiguous()
        self.sv_t = self.sv.t().contiguous()
        self.sq = (self.sv * self.sv).sum(dim=1)
        self.norm = torch.sqrt(self.sq)
        self.alpha_split = torch.stack((torch.clamp(self.alpha, min=0), torch.clamp(self.alpha, max=0)), dim=1)
        zero = torch.nonzero(self.norm == 0).view(-1)
        self.zero_norm = zero if zero.numel() else None
        self.bias = bias
        self.d = x_train.shape[1]
        self.dtype = dtype
        self.sound = nan_mode == "sound"

    def score(self, dots, xx):
        """Clean scores of a batch: paper A's closed form with the cosine clipped, as NtkRecursion.twoLayerClosedForm."""
        nx = torch.sqrt(xx)[:, None] * torch.sqrt(self.sq)[None, :]
        u = torch.clamp(dots / nx, -1., 1.)
        k = nx * (2 * u * (math.pi - torch.arccos(u)) + torch.sqrt(torch.clamp(1 - u * u, min=0))) / (2 * math.pi * self.d)
        k = torch.where(nx == 0, torch.zeros_like(k), k)
        return k @ self.alpha + self.bias

    def bounds(self, dots, x_norm, delta):
        """[K_L, K_U] of every (point, support vector) pair at the points' radii (IntervalKernel.twoLayer).

        Each quotient has Tangent's operands (the denominator chosen by a where, then one division), so the bounds
        are Tangent's to the rounding of acos and sqrt; the few full-size passes are what make it fast in PyTorch."""
        v = self.norm[None, :]
        eps = (math.sqrt(self.d) * delta)[:, None]
        xn = x_norm[:, None]
        nl = torch.clamp(xn - eps, min=0)
        nu = xn + eps
        dl = dots - eps * v
        du = dots + eps * v
        if self.sound:
            # dl < 0 with nl = 0 gives -inf and du > 0 with nl = 0 gives +inf, which the clamp makes -1 and 1, as Tangent
            ul = torch.clamp(dl / (torch.where(dl >= 0, nu, nl) * v), -1, 1)
            uu = torch.clamp(du / (torch.where(du > 0, nl, nu) * v), -1, 1)
        else:
            ul = dl / torch.where(dl >= 0, nu, nl) / v
            uu = torch.clamp(du / torch.where(du >= 0, nl, nu) / v, max=1)   # NaN stays NaN
        ha, hb = h(ul), h(uu)
        h_lo = torch.minimum(ha, hb)                     # NaN propagates, as in Tangent's reference mode
        h_hi = torch.maximum(ha, hb)
        if self.sound:
            h_lo.masked_fill_((ul <= U_STAR_HI) & (uu >= U_STAR_LO), SOUND_H_MIN)
        else:
            h_lo.masked_fill_((ul <= REF_U_MIN) & (uu >= REF_U_MIN), REF_H_MIN)
        kl = h_lo * torch.where(h_lo >= 0, nl, nu)
        ku = h_hi * torch.where(h_hi >= 0, nu, nl)
        if not self.sound:                               # boolean-mask products: a NaN h leaves the bound at 0
            kl.masked_fill_(torch.isnan(kl), 0)
            ku.masked_fill_(torch.isnan(ku), 0)
        scale = v * (1 / (2 * math.pi * self.d))
        kl.mul_(scale)
        ku.mul_(scale)
        if self.sound:
            m = (SLACK * 2 * math.pi / (2 * math.pi * self.d) * nu) * v   # rounding margin relative to the kernel's scale
            kl.sub_(m)
            ku.add_(m)
            if self.zero_norm is not None:
                kl[:, self.zero_norm] = 0
                ku[:, self.zero_norm] = 0
        return kl, ku

    def margins(self, dots, x_norm, sign, delta):
        """s * f_bound(delta) for each point of the batch (KernelCertifier.margin): K_L where s*alpha_i > 0, else K_U."""
        kl, ku = self.bounds(dots, x_norm, delta.to(self.dtype))
        lo = kl @ self.alpha_split                     # columns: sum over alpha > 0, sum over alpha < 0
        hi = ku @ self.alpha_split
        g = torch.where(sign > 0, lo[:, 0] + hi[:, 1], hi[:, 0] + lo[:, 1]) + self.bias
        return (sign * g).double()

    def certify_batch(self, xb, dots_all, cfg):
        """Certifies the rows of xb (inner products with the support vectors: dots_all); returns (g0, radius,
        iterations, status index) as numpy arrays."""
        m = xb.shape[0]
        xx_all = (xb * xb).sum(dim=1)
        g0 = self.score(dots_all, xx_all)
        sign_all = torch.sign(g0)
        radius = np.zeros(m)
        iters = np.zeros(m, dtype=np.int64)
        status = np.full(m, 4, dtype=np.int64)           # uncertifiable until searched
        radius[(sign_all == 0).numpy()] = np.nan
        idx = torch.nonzero(sign_all != 0).view(-1)
        dots, x_norm, sign = dots_all[idx], torch.sqrt(xx_all[idx]), sign_all[idx]
        k = idx.numel()
        delta = torch.full((k,), cfg.delta0, dtype=torch.float64)
        lo = torch.full((k,), cfg.lo, dtype=torch.float64)
        hi = torch.full((k,), cfg.hi, dtype=torch.float64)
        best = torch.full((k,), -math.inf, dtype=torch.float64)
        n_iter = torch.zeros(k, dtype=torch.int64)
        while idx.numel() > 0:
            v = self.margins(dots, x_norm, sign, delta)
            n_iter += 1
            cert = v >= 0
            best = torch.where(cert, torch.maximum(best, delta), best)
            stop = cert & (v < cfg.margin_stop)
            up = v > 0                                   # v = 0 and NaN move hi, as the reference
            lo = torch.where(up, delta, lo)
            hi = torch.where(up, hi, delta)
            delta = (lo + hi) / 2
            exhausted = ~stop & (n_iter >= cfg.T)
            tol = ~stop & ~exhausted & (hi - lo < cfg.delta_tol)
            done = stop | exhausted | tol
            if bool(done.any()):
                d_idx = idx[done].numpy()
                b = best[done].numpy()
                found = np.isfinite(b)
                radius[d_idx] = np.where(found, b, 0.0)
                iters[d_idx] = n_iter[done].numpy()
                kind = np.where(stop[done].numpy(), 0, np.where(tol[done].numpy(), 1, 2))
                status[d_idx] = np.where(found, kind, 3)
                keep = ~done
                idx, dots, x_norm, sign = idx[keep], dots[keep], x_norm[keep], sign[keep]
                delta, lo, hi, best, n_iter = delta[keep], lo[keep], hi[keep], best[keep], n_iter[keep]
        return g0.double().numpy(), radius, iters, status

    def certify_all(self, x_test, cfg, batch):
        """All inner products in one matmul, then the searches batch by batch."""
        dots = x_test @ self.sv_t
        parts = [self.certify_batch(x_test[r0:r0 + batch], dots[r0:r0 + batch], cfg) for r0 in range(0, x_test.shape[0], batch)]
        return tuple(np.concatenate(p) for p in zip(*parts))


def blas_threads(n):
    """Limits BLAS to n threads (threadpoolctl, which scikit-learn installs), if it is there."""
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=n, user_api="blas")
    except ImportError:
        pass


def result_json(cert, a, g0, radius, iters, status, seconds):
    counted = status != 4
    return {
        "peer": "certify_torch_batched.py",
        "torch": torch.__version__,
        "dtype": a.dtype,
        "threads": torch.get_num_threads(),
        "nan_mode": a.nan_mode,
        "batch": a.batch,
        "n_support_vectors": int(cert.alpha.numel()),
        "n_test": int(g0.size),
        "seconds": seconds,
        "total_probes": int(iters.sum()),
        "status_counts": {STATUS[s]: int((status == s).sum()) for s in range(len(STATUS))},
        "mean_radius": float(radius[counted].mean()) if counted.any() else None,
        "points": [{"index": i, "g0": float(g0[i]), "radius": None if math.isnan(radius[i]) else float(radius[i]),
                    "iterations": int(iters[i]), "status": STATUS[status[i]]} for i in range(g0.size)],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--alpha", required=True, help="coefficients, vector of n")
    ap.add_argument("--x-train", required=True, help="training inputs, n x d")
    ap.add_argument("--x-test", required=True, help="test inputs, m x d")
    ap.add_argument("--bias", type=float, default=0.0)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    ap.add_argument("--threads", type=int, default=0, help="torch and BLAS threads (0: torch's default)")
    ap.add_argument("--nan-mode", choices=["sound", "reference"], default="sound")
    ap.add_argument("--batch", type=int, default=32,
                    help="test points per batch (the fastest here: the temporaries of 32 x 7,899 stay in cache)")
    ap.add_argument("--delta0", type=float, default=0.05)
    ap.add_argument("--lo", type=float, default=0.0)
    ap.add_argument("--hi", type=float, default=0.3)
    ap.add_argument("--T", type=int, default=1000, help="most probes per point")
    ap.add_argument("--margin-stop", type=float, default=1e-3)
    ap.add_argument("--delta-tol", type=float, default=1e-9, help="stop once hi - lo is below this (0: off)")
    ap.add_argument("--reps", type=int, default=1, help="timed certifications of all points")
    ap.add_argument("--serve", action="store_true", help="one timed certification per 'run' line on stdin")
    ap.add_argument("--out", required=True, help="result JSON (of the first run)")
    a = ap.parse_args()
    dtype = torch.float64 if a.dtype == "float64" else torch.float32
    if a.threads > 0:
        torch.set_num_threads(a.threads)
        blas_threads(a.threads)
    torch.set_grad_enabled(False)
    alpha = torch.from_numpy(np.asarray(np.load(a.alpha), dtype=np.float64).reshape(-1))
    x_train = torch.from_numpy(np.asarray(np.load(a.x_train), dtype=np.float64))
    x_test = torch.from_numpy(np.asarray(np.load(a.x_test), dtype=np.float64))
    if x_train.shape[0] != alpha.shape[0] or x_train.shape[1] != x_test.shape[1]:
        ap.error(f"shape mismatch: alpha {tuple(alpha.shape)}, x_train {tuple(x_train.shape)}, x_test {tuple(x_test.shape)}")
    cert = Certifier(alpha, x_train, a.bias, dtype, a.nan_mode)
    x_test = x_test.to(dtype)

    first = True

    def run_once():
        nonlocal first
        t0 = time.perf_counter()
        g0, radius, iters, status = cert.certify_all(x_test, a, a.batch)
        seconds = time.perf_counter() - t0
        if first:
            with open(a.out, "w") as f:
                json.dump(result_json(cert, a, g0, radius, iters, status, seconds), f, indent=1)
            first = False
        return seconds, iters, status

    if a.serve:
        print("ready", flush=True)
        for line in sys.stdin:
            if line.strip() != "run":
                break
            seconds, _, _ = run_once()
            print(f"seconds {seconds!r}", flush=True)
        return 0
    for _ in range(a.reps):
        seconds, iters, status = run_once()
        print(f"{x_test.shape[0]} points, {cert.alpha.numel()} support vectors, {seconds:.3f} s ({a.dtype}, "
              f"{torch.get_num_threads()} threads, {a.nan_mode}), {int(iters.sum())} probes, "
              + ", ".join(f"{STATUS[s]} {int((status == s).sum())}" for s in range(len(STATUS))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
