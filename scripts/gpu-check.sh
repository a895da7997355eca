#!/usr/bin/env bash
# The GPU checks of issue 18 (the CUDA provider), prepared on a development machine and run on a GPU machine that has
# an NVIDIA driver, CUDA 13 libraries in a Python environment (nvidia-cublas, nvidia-cusolver), JAX and CuPy, but no
# Java and no network.
#
#   scripts/gpu-check.sh prepare        here (JDK 25, Maven, ~/.m2): builds the jars, the test classpath, the test
#                                       runner and a jlink'd runtime into .gpu-check/ (about 45 MB, ignored by git)
#   scripts/gpu-check.sh run [WHAT...]  on the GPU machine, in the repository root with .gpu-check/ beside it:
#                                       info | tests | bench | peers | all (the default: all four, in that order);
#                                       results go to $OUT when it is set (the device tool's output folder), else to
#                                       .gpu-check/results
#
# With the device tool of these sessions (the task must have been lent a GPU; status says so):
#   scripts/gpu-check.sh prepare
#   run(command="bash scripts/gpu-check.sh run all", carry=[".gpu-check"], timeout_s=600)
# and read $OUT's summary.txt, gpu-tests.txt, info.txt, bench-*.json, peer-*.json, compare.json.
#
# What it checks (issue 18):
#   tests  the gpu-tagged tests (CudaProviderGpuTest, CudaCliGpuTest): every GPU result against the CPU provider
#          within 1e-10 (f64) / 1e-4 (f32) of max, kernel-matrix services, solves, interval bounds
#   bench  acceptance 1: `tangent gram`'s Gram (n = 50,000, d = 784, depth 2, f32) against the bare cuBLAS SSYRK of
#          the same X (CudaGramBenchmark: medians, TFLOP/s, agreement with the CPU provider on 64 rows); f64 at 20,000
#   peers  acceptance 2: the same kernel by JAX (bench/peers/ntk_jax.py) and CuPy (ntk_cupy.py) on the same X and GPU,
#          and the agreement of the three on the sampled rows (compare_rows.py)
# Environment: PYTHON (default python3), TANGENT_CUDA_LIBS (default: the nvidia/*/lib directories of PYTHON's
# environment), GPU_CHECK_N (default 50000).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
G=.gpu-check

