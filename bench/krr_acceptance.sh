#!/usr/bin/env bash
# Issue 15's acceptance runs, each under the machine-wide lock (one big run at a time):
#   bench/krr_acceptance.sh fmnist N     Fashion-MNIST (paper B's preprocessing, tau = 0), N train, 10,000 test, ntk2,
#                                        the 20 regs of spec 7.5, f32 Gram, tol 1e-6 (acceptance 2; N = 60000)
#   bench/krr_acceptance.sh peers N      the same grid with numpy/scipy's per-reg exact solve (acceptance 4; N = 20000)
#   bench/krr_acceptance.sh synth N      spiked covariates (kappa = 0.5), N train, 5,000 test, ntk2, 10 regs (synth grid):
#                                        the preconditioned path (--solver cg) and, for N <= 20000, the exact one (a Cholesky factor per reg)
#                                        (acceptance 3; N = 100000 for the cg run alone)
# Writes under ${WORK:-/work/tmp/krr}; prints the load before and after and /usr/bin/time's peak RSS.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/work/tmp/krr}
what=$1
N=$2
mkdir -p "$WORK"
cd "$WORK"
fm=$WORK/fm0
[ -d "$fm" ] || "$ROOT/tangent" data prep --dataset fmnist-hf --noise-index 0 --out "$fm"
run() {
  echo "== $* (load before: $(cat /proc/loadavg))"
  flock /work/tmp/bigrun.lock /usr/bin/time -f "wall %e s, peak RSS %M KiB" "$@"
  echo "== load after: $(cat /proc/loadavg)"
}
case $what in
  fmnist)
    run "$ROOT/tangent" krr --train "$fm/X.npy" --train-labels "$fm/Y.npy" --test "$fm/Xt.npy" --test-labels "$fm/Yt.npy" \
      --train-limit "$N" --kernel ntk2 --regs fmnist --dtype f32 --memory 20G --out "$WORK/fmnist_$N" --overwrite ;;
  peers)
    run /usr/bin/python3 "$ROOT/bench/peers/krr_numpy.py" "$fm" "$N" 10000 "$WORK/numpy_errors_$N.npy" ;;
  synth)
    sy=$WORK/synth_$N
    [ -d "$sy" ] || "$ROOT/tangent" data prep --dataset synth --noise-index 5 --n "$N" --n-test 5000 --out "$sy"
    run "$ROOT/tangent" krr --train "$sy/X.npy" --train-labels "$sy/Y.npy" --test "$sy/Xt.npy" --test-labels "$sy/Yt.npy" \
      --kernel ntk2 --regs synth --dtype f32 --solver cg --memory 20G --out "$WORK/synth_cg_$N" --overwrite
    if [ "$N" -le 20000 ]; then
      run "$ROOT/tangent" krr --train "$sy/X.npy" --train-labels "$sy/Y.npy" --test "$sy/Xt.npy" --test-labels "$sy/Yt.npy" \
        --kernel ntk2 --regs synth --dtype f32 --solver cholesky --factorizations all --memory 20G --out "$WORK/synth_exact_$N" --overwrite
    fi ;;
  *) echo "usage: $0 fmnist|peers|synth N" >&2; exit 2 ;;
esac
