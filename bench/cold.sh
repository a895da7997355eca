#!/usr/bin/env bash
# Whole-process Gram timings (issue 13): a one-shot `./tangent gram` against a numpy user's script
# (bench/peers/ntk_numpy.py), alternating in one run, beside the in-process bare ssyrk of the same X (scipy).
#
#   bench/cold.sh [rounds (5)] [n (10000)] [depth (2)]
#
# Same input for everyone: n x 784 centred f32 (uniform in [-0.5, 0.5), seed 0), f32 throughout, 2 threads, the same
# OPENBLAS_CORETYPE (whatever the environment sets; report it), outputs written to the same local folder, each run
# started after a sync (untimed) so that no party pays for the write-back of the one before.
# Prints a markdown table: median [min, max] wall, user and system seconds, peak RSS, and the ratios of medians.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-5}
N=${2:-10000}
DEPTH=${3:-2}
PY=/usr/bin/python3
WORK="$ROOT/bench/target/cold"
mkdir -p "$WORK"
export OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2
X="$WORK/x-$N.npy"
[ -f "$X" ] || $PY -c "
import numpy as np
np.save('$X', np.random.default_rng(0).uniform(-0.5, 0.5, ($N, 784)).astype(np.float32))"
"$ROOT/tangent" --version > /dev/null 2>&1 # builds the jar and the AOT cache if needed, outside the timings

SYRK=$($PY - "$X" <<'PYEOF'
import sys, time, statistics
import numpy as np
from scipy.linalg import blas
x = np.load(sys.argv[1])
blas.ssyrk(1.0, x)  # warm-up
ts = []
for _ in range(7):
    t = time.perf_counter(); blas.ssyrk(1.0, x); ts.append(time.perf_counter() - t)
maps = [l.split()[-1] for l in open('/proc/self/maps') if '.so' in l]
lib = next((m for m in maps if 'openblas' in m), next((m for m in maps if 'libblas' in m), '?'))
print("%.4f %.4f %.4f %s" % (statistics.median(ts), min(ts), max(ts), lib))
PYEOF
)
RAW="$WORK/raw.tsv"
: > "$RAW"
run() { # label command...
  local t
  t=$( { /usr/bin/time -f "%e %U %S %M" "${@:2}" > /dev/null 2> "$WORK/stderr.txt"; } 2>&1; tail -n 1 "$WORK/stderr.txt")
  echo -e "$1\t$(tail -n 1 "$WORK/stderr.txt")" >> "$RAW"
}
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then order="tangent numpy"; else order="numpy tangent"; fi
  for p in $order; do
    rm -f "$WORK/K-$p.npy"
    sync # untimed: the previous party's dirty pages (numpy writes through the page cache) are not flushed during this one
    if [ "$p" = tangent ]; then
      run tangent "$ROOT/tangent" gram --x "$X" --depth "$DEPTH" --dtype f32 --threads 2 --out "$WORK/K-tangent.npy"
    else
      run numpy $PY "$ROOT/bench/peers/ntk_numpy.py" "$X" "$WORK/K-numpy.npy" "$DEPTH"
    fi
    echo "round $r $p: $(tail -n 1 "$RAW" | cut -f2)" >&2
  done
done
$PY - "$RAW" "$SYRK" "$N" "$DEPTH" <<'PYEOF'
import sys, statistics, os, platform, subprocess
raw, syrk, n, depth = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4]
rows = {}
for line in open(raw):
    p, v = line.rstrip('\n').split('\t')
    rows.setdefault(p, []).append([float(t) for t in v.split()])
def stat(p, k):
    v = [r[k] for r in rows[p]]
    return statistics.median(v), min(v), max(v)
cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?')
print("machine: %s, %d cpus, load %s; OPENBLAS_CORETYPE=%s; n=%s, d=784, depth %s, f32, 2 threads; %d rounds" % (
    cpu, os.cpu_count(), ' '.join(open('/proc/loadavg').read().split()[:3]), os.environ.get('OPENBLAS_CORETYPE', 'unset'),
    n, depth, len(rows['tangent'])))
print()
print("| what | wall s | user s | sys s | peak RSS MB |")
print("|---|---|---|---|---|")
print("| bare `ssyrk` in-process (scipy, %s) | %s [%s, %s] | | | |" % (os.path.basename(syrk[3]), syrk[0], syrk[1], syrk[2]))
for p, name in (('tangent', '`tangent gram` whole process'), ('numpy', 'numpy script whole process')):
    cells = ["%.2f [%.2f, %.2f]" % stat(p, k) for k in range(3)]
    print("| %s | %s | %s |" % (name, " | ".join(cells), "%.0f" % (stat(p, 3)[0] / 1024)))
t, np_, s = stat('tangent', 0)[0], stat('numpy', 0)[0], float(syrk[0])
print()
print("tangent / ssyrk = %.2f (acceptance: <= 3); numpy / tangent = %.2f (acceptance: >= 5)" % (t / s, np_ / t))
PYEOF
