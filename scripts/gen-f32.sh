#!/usr/bin/env bash
# Regenerates the single-precision twins of the double-precision Vector API kernels.
# The f64 files are the source of truth: edit them, then run this script.
set -euo pipefail
cd "$(dirname "$0")/.."
gen() { # $1 = f64 source, $2 = f32 target
  sed -e 's/double precision/single precision (GENERATED from the f64 file: do not edit)/' \
      -e 's/VectorKernels64/VectorKernels32/g' \
      -e 's/DoubleVector/FloatVector/g' -e 's/VectorSpecies<Double>/VectorSpecies<Float>/g' -e 's/VectorMask<Double>/VectorMask<Float>/g' \
      -e 's/JAVA_DOUBLE_UNALIGNED/JAVA_FLOAT_UNALIGNED/g' -e 's/ValueLayout.OfDouble/ValueLayout.OfFloat/g' \
      -e 's/static final int ES = 8;/static final int ES = 4;/' \
      -e 's/\bdouble\b/float/g' \
      -e 's/1\.0 \//1.0f \//g' \
      "$1" > "$2"
}
gen engine/src/main/java/dev/tangent/compute/VectorKernels64.java engine/src/main/java/dev/tangent/compute/VectorKernels32.java
