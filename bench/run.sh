#!/usr/bin/env bash
# Runs one table of docs/BENCHMARKS.md and prints it. From the repository root:
#
#   bench/run.sh gram      GramBenchmark: fused Gram vs syrk (and the Java backend), unit01 and centred inputs, f32/f64,
#                          once per OpenBLAS core type (Haswell, and SkylakeX where the CPU has AVX-512)
#   bench/run.sh harness   the same ratios from `tangent bench gram` (Gram and syrk alternating run by run in one JVM;
#                          each repetition's ratio pairs two neighbouring runs, robust to load that drifts): REPS
#                          repetitions (default 9) per core type, dtype and inputs
#   bench/run.sh machine   MachineBenchmark: KRR solve vs its dposv floor (and the copy), one SVM epoch
#   bench/run.sh smo       SmoBenchmark: SmoSolver vs scikit-learn SVC(precomputed), interleaved fits
#   bench/run.sh certify   CertifyBenchmark: KernelCertifier vs the batched PyTorch peer (same work), 1 and 2 threads
#   bench/run.sh network | data | libsvm   the other JMH classes (NetworkStepBenchmark, DataReadBenchmark, LibsvmParseBenchmark)
#
# Any further arguments go to JMH (e.g. -p n=2000, -i 3). Environment:
#   ROUNDS     rounds (default 2); each round runs every benchmark of the class in one fresh JMH fork, so the parties
#              alternate round by round and a table pools ROUNDS forks
#   CORETYPES  OpenBLAS core types, one run each (default: "Haswell SkylakeX" for gram on an AVX-512 CPU, else
#              "Haswell"); exported as OPENBLAS_CORETYPE to the JVM and to every peer process it starts
#   OUT        result directory (default bench/results/<name>-<date>); JMH JSON, logs and machine.txt go there
#
# The machine, JDK, load average (before and after each round) and the core type are recorded in OUT/machine.txt and
# printed with the table (bench/summarize.py). Needs JDK 25 (JAVA_HOME, default Temurin 25) and, for the peers,
# Debian's python3-sklearn and python3-torch.
set -euo pipefail

name=${1:?usage: bench/run.sh gram|map|machine|smo|certify|network|data|libsvm [JMH args]}
shift
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"

case "$name" in
  gram) class=GramBenchmark ;;
  map) class=MapBenchmark ;;
  harness) class=- ;;
  machine) class=MachineBenchmark ;;
  smo) class=SmoBenchmark ;;
  certify) class=CertifyBenchmark ;;
  network) class=NetworkStepBenchmark ;;
  data) class=DataReadBenchmark ;;
  libsvm) class=LibsvmParseBenchmark ;;
  *) echo "bench/run.sh: unknown table '$name' (expected gram, map, harness, machine, smo, certify, network, data or libsvm)" >&2; exit 2 ;;
esac

avx512=no
grep -qw avx512f /proc/cpuinfo && avx512=yes
if [[ -z "${CORETYPES:-}" ]]; then
  CORETYPES=Haswell
  [[ ($name == gram || $name == harness) && $avx512 == yes ]] && CORETYPES="Haswell SkylakeX"
fi
ROUNDS=${ROUNDS:-2}
OUT=${OUT:-bench/results/$name-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

jar=bench/target/benchmarks.jar
# (re)built when missing or older than any pom or main source, as ./tangent does for its jar
if [[ $name != harness ]] && { [[ ! -f $jar ]] || [[ -n "$(find pom.xml ./*/pom.xml ./*/src/main -newer "$jar" -type f -print -quit 2>/dev/null)" ]]; }; then
  mvn -B -q -ntp -pl bench -am package -DskipTests
fi

extra=()
[[ $name == certify ]] && extra=(-p threads=1,2)

{
  echo "date: $(date -Is)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') ($(lscpu | sed -n 's/^Vendor ID: *//p') family $(lscpu | sed -n 's/^CPU family: *//p') model $(lscpu | sed -n 's/^Model: *//p')), $(nproc) CPUs, AVX-512: $avx512"
  echo "memory: $(free -g | awk '/^Mem/ {print $2}') GiB"
  echo "jdk: $(java -version 2>&1 | sed -n 2p)"
  echo "openblas: $(dpkg-query -W -f '${Version}' libopenblas0-pthread 2>/dev/null || echo '?') (Debian libopenblas0-pthread)"
  echo "python: $(/usr/bin/python3 -c 'import importlib
out = []
for m in ("numpy", "sklearn", "torch"):
    try:
        out.append(m + " " + importlib.import_module(m).__version__)
    except ImportError:
        out.append(m + " missing")
print(", ".join(out))' 2>/dev/null)"
  echo "command: bench/run.sh $name $*  (ROUNDS=$ROUNDS CORETYPES=\"$CORETYPES\")"
  echo "other OPENBLAS_* variables: $(env | grep '^OPENBLAS_' | grep -v '^OPENBLAS_CORETYPE=' | tr '\n' ' ')"
} > "$OUT/machine.txt"

if [[ $name == harness ]]; then
  echo "command: REPS=${REPS:=9}; each: ./tangent bench gram --backend openblas --threads 2 --dtype D --inputs I --reps $REPS --warmup 2 $*" >> "$OUT/machine.txt"
  for round in $(seq "$ROUNDS"); do
    for core in $CORETYPES; do
      for dtype in f32 f64; do
        for inputs in unit01 centred; do
          dir="$OUT/harness-$core-$dtype-$inputs-r$round"
          mkdir -p "$dir"
          echo "round $round core $core $dtype $inputs: load average before $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
          OPENBLAS_CORETYPE=$core ./tangent bench gram --backend openblas --threads 2 --dtype "$dtype" --inputs "$inputs" \
              --reps "$REPS" --warmup 2 --out "$dir" "$@" 2>/dev/null | tee "$dir/stdout.txt"
        done
      done
    done
  done
  /usr/bin/python3 bench/summarize.py "$name" "$OUT" | tee "$OUT/summary.md"
  exit 0
fi

first=${CORETYPES%% *}
for round in $(seq "$ROUNDS"); do
  for core in $CORETYPES; do
    pattern=$class
    # the Java backend's Gram does not call OpenBLAS: time it with the first core type only
    [[ $name == gram && $core != "$first" ]] && pattern="$class.(gramOpenblas|syrkOpenblas|pair)"
    echo "round $round core $core: load average before $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
    OPENBLAS_CORETYPE=$core java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar "$jar" \
        "$pattern" -f 1 "${extra[@]}" "$@" -rf json -rff "$OUT/$name-$core-r$round.json" 2>&1 | tee "$OUT/$name-$core-r$round.log"
    echo "round $round core $core: load average after  $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
  done
done

/usr/bin/python3 bench/summarize.py "$name" "$OUT" | tee "$OUT/summary.md"
