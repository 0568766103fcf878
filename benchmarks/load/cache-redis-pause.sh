#!/usr/bin/env bash
# The cache never causes an outage: the shop with --redis (two-level cache) on a private Redis,
# cache misses over 2,000 keys (/products/{random id}/cached, ids 1..2000) at 200 requests/s; the
# Redis is paused with SIGSTOP for PAUSE seconds in the middle of the run, then resumed.
#
# Builds nothing: run `mvn -q package -DskipTests` first. Needs redis-server (it starts its own on
# port 16390 and stops it by pid).
#
#   benchmarks/load/cache-redis-pause.sh             # DURATION=30s, PAUSE=10 seconds paused
#
# Targets: at least 99.9% answered 200, p99 <= 300 ms; normal service after SIGCONT (the shop's
# cache health is UP again: /metrics shows the breaker closed).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DURATION="${DURATION:-30s}"
PAUSE="${PAUSE:-10}"
PORT=18092
REDIS_PORT=16390
require_jars
command -v redis-server >/dev/null || { echo "redis-server is not installed" >&2; exit 1; }

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$LOG_DIR/redis.log" 2>&1 &
REDIS_PID=$!
STARTED_PIDS+=("$REDIS_PID")
for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done

start_server shop "$JAVA" -jar "$SHOP_JAR" --port "$PORT" --redis "redis://127.0.0.1:$REDIS_PORT"

pauser() {
  trap - EXIT INT TERM
  sleep 8
  echo "$(date +%T) SIGSTOP redis (pid $REDIS_PID) for $PAUSE s"
  kill -STOP "$REDIS_PID"
  sleep "$PAUSE"
  kill -CONT "$REDIS_PID"
  echo "$(date +%T) SIGCONT redis"
}
pauser &
PAUSER=$!

"$JAVA" -cp "$BENCH_JAR" dev.bulwark.benchmarks.LoadGen \
  --url "http://127.0.0.1:$PORT/products/RANDOM2000/cached" --rate 200 --duration "$DURATION" \
  --warmup 2s | tee "$LOG_DIR/loadgen.txt"
record_results "$(<"$LOG_DIR/loadgen.txt")"
wait "$PAUSER" || true

sleep 2
after="$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:$PORT/products/4321/cached")"
breaker="$(curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^bulwark_cache_breaker_state' || true)"
echo "after SIGCONT: /products/4321/cached -> $after"
echo "breaker gauge: ${breaker:-absent}"
awk '/^RESULT/ {
  for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  total = v["status200"] + v["status503"] + v["other"] + v["errors"]
  share = total ? v["status200"] / total : 0
  printf "200s: %d of %d (%.3f%%), p99 of 200s %.1f ms\n", v["status200"], total, share * 100, v["p99_200_ms"]
  printf "%s  >= 99.9%% answered 200\n", share >= 0.999 ? "PASS" : "FAIL"
  printf "%s  p99 <= 300 ms\n", v["p99_200_ms"] <= 300 ? "PASS" : "FAIL"
}' "$LOG_DIR/loadgen.txt"
