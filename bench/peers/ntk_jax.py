#!/usr/bin/env python3
"""The NTK Gram of a fully-connected ReLU network on a GPU with JAX, written to neural-tangents' formulas.

Issue 18's acceptance 2 times Tangent's CUDA provider against "the same kernel computed by JAX on the same GPU". This
is that kernel: neural-tangents' stax.serial(Dense(1, 0), (Relu(), Dense(1, 0)) x depth) in NTK parameterisation, as
neural-tangents computes it layer by layer on whole kernel matrices (our transcription of stax.Dense and stax.ABRelu's
kernel rules, spec PAPERS.md section 3.2; neural-tangents itself is not needed):

  input      nngp = X X^T / d,  q_i = |x_i|^2 / d,  ntk = 0
  Dense      nngp <- w^2 nngp + b^2,  q <- w^2 q + b^2,  ntk <- nngp + w^2 ntk
  ReLU       cos = nngp / sqrt(q_i q_j) clipped to [-1, 1],  theta = arccos(cos)
             dot  = (pi - theta) / (2 pi)
             nngp <- (sqrt(max(q_i q_j - nngp^2, 0)) + (pi - theta) nngp) / (2 pi),  q <- q / 2,  ntk <- ntk * dot

The whole map is one jax.jit function (XLA fuses the elementwise layers after the X X^T matmul). Matmul precision is
"highest" by default: on Ampere and Hopper JAX's "default" float32 matmul runs in TF32 (10-bit mantissa), which is not
the float32 Gram Tangent and cuBLAS SSYRK compute; --precision default measures that too.

  python3 bench/peers/ntk_jax.py --x X.npy --depth 2 --dtype float32 [--reps 5] [--warmup 2] \
      [--rows 64 --rows-out jax_rows.npy] --out jax.json

Timings (medians, after warm-up, block_until_ready): seconds_device with X already on the device, and
seconds_with_upload including jax.device_put of X. rows-out saves the rows floor(a*n/rows) of K, the rows
CudaGramBenchmark saves, for compare_rows.py.
"""
import argparse
import json
import math
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--x", required=True, help="n x d points (.npy)")
    ap.add_argument("--depth", type=int, default=2, help="hidden ReLU layers")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--precision", choices=["highest", "default"], default="highest")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rows", type=int, default=64)
    ap.add_argument("--rows-out")
    ap.add_argument("--out")
    a = ap.parse_args()

    import jax
    if a.dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_default_matmul_precision", a.precision)
    import jax.numpy as jnp

    x_host = np.load(a.x).astype(a.dtype)
    n, d = x_host.shape
    depth = a.depth

    @jax.jit
    def ntk(x):
        w2, b2 = 1.0, 0.0
        nngp = (x @ x.T) / d
        q = jnp.sum(x * x, axis=1) / d
        # the first Dense
        nngp = w2 * nngp + b2
        q = w2 * q + b2
        th = nngp
        for _ in range(depth):
            prod = q[:, None] * q[None, :]
            cos = jnp.clip(nngp / jnp.sqrt(prod), -1.0, 1.0)
            theta = jnp.arccos(cos)
            dot = (math.pi - theta) / (2 * math.pi)
            nngp = (jnp.sqrt(jnp.maximum(prod - nngp * nngp, 0.0)) + (math.pi - theta) * nngp) / (2 * math.pi)
            q = q / 2
            th = th * dot
            nngp = w2 * nngp + b2
            q = w2 * q + b2
            th = nngp + w2 * th
        return th

    def timed(fn):
        ts = []
        out = None
        for k in range(a.warmup + a.reps):
            if out is not None:
                del out
            t0 = time.perf_counter()
            out = fn()
            out.block_until_ready()
            t1 = time.perf_counter()
            if k >= a.warmup:
                ts.append(t1 - t0)
        return ts, out

    x_dev = jax.device_put(x_host)
    x_dev.block_until_ready()
    t_dev, k = timed(lambda: ntk(x_dev))
    del k
    t_up, k = timed(lambda: ntk(jax.device_put(x_host)))
    if a.rows_out:
        idx = (np.arange(min(a.rows, n)) * n) // min(a.rows, n)
        np.save(a.rows_out, np.asarray(k[idx]))
    del k

    res = {
        "peer": "jax",
        "jax_version": jax.__version__,
        "device": str(jax.devices()[0]),
        "n": n, "d": d, "depth": depth, "dtype": a.dtype, "precision": a.precision,
        "seconds_device": t_dev, "seconds_with_upload": t_up,
        "median_seconds_device": float(np.median(t_dev)), "median_seconds_with_upload": float(np.median(t_up)),
    }
    print(json.dumps(res, indent=2))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
