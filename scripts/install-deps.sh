#!/usr/bin/env bash
# Installs the Debian packages Tangent needs, when they are missing and we are root.
#   scripts/install-deps.sh runtime   OpenBLAS, LAPACKE, Fashion-MNIST (what ./tangent needs)
#   scripts/install-deps.sh test      runtime + the peers the tests compare against (LIBSVM, numpy, scipy, scikit-learn)
# Without root it only reports what is missing. Exit 0 when everything is present afterwards.
set -euo pipefail
mode=${1:-runtime}
runtime_pkgs=(libopenblas0-pthread liblapacke dataset-fashion-mnist)
test_pkgs=(libsvm-tools python3-numpy python3-scipy python3-sklearn)
pkgs=("${runtime_pkgs[@]}")
[ "$mode" = test ] && pkgs+=("${test_pkgs[@]}")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "tangent: missing Debian packages: ${missing[*]} (run as root: apt-get install ${missing[*]})" >&2
  exit 0
fi
echo "tangent: installing ${missing[*]} with apt-get (one time)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
