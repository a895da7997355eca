#!/usr/bin/env python3
"""The NTK Gram of a fully-connected ReLU network on a GPU with CuPy, written to neural-tangents' formulas.

The same kernel as ntk_jax.py (neural-tangents' stax.serial(Dense(1, 0), (Relu(), Dense(1, 0)) x depth), NTK
parameterisation; see that file for the rules), computed the way a CuPy port of neural-tangents' layer rules computes
it: the Gram X X^T by cuBLAS (cupy.matmul), then each layer as array operations on whole n x n matrices, in place
where the formula allows (peak: four n x n arrays and one temporary). --mode fused instead runs each layer's
elementwise rule as one cupy.fuse kernel (what a CuPy user who fuses by hand gets).

  python3 bench/peers/ntk_cupy.py --x X.npy --depth 2 --dtype float32 [--mode layers|fused] [--reps 5] \
      [--warmup 2] [--rows 64 --rows-out cupy_rows.npy] --out cupy.json

Timings (medians after warm-up, device synchronised): seconds_device with X already on the device, and
seconds_with_upload including cupy.asarray of X.
"""
import argparse
import json
import math
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--x", required=True)
    ap.add_argument("--depth", type=int, default=2)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--mode", choices=["layers", "fused"], default="layers")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rows", type=int, default=64)
    ap.add_argument("--rows-out")
    ap.add_argument("--out")
    a = ap.parse_args()

    import cupy as cp

    x_host = np.load(a.x).astype(a.dtype)
    n, d = x_host.shape
    w2, b2 = 1.0, 0.0
    two_pi = 2 * math.pi

    @cp.fuse()
    def relu_layer(nngp, th, qi, qj):
        prod = qi * qj
        theta = cp.arccos(cp.clip(nngp / cp.sqrt(prod), -1.0, 1.0))
        s = cp.sqrt(cp.maximum(prod - nngp * nngp, 0.0))
        new = (s + (math.pi - theta) * nngp) / two_pi
        return new, th * ((math.pi - theta) / two_pi)

    def ntk(x):
        nngp = x @ x.T
        nngp /= d
        q = cp.sum(x * x, axis=1) / d
        nngp *= w2
        nngp += b2
        q = w2 * q + b2
        th = nngp.copy()
        for _ in range(a.depth):
            if a.mode == "fused":
                nngp, th = relu_layer(nngp, th, q[:, None], q[None, :])
            else:
                prod = cp.outer(q, q)
                theta = nngp / cp.sqrt(prod)
                cp.clip(theta, -1.0, 1.0, out=theta)
                cp.arccos(theta, out=theta)
                cp.subtract(math.pi, theta, out=theta)      # pi - theta
                prod -= nngp * nngp
                cp.maximum(prod, 0.0, out=prod)
                cp.sqrt(prod, out=prod)                     # s = sqrt(q q' - c^2)
                nngp *= theta
                nngp += prod
                nngp /= two_pi                              # (s + (pi - theta) c) / (2 pi)
                th *= theta
                th /= two_pi                                # ntk * (pi - theta) / (2 pi)
                del prod, theta
            q = q / 2
            nngp *= w2
            nngp += b2
            q = w2 * q + b2
            th *= w2
            th += nngp
        del nngp
        return th

    def timed(fn):
        ts = []
        out = None
        for k in range(a.warmup + a.reps):
            if out is not None:
                del out
                cp.get_default_memory_pool().free_all_blocks()
            cp.cuda.Device().synchronize()
            t0 = time.perf_counter()
            out = fn()
            cp.cuda.Device().synchronize()
            t1 = time.perf_counter()
            if k >= a.warmup:
                ts.append(t1 - t0)
        return ts, out

    x_dev = cp.asarray(x_host)
    t_dev, k = timed(lambda: ntk(x_dev))
    del k
    t_up, k = timed(lambda: ntk(cp.asarray(x_host)))
    if a.rows_out:
        r = min(a.rows, n)
        idx = (np.arange(r) * n) // r
        np.save(a.rows_out, cp.asnumpy(k[cp.asarray(idx)]))
    del k

    res = {
        "peer": "cupy",
        "cupy_version": cp.__version__,
        "device": cp.cuda.runtime.getDeviceProperties(0)["name"].decode(),
        "n": n, "d": d, "depth": a.depth, "dtype": a.dtype, "mode": a.mode,
        "seconds_device": t_dev, "seconds_with_upload": t_up,
        "median_seconds_device": float(np.median(t_dev)), "median_seconds_with_upload": float(np.median(t_up)),
    }
    print(json.dumps(res, indent=2))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
