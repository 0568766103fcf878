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
# With SHOP_ONLY=1 only the shop jar is needed.
require_jars() {
  local jar jars=("$SHOP_JAR")
  [[ "${SHOP_ONLY:-0}" == 1 ]] || jars+=("$BENCH_JAR")
  for jar in "${jars[@]}"; do
    if [[ ! -f "$jar" ]]; then
      echo "missing $jar; build first: (cd $ROOT && mvn -q package -DskipTests)" >&2
      exit 1
    fi
  done
  cp "$SHOP_JAR" "$LOG_DIR/bulwark-examples.jar"
  SHOP_JAR="$LOG_DIR/bulwark-examples.jar"
  if [[ "${SHOP_ONLY:-0}" != 1 ]]; then
    cp "$BENCH_JAR" "$LOG_DIR/benchmarks.jar"
    BENCH_JAR="$LOG_DIR/benchmarks.jar"
  fi
}

# Machine-readable results, for benchmarks/charts.sh and docs/BENCHMARKS.md. When RESULTS_DIR is
# set, `record KEY VALUE` appends KEY=VALUE to $RESULTS_DIR/<script name>.properties, which the
# first record of a run starts anew with the run's command, date, JDK, cores and load. Without
# RESULTS_DIR it does nothing, so a trial run leaves the recorded results alone. RESULTS_JDK
# overrides the JDK recorded (a script that runs several).
RESULTS_NAME="$(basename "$0" .sh)"
RESULTS_COMMAND="benchmarks/load/$(basename "$0")${*:+ $*}"
RESULTS_FILE=""
if [[ -n "${RESULTS_DIR:-}" ]]; then
  RESULTS_DIR="$(mkdir -p "$RESULTS_DIR" && cd "$RESULTS_DIR" && pwd)"
fi

# record_meta COMMAND: the command line to record for this run (default: the script and its
# arguments; pass the environment variables that shaped the run).
record_meta() {
  RESULTS_COMMAND="$1"
}

