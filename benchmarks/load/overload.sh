#!/usr/bin/env bash
# Overload: twice the shop's blocking capacity, offered at a fixed rate, must be shed fast.
#
# Builds nothing: run `mvn -q package -DskipTests` in the project root first.
#
#   benchmarks/load/overload.sh              # DURATION=30s measured, after warmups
#   DURATION=60s benchmarks/load/overload.sh
#
# Starts the shop with 8 workers, a queue of 16 and a 200 ms queue timeout on port 18082, so
# GET /blocking?ms=100 can serve 8 / 0.1 s = 80 requests/s. Warms the shop with $WARMUP of the
# same load (not measured), then runs LoadGen (open loop, fixed rate, latency from each request's
# scheduled time) at 160 requests/s for $DURATION after a 5 s in-run warmup, and checks:
#   - only 200s and 503s
#   - every 503 carries Retry-After
#   - p99 of the 200s <= 350 ms  (100 ms of work + at most 200 ms queued + slack)
#   - p99 of the 503s < 20 ms    (shedding answers at once)
#   - no connection errors or timeouts
# Prints PASS/FAIL per goal and exits 1 if any failed. The shop is stopped on exit.
# Default total time: about 55 s.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DURATION="${DURATION:-30s}"
WARMUP="${WARMUP:-10s}"
PORT=18082
RATE=160
URL="http://127.0.0.1:$PORT/blocking?ms=100"

require_jars

start_server shop "$JAVA" -jar "$SHOP_JAR" --workers 8 --worker-queue 16 --queue-timeout 200ms \
  --port "$PORT"

loadgen() {
  "$JAVA" -cp "$BENCH_JAR" dev.bulwark.benchmarks.LoadGen --url "$URL" --rate "$RATE" "$@"
}

echo "warming up the shop: $RATE req/s for $WARMUP (not measured)"
loadgen --duration "$WARMUP" | grep '^RESULT' | sed 's/^RESULT/  warmup:/'

echo "measuring: $RATE req/s for $DURATION after a 5s in-run warmup"
report="$(loadgen --duration "$DURATION" --warmup 5s)"
echo "$report"

result="$(grep '^RESULT ' <<<"$report" || true)"
record_results "$result"
if [[ -z "$result" ]]; then
  echo "FAIL  LoadGen printed no RESULT line"
  exit 1
fi

# field NAME: the value of NAME=... on the RESULT line.
field() {
  tr ' ' '\n' <<<"$result" | awk -F= -v k="$1" '$1 == k { print $2 }'
}

failed=0
# check DESCRIPTION AWK-CONDITION: evaluated with the RESULT fields as awk variables.
check() {
  local ok
  ok="$(awk -v s200="$(field status200)" -v s503="$(field status503)" -v other="$(field other)" \
      -v errors="$(field errors)" -v p99ok="$(field p99_200_ms)" -v p99shed="$(field p99_503_ms)" \
      -v ra="$(field retryAfter503)" "BEGIN { print (($2) ? 1 : 0) }")"
  if [[ "$ok" == 1 ]]; then
    echo "PASS  $1"
  else
    echo "FAIL  $1"
    failed=1
  fi
}

echo
echo "goals:"
check "only 200s and 503s (other=$(field other))" 'other == 0 && s200 > 0'
check "every 503 has Retry-After ($(field retryAfter503) of $(field status503))" 'ra == s503'
check "p99 of 200s <= 350 ms ($(field p99_200_ms) ms)" 'p99ok != "NaN" && p99ok + 0 <= 350'
if [[ "$(field status503)" == 0 ]]; then
  echo "PASS  p99 of 503s < 20 ms (no 503s, nothing was shed)"
else
  check "p99 of 503s < 20 ms ($(field p99_503_ms) ms)" 'p99shed != "NaN" && p99shed + 0 < 20'
fi
check "no connection errors or timeouts (errors=$(field errors))" 'errors == 0'

if (( failed )); then
  lag="$(field max_send_lag_ms)"
  if awk -v lag="$lag" 'BEGIN { exit !(lag + 0 > 10) }'; then
    echo "note: LoadGen itself was up to $lag ms late sending a request; latencies include that"
    echo "      delay, so other load on this machine may have caused the FAIL (run it again)"
  fi
  echo "overload: FAIL"
  exit 1
fi
echo "overload: PASS"
