#!/usr/bin/env bash
# The shop's default worker pool on platform threads against the same pool on virtual threads
# (`--threads virtual`), on one JDK 21+ in one run: GET /blocking?ms=20 (a handler that blocks, on
# the pool) at $CONNS connections each, and GET /products/{random} (the event loop and the
# database bridge, which the option does not touch: a control).
#
# Builds nothing: run `mvn -q package -DskipTests` in the project root first.
#
#   benchmarks/load/threads.sh                          # JAVA=JDK 25, CONNS="64 512", 10 s rounds
#   DURATION=20s ROUNDS=3 benchmarks/load/threads.sh
#   RESULTS_DIR=benchmarks/results benchmarks/load/threads.sh   # also write threads.properties
#
# Both shops run at once (ports 18096 and 18097) with --workers and --worker-queue as large as the
# largest CONNS, so that admission never sheds and the figure is the threads' own; each is warmed
# with one wrk run per endpoint, then wrk -t2 -c<conns> -d$DURATION alternates platform, virtual
# ($ROUNDS rounds). The ratio virtual/platform is from the best runs (the mean is printed too).
set -euo pipefail

JAVA="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-5s}"
ROUNDS="${ROUNDS:-2}"
CONNS="${CONNS:-64 512}"
positive_int ROUNDS "$ROUNDS"
max_conns=0
for c in $CONNS; do
  positive_int CONNS "$c"
  ((c > max_conns)) && max_conns=$c
done
PLATFORM_PORT=18096
VIRTUAL_PORT=18097

if ! "$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ { exit !($2 >= 21) }'; then
  echo "JAVA must be Java 21 or later for virtual threads, but $JAVA is $("$JAVA" -version 2>&1 | head -1)" >&2
  exit 2
fi
need_wrk
SHOP_ONLY=1 require_jars

pool=(--workers "$max_conns" --worker-queue "$max_conns")
start_server platform "$JAVA" -jar "$SHOP_JAR" --port "$PLATFORM_PORT" "${pool[@]}" --threads platform
start_server virtual "$JAVA" -jar "$SHOP_JAR" --port "$VIRTUAL_PORT" "${pool[@]}" --threads virtual
LUA="$ROOT/benchmarks/load/random-product.lua"

# rounds NAME CONNS PATH [wrk options...]: warm-up, then $ROUNDS alternating runs; compare_runs.
rounds() {
  local name="$1" conns="$2" path="$3" port rps platform=() virtual=() round
  shift 3
  for port in "$PLATFORM_PORT" "$VIRTUAL_PORT"; do
    # Unchecked: a cold shop on a busy machine may shed a few requests (503) while it warms up.
    wrk -t2 -c"$conns" -d"$WARMUP" "$@" "http://127.0.0.1:$port$path" >/dev/null
  done
  for ((round = 1; round <= ROUNDS; round++)); do
    rps="$(run_wrk "http://127.0.0.1:$PLATFORM_PORT$path" "$DURATION" "$conns" "$@")"
    platform+=("$rps")
    echo "round $round  $name  platform  $rps req/s"
    rps="$(run_wrk "http://127.0.0.1:$VIRTUAL_PORT$path" "$DURATION" "$conns" "$@")"
    virtual+=("$rps")
    echo "round $round  $name  virtual   $rps req/s"
  done
  RECORD_PREFIX="$name." compare_runs "$name, wrk -t2 -c$conns -d$DURATION, $(nproc) cores, $("$JAVA" -version 2>&1 | head -1)" \
    "virtual threads" "${virtual[*]}" "platform threads" "${platform[*]}" 0
}

record_meta "JAVA=$JAVA CONNS=\"$CONNS\" DURATION=$DURATION ROUNDS=$ROUNDS benchmarks/load/threads.sh"
for c in $CONNS; do
  rounds "blocking-c$c" "$c" "/blocking?ms=20"
done
rounds "products-c64" 64 "" -s "$LUA"
