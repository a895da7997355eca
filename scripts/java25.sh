# Sourced by ./tangent and scripts/test.sh: sets JAVA25 to the home of a JDK 25 (or newer), or exits 2.
# Looks at TANGENT_JAVA_HOME, JAVA_HOME, then /usr/lib/jvm/* (Debian/Temurin layout).
java_major() { # prints the feature version of the JDK at "$1", or nothing
  [ -x "$1/bin/java" ] || return 0
  local v
  # the release file answers in a millisecond; asking the JVM itself costs 0.1-0.4 s on every launch
  if [ -f "$1/release" ] && v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release") && [ -n "$v" ]; then
    echo "$v"
    return 0
  fi
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n 1
}
find_java25() {
  local c m
  for c in "${TANGENT_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -d "$c" ] || continue
    m=$(java_major "$c")
    if [ -n "$m" ] && [ "$m" -ge 25 ]; then
      JAVA25=$(cd "$c" && pwd)
      return 0
    fi
  done
  echo "tangent: JDK 25 not found: JAVA_HOME=${JAVA_HOME:-unset}, and no JDK >= 25 under /usr/lib/jvm; install Temurin 25 (or set TANGENT_JAVA_HOME to a JDK 25)" >&2
  exit 2
}
find_java25
