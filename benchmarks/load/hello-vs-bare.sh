#!/usr/bin/env bash
# The shop's GET /hello (Bulwark on vertx-web, metrics on) against the same answer from plain
# Vert.x core (BareVertxServer), both on loopback, measured with wrk.
#
# Builds nothing: run `mvn -q package -DskipTests` in the project root first.
#
#   benchmarks/load/hello-vs-bare.sh            # DURATION=15s per wrk run, WARMUP=5s, ROUNDS=2
#   DURATION=30s ROUNDS=3 benchmarks/load/hello-vs-bare.sh
#
# Starts the shop on 18080 and BareVertxServer on 18081 (both with one event loop per core),
# warms each with one wrk run of $WARMUP, then runs `wrk -t2 -c64 -d$DURATION` against each
# /hello in the order shop, bare, shop, bare ($ROUNDS rounds). It reports each run, the mean,
# and the BEST requests/s of each server; the ratio shop/bare is computed from the best runs (on a shared
# machine interference only ever lowers a run, so the best run is the least disturbed one; the
# ratio of the means is printed too). Target: ratio >= 0.95 (issue #11). Both servers are stopped on exit.
# Default total time: about 75 s.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-5s}"
ROUNDS="${ROUNDS:-2}"
SHOP_PORT=18080
BARE_PORT=18081
TARGET=0.95

if [[ ! "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
  echo "ROUNDS must be a positive integer, but was '$ROUNDS'" >&2
  exit 2
fi

need_wrk
require_jars

start_server shop "$JAVA" -jar "$SHOP_JAR" --port "$SHOP_PORT"
start_server bare "$JAVA" -cp "$BENCH_JAR" dev.bulwark.benchmarks.BareVertxServer --port "$BARE_PORT"

for url in "http://127.0.0.1:$SHOP_PORT/hello" "http://127.0.0.1:$BARE_PORT/hello"; do
  body="$(curl -sf "$url" || true)"
  if [[ "$body" != "Hello, World!" ]]; then
    echo "$url answered '$body', not 'Hello, World!'" >&2
    exit 1
  fi
done

echo "warming up: wrk -t2 -c64 -d$WARMUP against each"
run_wrk "http://127.0.0.1:$SHOP_PORT/hello" "$WARMUP" >/dev/null
run_wrk "http://127.0.0.1:$BARE_PORT/hello" "$WARMUP" >/dev/null

shop_runs=()
bare_runs=()
for ((round = 1; round <= ROUNDS; round++)); do
  rps="$(run_wrk "http://127.0.0.1:$SHOP_PORT/hello" "$DURATION")"
  shop_runs+=("$rps")
  echo "round $round  shop  $rps req/s"
  rps="$(run_wrk "http://127.0.0.1:$BARE_PORT/hello" "$DURATION")"
  bare_runs+=("$rps")
  echo "round $round  bare  $rps req/s"
done

compare_runs "GET /hello, wrk -t2 -c64 -d$DURATION, $(nproc) cores" "shop (Bulwark)" "${shop_runs[*]}" \
  "bare Vert.x" "${bare_runs[*]}" "$TARGET"
