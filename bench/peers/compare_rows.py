#!/usr/bin/env python3
"""Agreement of the sampled Gram rows that CudaGramBenchmark (--rows-out), ntk_jax.py and ntk_cupy.py saved.

  python3 bench/peers/compare_rows.py tangent=tangent_rows.npy jax=jax_rows.npy cupy=cupy_rows.npy --out compare.json

For each pair, max |a - b| over the rows and that over max |first|: the issue's tolerance for float32 is 1e-4 of max
(1e-10 for float64). The same without the diagonal entries K(x_i, x_i) (row a holds point floor(a*n/r)): Tangent sets
them from the squared norms (c = q exactly), while neural-tangents' formulas take arccos of a cosine that rounding puts
just below 1, which is ill-conditioned there (arccos(1 - e) ~ sqrt(2e)): in float64 the peers' diagonal differs from the
exact value by about 1e-5 relative (measured with numpy on 300 points, depth 2), off the diagonal by 1e-15.
A missing file is reported and skipped.
"""
import json
import os
import sys

import numpy as np


def main():
    args = [a for a in sys.argv[1:] if "=" in a]
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else None
    rows = {}
    res = {"missing": []}
    for a in args:
        name, path = a.split("=", 1)
        if os.path.exists(path):
            rows[name] = np.load(path).astype(np.float64)
        else:
            res["missing"].append(name)
    names = list(rows)
    scale = float(np.max(np.abs(rows[names[0]]))) if names else float("nan")
    res["max_abs"] = scale
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            a, b = rows[names[i]], rows[names[j]]
            key = names[i] + "_vs_" + names[j]
            if a.shape != b.shape:
                res[key] = "shapes differ: %s and %s" % (a.shape, b.shape)
                continue
            diff = np.abs(a - b)
            r, n = a.shape
            off = diff.copy()
            off[np.arange(r), (np.arange(r) * n) // r] = 0
            res[key] = {"max_abs_diff": float(diff.max()), "relative_to_max": float(diff.max()) / scale,
                        "max_abs_diff_off_diagonal": float(off.max()), "relative_off_diagonal": float(off.max()) / scale}
    print(json.dumps(res, indent=2))
    if out:
        with open(out, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
