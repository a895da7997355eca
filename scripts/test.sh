#!/usr/bin/env bash
# The whole test suite: installs what the tests need (as root, via apt), finds JDK 25, runs mvn verify.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/install-deps.sh test
. scripts/java25.sh
export JAVA_HOME="$JAVA25"
export PATH="$JAVA_HOME/bin:$PATH"
exec mvn -B -ntp verify "$@"