prepare() {
    export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
    export PATH="$JAVA_HOME/bin:$PATH"
    echo "gpu-check prepare: building (tests of the gpu tier only; they skip here) ..."
    mvn -B -q -o -ntp -Pgpu package -Dtest='CudaProviderGpuTest,CudaCliGpuTest' -Dsurefire.failIfNoSpecifiedTests=false
    rm -rf "$G"
    mkdir -p "$G/lib" "$G/runner"
    # the test classpath as surefire used it (its report records it), directories packed as jars, jazzer left out
    local cp=""
    for report in engine/target/surefire-reports/TEST-dev.tangent.compute.CudaProviderGpuTest.xml \
                  cli/target/surefire-reports/TEST-dev.tangent.cli.CudaCliGpuTest.xml; do
        [[ -f "$report" ]] || { echo "gpu-check prepare: $report missing (did the build run the gpu tests?)" >&2; exit 1; }
        cp="$cp:$(sed -n 's/.*name="surefire.test.class.path" value="\([^"]*\)".*/\1/p' "$report")"
    done
    local entries=() seen=" "
    IFS=: read -r -a entries <<< "$cp"
    local classpath=""
    for e in "${entries[@]}"; do
        [[ -z "$e" || "$seen" == *" $e "* || "$e" == *jazzer* ]] && continue
        seen="$seen$e "
        local name
        if [[ -d "$e" ]]; then
            name="$(basename "$(dirname "$(dirname "$e")")")-$(basename "$e").jar"   # e.g. engine-test-classes.jar
            jar cf "$G/lib/$name" -C "$e" .
        else
            name=$(basename "$e")
            cp "$e" "$G/lib/$name"
        fi
        classpath="$classpath${classpath:+:}$G/lib/$name"
    done
    jar cf "$G/lib/bench-classes.jar" -C bench/target/classes .
    classpath="$classpath:$G/lib/bench-classes.jar"
    echo "$classpath" > "$G/classpath.txt"
    cp cli/target/tangent.jar "$G/tangent.jar"
    javac -d "$G/runner" -cp "$classpath" scripts/GpuCheck.java
    # the runtime (TOOLCHAIN section 1.8): what the uber jar, JUnit (jdk.zipfs: its scan of jars) and the benchmark need
    local tmp
    tmp=$(mktemp -d)
    "$JAVA_HOME/bin/jlink" --add-modules java.base,jdk.incubator.vector,java.logging,java.management,jdk.unsupported,jdk.zipfs \
        --strip-debug --no-header-files --no-man-pages --compress zip-6 \
        --add-options="--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED" --output "$tmp/rt" 2>/dev/null
    tar czf "$G/rt.tar.gz" -C "$tmp" rt
    rm -rf "$tmp"
    echo "gpu-check prepare: $G is $(du -sh "$G" | cut -f1); on the GPU machine run: bash scripts/gpu-check.sh run all (carry $G)"
}

out_dir() {
    local o=${OUT:-$G/results}
    mkdir -p "$o"
    echo "$o"
}

setup() {
    [[ -f "$G/classpath.txt" ]] || { echo "gpu-check run: $G is missing: run scripts/gpu-check.sh prepare first and carry $G" >&2; exit 2; }
    [[ -x "$G/rt/bin/java" ]] || tar xzf "$G/rt.tar.gz" -C "$G"
    JAVA="$G/rt/bin/java"
    PY=${PYTHON:-python3}
    CP=$(cat "$G/classpath.txt")
    W="$G/work"
    mkdir -p "$W"
    if [[ -z "${TANGENT_CUDA_LIBS:-}" ]] && command -v "$PY" >/dev/null 2>&1; then
        TANGENT_CUDA_LIBS=$("$PY" - <<'EOF' 2>/dev/null || true
import glob, importlib.util, os
spec = importlib.util.find_spec("nvidia")
dirs = []
for p in (spec.submodule_search_locations if spec else []):
    dirs += sorted(d for d in glob.glob(os.path.join(p, "*", "lib")) if os.path.isdir(d))
print(":".join(dirs))
EOF
)
        export TANGENT_CUDA_LIBS
    fi
    echo "TANGENT_CUDA_LIBS=${TANGENT_CUDA_LIBS:-}"
}

run_info() {
    local o
    o=$(out_dir)
    { nvidia-smi 2>&1 || echo "nvidia-smi: not available"; echo; "$JAVA" -jar "$G/tangent.jar" info 2>&1; } | tee "$o/info.txt"
}

run_tests() {
    local o
    o=$(out_dir)
    set +e
    "$JAVA" -cp "$G/runner:$CP" GpuCheck 2>&1 | tee "$o/gpu-tests.txt"
    local rc=${PIPESTATUS[0]}
    set -e
    echo "gpu tests: exit $rc" | tee -a "$o/gpu-tests.txt"
    return 0
}

data() { # $1 = n
    local f="$W/x$1.npy"
    [[ -f "$f" ]] || "$PY" -c "import numpy as np; np.save('$f', np.random.default_rng(0).random(($1, 784), dtype=np.float32))"
    echo "$f"
}

run_bench() {
    local o n x
    o=$(out_dir)
    n=${GPU_CHECK_N:-50000}
    x=$(data "$n")
    "$JAVA" -cp "$CP" dev.tangent.bench.CudaGramBenchmark --x "$x" --depth 2 --dtype f32 --rows-out "$W/tangent_rows.npy" \
        --out "$o/bench-cuda-f32.json" 2>&1 | tail -n 40 || echo "bench f32 failed" | tee -a "$o/errors.txt"
    "$JAVA" -cp "$CP" dev.tangent.bench.CudaGramBenchmark --n 20000 --d 784 --depth 2 --dtype f64 --reps 3 \
        --out "$o/bench-cuda-f64.json" 2>&1 | tail -n 40 || echo "bench f64 failed" | tee -a "$o/errors.txt"
}

run_peers() {
    local o n x
    o=$(out_dir)
    n=${GPU_CHECK_N:-50000}
    x=$(data "$n")
    export XLA_PYTHON_CLIENT_MEM_FRACTION=${XLA_PYTHON_CLIENT_MEM_FRACTION:-0.9}
    "$PY" bench/peers/ntk_jax.py --x "$x" --depth 2 --dtype float32 --rows-out "$W/jax_rows.npy" --out "$o/peer-jax.json" \
        || echo "jax failed" | tee -a "$o/errors.txt"
    "$PY" bench/peers/ntk_jax.py --x "$x" --depth 2 --dtype float32 --precision default --reps 3 --out "$o/peer-jax-tf32.json" \
        || echo "jax (default precision) failed" | tee -a "$o/errors.txt"
    "$PY" bench/peers/ntk_cupy.py --x "$x" --depth 2 --dtype float32 --rows-out "$W/cupy_rows.npy" --out "$o/peer-cupy.json" \
        || echo "cupy failed" | tee -a "$o/errors.txt"
    "$PY" bench/peers/ntk_cupy.py --x "$x" --depth 2 --dtype float32 --mode fused --reps 3 --out "$o/peer-cupy-fused.json" \
        || echo "cupy (fused) failed" | tee -a "$o/errors.txt"
    "$PY" bench/peers/compare_rows.py tangent="$W/tangent_rows.npy" jax="$W/jax_rows.npy" cupy="$W/cupy_rows.npy" \
        --out "$o/compare.json" || true
}

summary() {
    local o
    o=$(out_dir)
    "$PY" - "$o" <<'EOF' | tee "$o/summary.txt"
import json, os, sys
o = sys.argv[1]
def load(name):
    p = os.path.join(o, name)
    return json.load(open(p)) if os.path.exists(p) else None
t = load("bench-cuda-f32.json")
if t:
    print("acceptance 1 (%s, n = %d, d = %d, %s, %s):" % (t["device"], t["n"], t["d"], t["kernel"], t["dtype"]))
    print("  SSYRK %.4f s = %.1f TFLOP/s; Gram on the device %.4f s = %.2fx SSYRK (%.1f TFLOP/s)"
          % (t["median_syrk_seconds"], t["syrk_tflops"], t["median_gram_device_seconds"], t["ratio_gram_device_to_syrk"],
             t["gram_device_tflops"]))
    print("  from host X: Gram %.4f s, upload + SSYRK %.4f s: %.2fx; max |GPU - CPU| = %.2e of max |K| (64 rows)"
          % (t["median_gram_seconds"], t["median_syrk_upload_seconds"], t["ratio_gram_to_syrk_with_upload"],
             t["relative_diff_vs_cpu"]))
for name, label in (("peer-jax.json", "JAX (highest)"), ("peer-jax-tf32.json", "JAX (default: TF32)"),
                    ("peer-cupy.json", "CuPy (layers)"), ("peer-cupy-fused.json", "CuPy (fused)")):
    p = load(name)
    if p and t:
        print("acceptance 2, %s: %.4f s on the device (%.2fx Tangent's %.4f s); %.4f s with the upload (%.2fx Tangent's %.4f s)"
              % (label, p["median_seconds_device"], p["median_seconds_device"] / t["median_gram_device_seconds"],
                 t["median_gram_device_seconds"], p["median_seconds_with_upload"],
                 p["median_seconds_with_upload"] / t["median_gram_seconds"], t["median_gram_seconds"]))
c = load("compare.json")
if c:
    print("agreement of the sampled rows:", json.dumps({k: v for k, v in c.items() if k != "missing"}))
EOF
}

cmd=${1:-}
shift || true
case "$cmd" in
    prepare) prepare ;;
    run)
        setup
        what=("$@")
        [[ ${#what[@]} -eq 0 || "${what[0]}" == all ]] && what=(info tests bench peers)
        for w in "${what[@]}"; do
            case "$w" in
                info) run_info ;;
                tests) run_tests ;;
                bench) run_bench ;;
                peers) run_peers ;;
                *) echo "gpu-check run: unknown part '$w', expected info, tests, bench, peers or all" >&2; exit 2 ;;
            esac
        done
        summary
        ;;
    *) echo "usage: scripts/gpu-check.sh prepare | run [info|tests|bench|peers|all ...]" >&2; exit 2 ;;
esac
