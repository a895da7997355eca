#!/usr/bin/env bash
# Compiles the CUDA kernels (native/tangent_kernels.cu + tangent_kernel_math.cuh) into the fatbin the engine loads with
# cuModuleLoadData, and records the checksums that keep it from drifting from its sources.
#
#   native/build.sh            regenerate the committed fatbin and its manifest (then commit both)
#   native/build.sh --check    compile into engine/target/native and fail when the committed manifest does not match
#                              the sources, or (same nvcc release) the committed fatbin differs from the compiled one;
#                              the engine's Maven profile `native` runs this whenever nvcc is installed
#
# Output (committed, like jextract's generated sources):
#   engine/src/main/resources/dev/tangent/compute/tangent_kernels.fatbin
#   engine/src/main/resources/dev/tangent/compute/tangent_kernels.manifest   (source and fatbin SHA-256, nvcc, flags)
# The fatbin holds SASS for sm_80 (A100) and sm_90 (H100/H200) and PTX for compute_80, which newer GPUs JIT-compile.
# nvcc 13 emits PTX ISA 9.0 and CUDA 13 cubins: the GPU host needs a CUDA 13 driver (R580 or later).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
res=engine/src/main/resources/dev/tangent/compute
sources=(native/tangent_kernels.cu native/tangent_kernel_math.cuh)
flags=(-O3 --fatbin -gencode "arch=compute_80,code=[sm_80,compute_80]" -gencode "arch=compute_90,code=sm_90")

if [[ ! -x "$NVCC" ]]; then
    echo "native/build.sh: nvcc not found (looked for \$NVCC, nvcc on PATH, /usr/local/cuda/bin/nvcc)" >&2
    exit 2
fi
release=$("$NVCC" --version | sed -n 's/.*release \([0-9.]*\), V\([0-9.]*\).*/\2/p')

manifest() { # $1 = fatbin
    echo "# native/build.sh: the sources, compiler and flags the fatbin was made from (checked by the build and by"
    echo "# CudaKernelsTest); regenerate both files with native/build.sh after editing a source."
    for s in "${sources[@]}"; do
        echo "source $(sha256sum "$s" | cut -d' ' -f1) $s"
    done
    echo "nvcc $release"
    echo "flags ${flags[*]}"
    echo "fatbin $(sha256sum "$1" | cut -d' ' -f1)"
}

if [[ "${1:-}" == "--check" ]]; then
    out=engine/target/native
    mkdir -p "$out"
    "$NVCC" "${flags[@]}" -o "$out/tangent_kernels.fatbin" native/tangent_kernels.cu
    manifest "$out/tangent_kernels.fatbin" > "$out/tangent_kernels.manifest"
    committed=$res/tangent_kernels.manifest
    if ! diff <(grep '^source' "$committed") <(grep '^source' "$out/tangent_kernels.manifest") >/dev/null; then
        echo "native/build.sh --check: $committed does not match the kernel sources; run native/build.sh and commit" >&2
        diff <(grep '^source' "$committed") <(grep '^source' "$out/tangent_kernels.manifest") >&2 || true
        exit 1
    fi
    if [[ "$(grep '^nvcc' "$committed")" == "nvcc $release" ]]; then
        if ! cmp -s "$out/tangent_kernels.fatbin" "$res/tangent_kernels.fatbin"; then
            echo "native/build.sh --check: the committed fatbin differs from what nvcc $release makes of its sources; run native/build.sh" >&2
            exit 1
        fi
        echo "native/build.sh --check: kernels compiled by nvcc $release; the committed fatbin matches its sources"
    else
        echo "native/build.sh --check: kernels compiled by nvcc $release; sources match the manifest (made by $(grep '^nvcc' "$committed"), so the binaries are not compared)"
    fi
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$NVCC" "${flags[@]}" -o "$tmp/tangent_kernels.fatbin" native/tangent_kernels.cu
manifest "$tmp/tangent_kernels.fatbin" > "$tmp/tangent_kernels.manifest"
mkdir -p "$res"
mv "$tmp/tangent_kernels.fatbin" "$tmp/tangent_kernels.manifest" "$res/"
echo "wrote $res/tangent_kernels.fatbin ($(stat -c %s "$res/tangent_kernels.fatbin") bytes, nvcc $release) and its manifest"
