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
# ratio of the means is printed too). Target: ratio >= 0.90. Both servers are stopped on exit.
# Default total time: about 75 s.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-5s}"
ROUNDS="${ROUNDS:-2}"
SHOP_PORT=18080
BARE_PORT=18081
TARGET=0.90

if [[ ! "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
  echo "ROUNDS must be a positive integer, but was '$ROUNDS'" >&2
  exit 2
fi

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is not installed; on Debian/Ubuntu: apt-get install -y wrk" >&2
  exit 1
fi
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

# run_wrk URL DURATION: prints requests/s; fails on socket errors or non-2xx answers.
run_wrk() {
  local out
  out="$(wrk -t2 -c64 -d"$2" "$1")"
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then
    echo "wrk against $1 saw errors:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

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

awk -v s="${shop_runs[*]}" -v b="${bare_runs[*]}" -v target="$TARGET" \
    -v cores="$(nproc)" -v dur="$DURATION" -v rounds="$ROUNDS" '
  function stats(list, out,   n, v, i) {
    n = split(list, v, " ")
    out["best"] = 0; out["mean"] = 0
    for (i = 1; i <= n; i++) {
      if (v[i] + 0 > out["best"]) out["best"] = v[i] + 0
      out["mean"] += v[i] / n
    }
  }
  BEGIN {
    stats(s, shop); stats(b, bare)
    ratio = shop["best"] / bare["best"]
    printf "\nGET /hello, wrk -t2 -c64 -d%s, %d cores, best of %d (mean in brackets)\n", dur, cores, rounds
    printf "  shop (Bulwark)   %10.0f req/s  (%.0f)\n", shop["best"], shop["mean"]
    printf "  bare Vert.x      %10.0f req/s  (%.0f)\n", bare["best"], bare["mean"]
    printf "  ratio shop/bare  %10.3f        (%.3f)  target >= %.2f: %s\n", ratio,
        shop["mean"] / bare["mean"], target, ratio >= target ? "PASS" : "BELOW TARGET"
    printf "RESULT shop_rps=%.0f bare_rps=%.0f ratio=%.3f\n", shop["best"], bare["best"], ratio
  }'
