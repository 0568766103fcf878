#!/usr/bin/env bash
# The adaptive limit under a dependency that turns 10x slower mid-run, against a fixed pool.
#
# Builds nothing: run `mvn -q package -DskipTests` in the project root first.
#
#   benchmarks/load/adaptive.sh                 # PHASE=15s per phase, RATE=100 requests/s
#   PHASE=30s RATE=200 benchmarks/load/adaptive.sh
#   SLOW=sleep benchmarks/load/adaptive.sh      # the slow phase as a uniformly slower dependency
#   KINDS=adaptive benchmarks/load/adaptive.sh  # one pool only; PORT=N another port (default 18083)
#
# For each of `--limit fixed` and `--limit adaptive` it starts the shop (8 workers, a queue of 16,
# 1 s queue timeout, port 18083), then runs one open-loop LoadGen at one rate: 5 s of warmup (not
# measured) and three phases back to back in the same generator (`--then`), so no phase starts
# with a cold client JVM, whose late first requests counted as latency: healthy (GET /blocking?ms=20: capacity 8 / 20 ms = 400/s), slow (the dependency's
# capacity 10x lower, 40/s, so 2.5x overloaded at 100/s) and recovered (/blocking?ms=20 again).
#
# The slow phase (SLOW=serial, the default) is GET /blocking/serial?ms=25: every request holds
# one shared lock for 25 ms, so they run one at a time, as behind a hot row lock in a database
# made 10x slower. Its latency grows with the requests sent to it at once (25 ms alone, 200 ms
# with 8), which is what a saturated database does and what a limit can fix: at a limit of 1 or 2
# the admitted requests take 25-50 ms, and the rest can only be shed. SLOW=sleep keeps the older
# step, /blocking?ms=200: every request takes 200 ms however few run, so no limit can keep the
# admitted p99 near the healthy 20 ms (a slower, not a saturated, dependency; the limit should
# then not stay down). The lock is in the shop, not in PostgreSQL: the PostgreSQL here is shared
# with other builds, whose load would blur a step the pool must see as exactly 10x, and a lock
# held by the shop's JVM is, as the pool sees it, the same as one held by the database.
#
# Throughout, it samples bulwark_pool_limit from /metrics with the time, and assigns each sample
# to the phase LoadGen reports it ran in.
# Prints, per pool and phase: 200s, 503s, p99 of the 200s and 503s, the lowest limit seen; then
#   - slow/healthy p99 of the admitted (200) requests, for each pool
#   - whether the adaptive limit fell in the slow phase and came back up after it
#   - whether the 503s were answered at once (p99 of 503s < 50 ms) in the slow phase
#   - whether both pools recovered (recovered p99 within 2x of healthy)
# as ratios measured in this run, and a verdict line for the adaptive pool's goal (admitted p99
# slow/healthy <= 2, 503 p99 < 50 ms, recovered/healthy <= 2). Exits 1 only if a run failed to
# produce figures.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PHASE="${PHASE:-15s}"
RATE="${RATE:-100}"
SLOW="${SLOW:-serial}"
KINDS="${KINDS:-fixed adaptive}"
case "$SLOW" in
  serial) SLOW_PATH="/blocking/serial?ms=25" ;;
  sleep) SLOW_PATH="/blocking?ms=200" ;;
  *) echo "SLOW must be serial or sleep, but was '$SLOW'" >&2; exit 2 ;;
esac
PORT="${PORT:-18083}"
BASE="http://127.0.0.1:$PORT"

record_meta "PHASE=$PHASE RATE=$RATE SLOW=$SLOW KINDS=\"$KINDS\" benchmarks/load/adaptive.sh"
require_jars
trap stop_servers EXIT

loadgen() {
  "$JAVA" -cp "$BENCH_JAR" dev.bulwark.benchmarks.LoadGen --rate "$RATE" --timeout 10s "$@"
}

# field RESULT NAME: the value of NAME=... on a RESULT line.
field() {
  tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'
}

# sample_limit FILE: appends "EPOCH_MS LIMIT" for the pool to FILE every 250 ms until killed.
sample_limit() {
  local now
  while true; do
    now="$(date +%s%3N)"
    curl -s "$BASE/metrics" \
      | awk -v t="$now" '/^bulwark_pool_limit\{pool="default"/ { print t, $2 }' >>"$1" || true
    sleep 0.25
  done
}

