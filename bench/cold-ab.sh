#!/usr/bin/env bash
# Whole-process `tangent gram` from several checkouts, alternating in one run (issue 13: a change against main, with
# each checkout's own jar and AOT cache), on bench/cold.sh's input:
#
#   bench/cold-ab.sh ROUNDS DIR [DIR...]      e.g. bench/cold-ab.sh 7 /path/to/main .
#
# Each round runs `DIR/tangent gram --x x-10000.npy --depth 2 --dtype f32 --threads 2 --out K.npy` once per DIR, in
# the order given, after an untimed sync; prints wall, user and system seconds per DIR: median [min, max].
# GRAM_ARGS replaces the arguments before --out, e.g. GRAM_ARGS="--x fashion-mnist:train --limit 10000 --depth 2".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:?usage: bench/cold-ab.sh ROUNDS DIR [DIR...]}
shift
WORK="$ROOT/bench/target/cold"
mkdir -p "$WORK"
X="$WORK/x-10000.npy"
[ -f "$X" ] || /usr/bin/python3 -c "
import numpy as np
np.save('$X', np.random.default_rng(0).uniform(-0.5, 0.5, (10000, 784)).astype(np.float32))"
for d in "$@"; do "$d/tangent" --version > /dev/null 2>&1; done # builds and trains outside the timings
RAW="$WORK/ab.tsv"
: > "$RAW"
for r in $(seq 1 "$ROUNDS"); do
  for d in "$@"; do
    rm -f "$WORK/K-ab.npy"
    sync
    # shellcheck disable=SC2086
    /usr/bin/time -o "$WORK/time.txt" -f "%e %U %S" "$d/tangent" gram ${GRAM_ARGS:---x $X --depth 2 --dtype f32 --threads 2} \
      --out "$WORK/K-ab.npy" > /dev/null 2> "$WORK/stderr.txt"
    echo -e "$d\t$(tail -n 1 "$WORK/time.txt")" >> "$RAW"
  done
done
rm -f "$WORK/K-ab.npy"
/usr/bin/python3 - "$RAW" <<'PYEOF'
import sys, statistics, os
rows = {}
for line in open(sys.argv[1]):
    d, v = line.rstrip('\n').split('\t')
    rows.setdefault(d, []).append([float(t) for t in v.split()])
print("OPENBLAS_CORETYPE=%s, load %s" % (os.environ.get('OPENBLAS_CORETYPE', 'unset'), ' '.join(open('/proc/loadavg').read().split()[:3])))
print("| checkout | wall s | user s | sys s |")
print("|---|---|---|---|")
for d, v in rows.items():
    cells = []
    for k in range(3):
        x = [r[k] for r in v]
        cells.append("%.2f [%.2f, %.2f]" % (statistics.median(x), min(x), max(x)))
    print("| %s | %s |" % (d, " | ".join(cells)))
PYEOF
