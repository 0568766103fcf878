#!/usr/bin/env bash
# The shop on io_uring against the same shop on NIO (`--transport`): GET /products/{random id} on
# PostgreSQL and GET /hello, measured with wrk in alternating rounds, and the ratios io_uring / NIO.
#
# Builds nothing: run `mvn -q package -DskipTests` in the project root first. Needs wrk and
# PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth, database test), and a kernel that
# allows io_uring (the shop refuses `--transport io_uring` otherwise, and this script stops).
#
#   benchmarks/load/transport.sh                   # DURATION=10s per wrk run, WARMUP=15s, ROUNDS=3
#   RESULTS_DIR=benchmarks/results benchmarks/load/transport.sh
#
# Both shops run at once (the idle one uses no CPU), each warmed by WARMUP of both loads; then each
# round runs `wrk -t2 -c64 -d$DURATION` on /products/{random} (random-product.lua) against
# io_uring, then NIO, then /hello against each, the order of the pair alternating by round.
# Target: io_uring >= 1.0 x NIO on both (it is the default; it must never be the slower).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-15s}"
ROUNDS="${ROUNDS:-3}"
positive_int ROUNDS "$ROUNDS"
URING_PORT=18101
NIO_PORT=18102
LUA="$(dirname "$0")/random-product.lua"
DB="jdbc:postgresql://127.0.0.1:5432/test?user=postgres"

need_wrk
SHOP_ONLY=1 require_jars
record_meta "ROUNDS=$ROUNDS DURATION=$DURATION benchmarks/load/transport.sh"

trap stop_servers EXIT
trap 'exit 130' INT TERM

start_server io_uring "$JAVA" -jar "$SHOP_JAR" --port "$URING_PORT" --db "$DB" --transport io_uring
start_server nio "$JAVA" -jar "$SHOP_JAR" --port "$NIO_PORT" --db "$DB" --transport nio

echo "warming up: wrk -t2 -c64 -d$WARMUP of each load against each shop"
for port in "$URING_PORT" "$NIO_PORT"; do
  warm_wrk "http://127.0.0.1:$port" "$WARMUP" 64 -s "$LUA"
  warm_wrk "http://127.0.0.1:$port/hello" "$WARMUP"
done

declare -A runs
for ((round = 1; round <= ROUNDS; round++)); do
  order=(io_uring nio)
  ((round % 2 == 0)) && order=(nio io_uring)
  for load in products hello; do
    for kind in "${order[@]}"; do
      port="$URING_PORT"
      [[ "$kind" == nio ]] && port="$NIO_PORT"
      if [[ "$load" == products ]]; then
        rps="$(run_wrk "http://127.0.0.1:$port" "$DURATION" 64 -s "$LUA")"
      else
        rps="$(run_wrk "http://127.0.0.1:$port/hello" "$DURATION")"
      fi
      runs[$load.$kind]="${runs[$load.$kind]:-} $rps"
      printf 'round %d  %-8s %-8s %10s req/s\n' "$round" "$load" "$kind" "$rps"
    done
  done
done

RECORD_PREFIX=products. compare_runs \
  "GET /products/{random id} on PostgreSQL, io_uring vs NIO, wrk -t2 -c64 -d$DURATION, $(nproc) cores" \
  "io_uring" "${runs[products.io_uring]}" "nio" "${runs[products.nio]}" 1.0
RECORD_PREFIX=hello. compare_runs \
  "GET /hello, io_uring vs NIO, wrk -t2 -c64 -d$DURATION, $(nproc) cores" \
  "io_uring" "${runs[hello.io_uring]}" "nio" "${runs[hello.nio]}" 1.0
