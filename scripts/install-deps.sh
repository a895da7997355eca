#!/usr/bin/env bash
# Installs the Debian packages Tangent needs, when they are missing and we are root.
#   scripts/install-deps.sh runtime   OpenBLAS, LAPACKE, Fashion-MNIST (what ./tangent needs)
#   scripts/install-deps.sh test      runtime + the peers the tests compare against (LIBSVM, numpy, scipy, scikit-learn)
# Exit 0 when everything is present afterwards; otherwise one line on stderr naming what is missing and the apt-get
# command that installs it, and exit 1 (without root it cannot install, so it only checks).
set -euo pipefail
mode=${1:-runtime}
runtime_pkgs=(libopenblas0-pthread liblapacke dataset-fashion-mnist)
test_pkgs=(libsvm-tools python3-numpy python3-scipy python3-sklearn)
case "$mode" in
  runtime) pkgs=("${runtime_pkgs[@]}") ;;
  test) pkgs=("${runtime_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "install-deps.sh: unknown mode '$mode', expected runtime or test" >&2; exit 2 ;;
esac
missing_pkgs() {
  local p
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}
mapfile -t missing < <(missing_pkgs)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "tangent: installing ${missing[*]} with apt-get (one time)" >&2
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 5 "$log" >&2
  fi
  rm -f "$log"
  mapfile -t missing < <(missing_pkgs)
  [ ${#missing[@]} -eq 0 ] && exit 0
fi
echo "tangent: missing Debian packages ($mode): ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
exit 1
