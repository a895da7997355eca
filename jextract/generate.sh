#!/usr/bin/env bash
# Regenerates the jextract FFM bindings in src/main/java:
#   dev.tangent.ffi.openblas  (cblas_h)   from openblas.args  (/usr/include/x86_64-linux-gnu/cblas.h)
#   dev.tangent.ffi.lapacke   (lapacke_h) from lapacke.args   (/usr/include/lapacke.h)
#   dev.tangent.ffi.cuda      (cuda_h)    from cuda.args      (/usr/local/cuda/include/cuda.h, the CUDA 13 driver API)
#   dev.tangent.ffi.cublas    (cublas_h)  from cublas.args    (../native/include/tangent_cuda_libs.h: cuBLAS, cuSOLVER)
#
# Requirements: `jextract` on PATH (openjdk/jextract, JDK 22+ generator; this repo's sources were
# produced by jextract 23+f9866df running on JDK 25 with libclang 14), plus the Debian packages
# libopenblas-dev and liblapacke-dev for the headers, and the CUDA toolkit's cuda.h (CUDA 13.0 at
# /usr/local/cuda). This script never builds or downloads jextract. jextract 23+f9866df builds without
# gradle: `javac --release 25 --module-version 23+f9866df -d out $(find src/main/java -name '*.java')`, copy
# src/main/resources into out, and run `java -Djava.library.path=DIR_WITH_libclang.so
# -Djextract.header.path=/usr/lib/llvm-14/lib/clang/14.0.6/include --enable-native-access=org.openjdk.jextract
# -p out -m org.openjdk.jextract/org.openjdk.jextract.JextractTool` (Debian: libclang1-14, libclang-common-14-dev).
#
# The generated code uses no --library option: symbols are resolved through
# SymbolLookup.loaderLookup(), so dev.tangent.ffi.NativeLibraries must System.load(...) the
# libraries before the first native call. Only the two generated packages are deleted here;
# everything else under src/main/java (e.g. dev/tangent/ffi/NativeLibraries.java) is left alone.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v jextract >/dev/null 2>&1; then
    echo "error: 'jextract' not found on PATH." >&2
    echo "       Install jextract (https://github.com/openjdk/jextract) and put its bin/ directory on PATH." >&2
    exit 2
fi

for header in /usr/include/x86_64-linux-gnu/cblas.h /usr/include/lapacke.h /usr/local/cuda/include/cuda.h \
        ../native/include/tangent_cuda_libs.h; do
    if [[ ! -f "$header" ]]; then
        echo "error: header $header not found (install libopenblas-dev and liblapacke-dev; cuda.h comes with the CUDA toolkit)." >&2
        exit 2
    fi
done

echo "Using $(command -v jextract):"
jextract --version | sed 's/^/  /'

OUT=src/main/java
rm -rf "$OUT/dev/tangent/ffi/openblas" "$OUT/dev/tangent/ffi/lapacke" "$OUT/dev/tangent/ffi/cuda" "$OUT/dev/tangent/ffi/cublas"
mkdir -p "$OUT"

# Note: "Skipping ... (type LongDouble is not supported)" warnings come from <complex.h>, pulled in
# by openblas_config.h / lapacke.h; they concern symbols we do not include and are harmless.
echo "Generating dev.tangent.ffi.openblas ..."
jextract @openblas.args
echo "Generating dev.tangent.ffi.lapacke ..."
jextract @lapacke.args
echo "Generating dev.tangent.ffi.cuda ..."
jextract @cuda.args
echo "Generating dev.tangent.ffi.cublas ..."
jextract @cublas.args

echo "Generated files:"
find "$OUT/dev/tangent/ffi/openblas" "$OUT/dev/tangent/ffi/lapacke" "$OUT/dev/tangent/ffi/cuda" "$OUT/dev/tangent/ffi/cublas" -type f -name '*.java' | sort | sed 's/^/  /'
