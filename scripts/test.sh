#!/usr/bin/env bash
# The test suite: installs what the tests need (as root, via apt; fails naming what is missing), finds JDK 25 and runs
# mvn verify with the arguments given, e.g. -Pacceptance, -Pgpu, -Pavx2 (README, "Testing").
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/install-deps.sh test
. scripts/java25.sh
export JAVA_HOME="$JAVA25"
export PATH="$JAVA_HOME/bin:$PATH"
exec mvn -B -ntp verify "$@"
