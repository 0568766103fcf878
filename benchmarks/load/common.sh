# Shared by the load scripts: where the jars are, starting a server and waiting for its
# "listening on" line, and stopping every server this script started (by its PID) on exit.
# Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Both can be overridden from the environment, e.g. to measure another build.
SHOP_JAR="${SHOP_JAR:-$ROOT/examples/target/bulwark-examples.jar}"
BENCH_JAR="${BENCH_JAR:-$ROOT/benchmarks/target/benchmarks.jar}"
JAVA="${JAVA:-java}"
LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-load.XXXXXX")"
STARTED_PIDS=()

# Checks the jars exist, then runs from private copies of them, so a build that rewrites
# target/ while the script runs (another terminal, an IDE) cannot pull classes from under it.
require_jars() {
  local jar
  for jar in "$SHOP_JAR" "$BENCH_JAR"; do
    if [[ ! -f "$jar" ]]; then
      echo "missing $jar; build first: (cd $ROOT && mvn -q package -DskipTests)" >&2
      exit 1
    fi
  done
  cp "$SHOP_JAR" "$LOG_DIR/bulwark-examples.jar"
  cp "$BENCH_JAR" "$LOG_DIR/benchmarks.jar"
  SHOP_JAR="$LOG_DIR/bulwark-examples.jar"
  BENCH_JAR="$LOG_DIR/benchmarks.jar"
}

# start_server NAME COMMAND...: starts it in the background, its output in $LOG_DIR/NAME.log,
# and waits (up to 60 s) for its "listening on" line; exits 1 if it dies or never gets there.
start_server() {
  local name="$1"
  shift
  local log="$LOG_DIR/$name.log"
  "$@" >"$log" 2>&1 &
  local pid=$!
  STARTED_PIDS+=("$pid")
  local waited=0
  until grep -q "^listening on http://" "$log" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited before it was ready; its output:" >&2
      cat "$log" >&2
      exit 1
    fi
    if (( waited >= 600 )); then
      echo "$name not ready after 60 s; its output:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  echo "$name ready (pid $pid): $(grep -m1 "^listening on http://" "$log")"
}

# Sends SIGTERM to each server started here, waits up to 15 s for it (the shop drains), then
# SIGKILLs any that is still there.
stop_servers() {
  local pid i
  for pid in "${STARTED_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]}"; do
    for ((i = 0; i < 150; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "pid $pid still running after SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  STARTED_PIDS=()
  rm -rf "$LOG_DIR"
}

trap stop_servers EXIT
trap 'exit 130' INT TERM
