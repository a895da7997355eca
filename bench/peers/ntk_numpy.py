#!/usr/bin/python3
"""A numpy user's f32 NTK Gram: the peer of a one-shot `tangent gram --depth L --dtype f32` (bench/cold.sh).

The kernel of Dense, (ReLU, Dense) x depth in neural-tangents' stax conventions (inputs averaged over features,
weight std 1, no bias), by the arc-cosine recursion in float32 throughout, written with np.save like a user would:

    usage: ntk_numpy.py X.npy K.npy [depth]

It computes the full matrix (numpy has no symmetric elementwise path) and prints its own phase times to stderr.
"""
import sys
import time

import numpy as np


def ntk(x, depth):
    d = x.shape[1]
    nngp = x @ x.T                      # float32 GEMM through numpy's BLAS
    nngp *= np.float32(1.0 / d)
    q = np.diagonal(nngp).copy()
    ntk = nngp.copy()
    for _ in range(depth):
        norms = np.sqrt(np.outer(q, q))
        cos = np.clip(nngp / norms, -1.0, 1.0)
        theta = np.arccos(cos)
        dot = (np.pi - theta) / np.float32(2 * np.pi)
        nngp = norms * (np.sin(theta) + (np.pi - theta) * cos) / np.float32(2 * np.pi)
        ntk = nngp + ntk * dot
        q = np.diagonal(nngp).copy()
    return ntk.astype(np.float32, copy=False)


def main():
    t0 = time.perf_counter()
    x = np.load(sys.argv[1]).astype(np.float32, copy=False)
    depth = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    t1 = time.perf_counter()
    k = ntk(x, depth)
    t2 = time.perf_counter()
    np.save(sys.argv[2], k)
    t3 = time.perf_counter()
    print("numpy: load %.3f s, kernel %.3f s, save %.3f s" % (t1 - t0, t2 - t1, t3 - t2), file=sys.stderr)


if __name__ == "__main__":
    main()