# limits_in FILE FROM TO: the limits sampled in [FROM, TO) epoch ms, one a line, in time order.
limits_in() {
  awk -v a="$2" -v b="$3" '$1 >= a && $1 < b { print $2 }' "$1"
}

# Stops the shop started for one pool kind (stop_servers, the exit trap, also removes $LOG_DIR).
stop_shop() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  STARTED_PIDS=()
}

declare -A P99 S200 S503 SHED MINLIMIT LASTLIMIT

phases=(healthy slow recovered)
for kind in $KINDS; do
  start_server "shop-$kind" "$JAVA" -jar "$SHOP_JAR" --workers 8 --worker-queue 16 \
    --queue-timeout 1s --limit "$kind" --port "$PORT"
  samples="$LOG_DIR/limit-$kind"
  : >"$samples"
  sample_limit "$samples" &
  sampler=$!
  report="$(loadgen --warmup 5s --duration "$PHASE" --url "$BASE/blocking?ms=20" \
    --then "$BASE$SLOW_PATH" --then "$BASE/blocking?ms=20")"
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  for i in 0 1 2; do
    phase="${phases[$i]}"
    result="$(grep "^RESULT .* phase=$((i + 1)) " <<<"$report" || true)"
    if [[ -z "$result" ]]; then
      echo "LoadGen printed no RESULT line for $kind/$phase:" >&2
      echo "$report" >&2
      exit 1
    fi
    key="$kind/$phase"
    RECORD_PREFIX="$kind.$phase." record_results "$result"
    P99[$key]="$(field "$result" p99_200_ms)"
    SHED[$key]="$(field "$result" p99_503_ms)"
    S200[$key]="$(field "$result" status200)"
    S503[$key]="$(field "$result" status503)"
    limits="$(limits_in "$samples" "$(field "$result" start_ms)" "$(field "$result" end_ms)")"
    MINLIMIT[$key]="$(sort -n <<<"$limits" | head -1)"
    LASTLIMIT[$key]="$(tail -1 <<<"$limits")"
    record "$kind.$phase.limit_min" "${MINLIMIT[$key]}"
    record "$kind.$phase.limit_last" "${LASTLIMIT[$key]}"
    printf '%-8s %-9s 200s=%-6s 503s=%-6s p99_200=%-8s p99_503=%-8s limit min=%s last=%s\n' \
      "$kind" "$phase" "${S200[$key]}" "${S503[$key]}" "${P99[$key]}" "${SHED[$key]}" \
      "${MINLIMIT[$key]}" "${LASTLIMIT[$key]}"
  done
  stop_shop
done

ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "NaN" }'
}

echo
echo "figures (SLOW=$SLOW, RATE=$RATE/s, PHASE=$PHASE, $(uptime | sed 's/.*load average/load average/')):"
for kind in $KINDS; do
  record "$kind.slow_over_healthy" "$(ratio "${P99[$kind/slow]}" "${P99[$kind/healthy]}")"
  record "$kind.recovered_over_healthy" "$(ratio "${P99[$kind/recovered]}" "${P99[$kind/healthy]}")"
  echo "  $kind: admitted p99 slow/healthy = $(ratio "${P99[$kind/slow]}" "${P99[$kind/healthy]}")," \
    "recovered/healthy = $(ratio "${P99[$kind/recovered]}" "${P99[$kind/healthy]}")," \
    "503 share in slow phase = $(ratio "${S503[$kind/slow]}" "$(( ${S200[$kind/slow]} + ${S503[$kind/slow]} ))")," \
    "p99 of 503s in slow phase = ${SHED[$kind/slow]} ms"
done
if [[ " $KINDS " == *" adaptive "* ]]; then
  echo "  adaptive limit: healthy min ${MINLIMIT[adaptive/healthy]}, slow min ${MINLIMIT[adaptive/slow]}," \
    "recovered last ${LASTLIMIT[adaptive/recovered]}"
  verdict="$(awk -v s="${P99[adaptive/slow]}" -v h="${P99[adaptive/healthy]}" \
    -v r="${P99[adaptive/recovered]}" -v shed="${SHED[adaptive/slow]}" 'BEGIN {
      ok = h > 0 && s / h <= 2 && r / h <= 2 && shed + 0 < 50
      print ok ? "MET" : "MISSED" }')"
  record adaptive.verdict "$verdict"
  echo "  adaptive goal (slow/healthy <= 2, 503 p99 < 50 ms, recovered/healthy <= 2): $verdict"
fi
