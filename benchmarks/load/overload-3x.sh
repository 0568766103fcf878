#!/usr/bin/env bash
# Open-loop overload at three times capacity: the shed share matches the arithmetic and the heap
# does not grow.
#
# Builds nothing: run `mvn -q package -DskipTests` in the project root first.
#
#   benchmarks/load/overload-3x.sh               # DURATION=30s, RATE=240
#   DURATION=60s benchmarks/load/overload-3x.sh
#
# Starts the shop with 8 workers, a queue of 16 and a 200 ms queue timeout on port 18084, so
# GET /blocking?ms=100 serves 8 / 0.1 s = 80 requests/s; offers $RATE (default 240, 3x) with
# LoadGen (open loop) for $DURATION after a 10 s warmup. Before and after the run it forces a full
# GC in the shop (jcmd GC.run) and reads the heap in use from /metrics. Checks:
#   - the 503 share is within 5 points of 1 - capacity/offered (66.7% at 240/s)
#   - only 200s and 503s, no connection errors
#   - heap in use after a GC grew by at most 10% (or 8 MiB, whichever is larger: a small heap's
#     noise is larger than 10% of it)
# Prints PASS/FAIL per goal and the figures; exits 1 if any failed.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DURATION="${DURATION:-30s}"
RATE="${RATE:-240}"
CAPACITY=80
PORT=18084
BASE="http://127.0.0.1:$PORT"

require_jars
trap stop_servers EXIT

start_server shop "$JAVA" -jar "$SHOP_JAR" --workers 8 --worker-queue 16 --queue-timeout 200ms \
  --port "$PORT"
pid="${STARTED_PIDS[0]}"

loadgen() {
  "$JAVA" -cp "$BENCH_JAR" dev.bulwark.benchmarks.LoadGen --url "$BASE/blocking?ms=100" \
    --rate "$RATE" "$@"
}

# heap_after_gc: bytes of heap in use right after a full GC in the shop.
heap_after_gc() {
  jcmd "$pid" GC.run >/dev/null
  curl -s "$BASE/metrics" | awk 'index($0, "jvm_memory_used_bytes{") == 1 && index($0, "area=\"heap\"") > 0 { sum += $NF }
    END { printf "%.0f", sum }'
}

loadgen --duration 10s >/dev/null
before="$(heap_after_gc)"
report="$(loadgen --duration "$DURATION" --warmup 5s)"
after="$(heap_after_gc)"
echo "$report" | grep -v '^RESULT'

result="$(grep '^RESULT ' <<<"$report" || true)"
record_results "$result"
if [[ -z "$result" ]]; then
  echo "FAIL  LoadGen printed no RESULT line"
  exit 1
fi
field() {
  tr ' ' '\n' <<<"$result" | awk -F= -v k="$1" '$1 == k { print $2 }'
}
s200="$(field status200)"
s503="$(field status503)"
other="$(field other)"
errors="$(field errors)"

failed=0
verdict() {
  if [[ "$1" == 1 ]]; then echo "PASS  $2"; else echo "FAIL  $2"; failed=1; fi
}
share="$(awk -v a="$s503" -v b="$s200" 'BEGIN { printf "%.1f", 100 * a / (a + b) }')"
expected="$(awk -v c="$CAPACITY" -v r="$RATE" 'BEGIN { printf "%.1f", 100 * (1 - c / r) }')"
verdict "$(awk -v s="$share" -v e="$expected" 'BEGIN { d = s - e; print (d <= 5 && d >= -5) ? 1 : 0 }')" \
  "503 share $share% within 5 points of 1 - capacity/offered = $expected%"
verdict "$([[ "$other" == 0 && "$errors" == 0 ]] && echo 1 || echo 0)" \
  "only 200s and 503s, no errors (other=$other errors=$errors)"
growth="$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.1f", 100 * (a - b) / b }')"
verdict "$(awk -v a="$after" -v b="$before" 'BEGIN { print (a - b <= 0.10 * b || a - b <= 8388608) ? 1 : 0 }')" \
  "heap after GC $((before / 1048576)) MiB -> $((after / 1048576)) MiB ($growth%)"
echo "figures: offered=$RATE/s capacity=$CAPACITY/s 200s=$s200 503s=$s503 share=$share% expected=$expected%" \
  "heap_growth=$growth% p99_200_ms=$(field p99_200_ms) p99_503_ms=$(field p99_503_ms)" \
  "($(uptime | sed 's/.*load average/load average/'))"
if (( failed )); then
  echo "overload-3x: FAIL"
  exit 1
fi
echo "overload-3x: PASS"
