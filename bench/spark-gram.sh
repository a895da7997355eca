#!/usr/bin/env bash
# Issue 19, acceptance 3: the Fashion-MNIST NTK Gram (depth 2, f32; N = 60,000 by default) as a block job on a Spark
# standalone cluster of this machine (a Master and 2 Workers of 1 core each, tasks with 1 thread: the machine's 2
# cores) against the single-process tangent gram (2 threads), then the blocks read back (assembled, every block's
# SHA-256 checked) and compared with the single-process file byte for byte after the headers.
#   bench/spark-gram.sh [OUT_DIR=/work/tmp/spark-gram]      (N=20000 bench/spark-gram.sh for a shorter run)
# Takes the whole machine: on a shared machine run it under flock (flock /work/tmp/bigrun.lock bench/spark-gram.sh).
# Needs 2.5 x 4·N² bytes of disk (36 GB for N = 60,000); deletes its outputs at the end unless KEEP=1.
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
OUT=${1:-/work/tmp/spark-gram}
N=${N:-60000}
cd "$ROOT"
mkdir -p "$OUT"
rm -rf "$OUT/K.npy" "$OUT/K-blocks" "$OUT/K-assembled.npy"
./tangent --version
echo "== load before: $(cat /proc/loadavg)"
echo "== single process: tangent gram, $N points"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KiB" \
  ./tangent gram --x fashion-mnist:train --limit "$N" --depth 2 --dtype f32 --out "$OUT/K.npy"
echo "== load: $(cat /proc/loadavg)"
scripts/spark-standalone.sh start 2 1 3g
trap 'scripts/spark-standalone.sh stop' EXIT
sleep 5
echo "== Spark standalone cluster, 2 Workers x 1 core: tangent spark gram"
/usr/bin/time -f "wall %e s (driver process: user %U s, sys %S s, peak RSS %M KiB)" \
  ./tangent spark gram --master spark://127.0.0.1:7077 --threads 1 --conf spark.executor.memory=1g \
    --x fashion-mnist:train --limit "$N" --depth 2 --dtype f32 --out "$OUT/K-blocks"
scripts/spark-standalone.sh stop
trap - EXIT
echo "== load: $(cat /proc/loadavg)"
du -sh "$OUT/K-blocks"
echo "== read back: tangent spark assemble (checks every block's SHA-256)"
/usr/bin/time -f "wall %e s" ./tangent spark assemble --shards "$OUT/K-blocks" --out "$OUT/K-assembled.npy"
off() { /usr/bin/python3 -c "import numpy as np, sys; print(np.load(sys.argv[1], mmap_mode='r').offset)" "$1"; }
a=$(off "$OUT/K.npy"); b=$(off "$OUT/K-assembled.npy")
if cmp -i "$a:$b" "$OUT/K.npy" "$OUT/K-assembled.npy"; then
  echo "== the blocks read back equal tangent gram's $N x $N matrix byte for byte ($(( $(stat -c %s "$OUT/K.npy") - a )) data bytes)"
else
  echo "== DIFFERENT"
  exit 1
fi
if [ "${KEEP:-0}" != 1 ]; then
  rm -rf "$OUT/K.npy" "$OUT/K-blocks" "$OUT/K-assembled.npy"
fi