record() {
  [[ -n "${RESULTS_DIR:-}" ]] || return 0
  if [[ -z "$RESULTS_FILE" ]]; then
    RESULTS_FILE="$RESULTS_DIR/$RESULTS_NAME.properties"
    {
      echo "script=$RESULTS_NAME"
      echo "command=$RESULTS_COMMAND"
      echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
      echo "jdk=${RESULTS_JDK:-$("$JAVA" -version 2>&1 | head -1 | tr -d '"')}"
      echo "cores=$(nproc)"
      echo "load=$(cut -d' ' -f1 /proc/loadavg)"
    } >"$RESULTS_FILE"
  fi
  echo "$1=$2" >>"$RESULTS_FILE"
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
      # Where a stuck start stands: a JVM prints its threads to its own output on SIGQUIT.
      kill -QUIT "$pid" 2>/dev/null && sleep 2
      echo "$name not ready after 60 s; its output (with its threads, if it is a JVM):" >&2
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

# wrk_out URL DURATION [CONNECTIONS [WRK OPTIONS...]]: `wrk -t2 -c64` (or -cCONNECTIONS) against
# URL; prints wrk's report as it is.
wrk_out() {
  local url="$1" duration="$2" conns="${3:-64}"
  shift 2
  [[ $# -gt 0 ]] && shift
  wrk -t2 -c"$conns" -d"$duration" "$@" "$url"
}

# wrk_report URL DURATION [CONNECTIONS [WRK OPTIONS...]]: wrk_out's run; prints wrk's report.
# Exits 1 on socket errors or non-2xx answers (a 304 counts as non-2xx for wrk, so send no
# validators).
wrk_report() {
  local out
  out="$(wrk_out "$@")"
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then
    echo "wrk against $1 saw errors:" >&2
    echo "$out" >&2
    exit 1
  fi
  echo "$out"
}

# run_wrk URL DURATION [CONNECTIONS [WRK OPTIONS...]]: wrk_report's run; prints requests/s.
run_wrk() {
  local out
  out="$(wrk_report "$@")" || exit 1
  awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

# warm_wrk URL DURATION [CONNECTIONS [WRK OPTIONS...]]: a warm-up run, measured by nothing. Exits
# 1 on socket errors; non-2xx answers are allowed but counted on stderr: a cold JVM serves slowly,
# and the shop's admission control may shed with 503 ("overloaded, retry after 1s") until it is
# warm. The measured runs after it (run_wrk) still fail on any non-2xx answer.
warm_wrk() {
  local out
  out="$(wrk_out "$@")"
  if grep -q "Socket errors" <<<"$out"; then
    echo "wrk warming up $1 saw socket errors:" >&2
    echo "$out" >&2
    exit 1
  fi
  if grep -q "Non-2xx" <<<"$out"; then
    echo "warm-up of $1: $(awk '/Non-2xx/ { print $NF }' <<<"$out") non-2xx answers of $(awk '/requests in/ { print $1 }' <<<"$out") (a cold shop sheds)" >&2
  fi
}

# The unit of the CPU times in /proc: clock ticks per second.
CLK_TCK="$(getconf CLK_TCK)"

# cpu_ticks STAT...: "USER SYS", the CPU time in clock ticks (CLK_TCK a second) from each
# /proc/PID/stat or /proc/PID/task/TID/stat given, one line per file in order; a file that is gone
# (its thread or process ended) gives no line. The fields are counted after the command name,
# which may hold spaces and parentheses (a JVM's "VM Thread").
cpu_ticks() {
  local stat
  for stat in "$@"; do
    awk '{ sub(/^.*\) /, ""); print $12, $13 }' "$stat" 2>/dev/null || true
  done
}

# PostgreSQL on 127.0.0.1:5432 for psql and pgbench: user postgres, trust auth.
PG="-h 127.0.0.1 -p 5432 -U postgres"

# need_pgbench_db: creates pgbench's database, bulwark_pgbench (scale 10), unless it exists.
# Needs psql and pgbench.
need_pgbench_db() {
  if ! psql $PG -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'bulwark_pgbench'" | grep -q 1; then
    psql $PG -d postgres -qc "CREATE DATABASE bulwark_pgbench"
    pgbench $PG -i -s 10 -q bulwark_pgbench
  fi
}

# positive_int NAME VALUE: exits 2 naming the variable unless VALUE is a positive integer.
positive_int() {
  if [[ ! "$2" =~ ^[1-9][0-9]*$ ]]; then
    echo "$1 must be a positive integer, but was '$2'" >&2
    exit 2
  fi
}

# record_results TEXT: records KEY=VALUE for each field of every `RESULT k=v ...` line in TEXT,
# each key prefixed with $RECORD_PREFIX (see record).
record_results() {
  local line kv
  while IFS= read -r line; do
    [[ "$line" == "RESULT "* ]] || continue
    for kv in ${line#RESULT }; do
      record "${RECORD_PREFIX:-}${kv%%=*}" "${kv#*=}"
    done
  done <<<"$1"
}

# need_wrk: installs wrk from Debian's packages when it is missing; exits 1 with a hint if that fails.
need_wrk() {
  if ! command -v wrk >/dev/null 2>&1; then
    # A new machine has none: install it from Debian's packages, as .ci/run does for its tools.
    echo "installing wrk" >&2
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; } || true
  fi
  if ! command -v wrk >/dev/null 2>&1; then
    echo "wrk is not installed and could not be installed; on Debian/Ubuntu: apt-get install -y wrk" >&2
    exit 1
  fi
}

# compare_runs TITLE NAME_A "RUNS_A" NAME_B "RUNS_B" TARGET: prints the best and mean requests/s
# of each side, the ratio A/B of the best runs (interference on a shared machine only ever lowers
# a run, so the best is the least disturbed) and of the means, PASS or BELOW TARGET against
# TARGET, and a machine-readable RESULT line; with RESULTS_DIR set, records all of it (each key
# prefixed with $RECORD_PREFIX, for a script that compares more than one pair).
compare_runs() {
  awk -v title="$1" -v na="$2" -v a="$3" -v nb="$4" -v b="$5" -v target="$6" '
    function stats(list, out,   n, v, i) {
      n = split(list, v, " ")
      out["best"] = 0; out["mean"] = 0; out["n"] = n
      for (i = 1; i <= n; i++) {
        if (v[i] + 0 > out["best"]) out["best"] = v[i] + 0
        out["mean"] += v[i] / n
      }
    }
    BEGIN {
      stats(a, A); stats(b, B)
      ratio = A["best"] / B["best"]
      printf "\n%s, best of %d (mean in brackets)\n", title, A["n"]
      printf "  %-16s %10.0f req/s  (%.0f)\n", na, A["best"], A["mean"]
      printf "  %-16s %10.0f req/s  (%.0f)\n", nb, B["best"], B["mean"]
      printf "  ratio            %10.3f        (%.3f)  target >= %.2f: %s\n", ratio,
          A["mean"] / B["mean"], target, ratio >= target ? "PASS" : "BELOW TARGET"
      printf "RESULT a_rps=%.0f b_rps=%.0f ratio=%.3f\n", A["best"], B["best"], ratio
    }' | tee "$LOG_DIR/compare.out"
  local result
  result="$(awk '/^RESULT / { print $2, $3, $4 }' "$LOG_DIR/compare.out")"
  local p="${RECORD_PREFIX:-}"
  record "${p}title" "$1"
  record "${p}a" "$2"
  record "${p}b" "$4"
  record "${p}a_runs" "$(tr ' ' ',' <<<"$3")"
  record "${p}b_runs" "$(tr ' ' ',' <<<"$5")"
  record "${p}target" "$6"
  for kv in $result; do
    record "$p${kv%%=*}" "${kv#*=}"
  done
}

trap stop_servers EXIT
trap 'exit 130' INT TERM
