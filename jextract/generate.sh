#!/usr/bin/env bash
# Regenerates the jextract FFM bindings in src/main/java:
#   dev.tangent.ffi.openblas  (cblas_h)   from openblas.args  (/usr/include/x86_64-linux-gnu/cblas.h)
#   dev.tangent.ffi.lapacke   (lapacke_h) from lapacke.args   (/usr/include/lapacke.h)
#
# Requirements: `jextract` on PATH (openjdk/jextract, JDK 22+ generator; this repo's sources were
# produced by jextract 23+f9866df running on JDK 25 with libclang 14), plus the Debian packages
# libopenblas-dev and liblapacke-dev for the headers. This script never builds or downloads jextract.
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

for header in /usr/include/x86_64-linux-gnu/cblas.h /usr/include/lapacke.h; do
    if [[ ! -f "$header" ]]; then
        echo "error: header $header not found (install libopenblas-dev and liblapacke-dev)." >&2
        exit 2
    fi
done

echo "Using $(command -v jextract):"
jextract --version | sed 's/^/  /'

OUT=src/main/java
rm -rf "$OUT/dev/tangent/ffi/openblas" "$OUT/dev/tangent/ffi/lapacke"
mkdir -p "$OUT"

# Note: "Skipping ... (type LongDouble is not supported)" warnings come from <complex.h>, pulled in
# by openblas_config.h / lapacke.h; they concern symbols we do not include and are harmless.
echo "Generating dev.tangent.ffi.openblas ..."
jextract @openblas.args
echo "Generating dev.tangent.ffi.lapacke ..."
jextract @lapacke.args

echo "Generated files:"
find "$OUT/dev/tangent/ffi/openblas" "$OUT/dev/tangent/ffi/lapacke" -type f -name '*.java' | sort | sed 's/^/  /'
