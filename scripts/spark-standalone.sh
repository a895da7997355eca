#!/usr/bin/env bash
# A Spark standalone cluster on this machine, for trying tangent spark and for measuring it: a Master and WORKERS
# Workers, each a separate JVM started from the Spark jars of the spark module (spark/target/lib, laid out as a Spark
# installation under spark/target/standalone), on 127.0.0.1.
#   scripts/spark-standalone.sh start [WORKERS=2] [CORES=1] [MEMORY=2g]   prints the master URL (spark://127.0.0.1:7077)
#   scripts/spark-standalone.sh stop
# Logs and the Workers' directories are in spark/target/standalone. A real cluster is used the same way: pass its
# master URL to tangent spark --master (README, "Tangent on Apache Spark").
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$ROOT/scripts/java25.sh"
HOME_DIR="$ROOT/spark/target/standalone"
PORT=${SPARK_MASTER_PORT:-7077}
cmd=${1:-}
case "$cmd" in
  start)
    workers=${2:-2}; cores=${3:-1}; memory=${4:-2g}
    if [ ! -d "$ROOT/spark/target/lib" ]; then
      echo "spark-standalone: building the spark module..." >&2
      (cd "$ROOT" && JAVA_HOME="$JAVA25" PATH="$JAVA25/bin:$PATH" mvn -B -q -ntp -DskipTests -pl spark -am package)
    fi
    if [ -f "$HOME_DIR/master.pid" ] && kill -0 "$(cat "$HOME_DIR/master.pid")" 2>/dev/null; then
      echo "spark-standalone: a cluster is already running (stop it first)" >&2
      exit 2
    fi
    rm -rf "$HOME_DIR/jars" "$HOME_DIR/conf"
    mkdir -p "$HOME_DIR/jars" "$HOME_DIR/conf"
    ln -s "$ROOT"/spark/target/lib/*.jar "$HOME_DIR/jars/"
    cp "$ROOT/spark/conf/log4j2.properties" "$HOME_DIR/conf/"
    export SPARK_HOME="$HOME_DIR" SPARK_CONF_DIR="$HOME_DIR/conf" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 JAVA_HOME="$JAVA25"
    opens=(-XX:+IgnoreUnrecognizedVMOptions -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true
      --sun-misc-unsafe-memory-access=allow)
    for o in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
        java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.util.calendar; do
      opens+=(--add-opens=java.base/$o=ALL-UNNAMED)
    done
    run() { # name main args...
      local name=$1; shift
      nohup "$JAVA25/bin/java" "${opens[@]}" -Xmx512m -cp "$HOME_DIR/conf:$HOME_DIR/jars/*" "$@" > "$HOME_DIR/$name.log" 2>&1 &
      echo $! > "$HOME_DIR/$name.pid"
    }
    run master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$PORT" --webui-port 8080
    for _ in $(seq 1 100); do
      (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break
      sleep 0.2
    done
    for w in $(seq 1 "$workers"); do
      mkdir -p "$HOME_DIR/work-$w"
      run "worker-$w" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores "$cores" --memory "$memory" \
        --webui-port $((8080 + w)) --work-dir "$HOME_DIR/work-$w" "spark://127.0.0.1:$PORT"
    done
    echo "spark://127.0.0.1:$PORT"
    ;;
  stop)
    for f in "$HOME_DIR"/worker-*.pid "$HOME_DIR"/master.pid; do
      [ -f "$f" ] || continue
      pid=$(cat "$f")
      # the Worker's executors first (its children), then the Worker or Master itself
      for c in $(pgrep -P "$pid" 2>/dev/null || true); do kill "$c" 2>/dev/null || true; done
      kill "$pid" 2>/dev/null || true
      rm -f "$f"
    done
    ;;
  *)
    echo "usage: scripts/spark-standalone.sh start [WORKERS] [CORES] [MEMORY] | stop" >&2
    exit 2
    ;;
esac
