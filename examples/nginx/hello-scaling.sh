#!/usr/bin/env bash
# /hello through nginx with 1, 2 and 3 shop instances, with wrk; and, to tell which side is the
# limit, the same load on one shop without nginx and on nginx alone (a fingerprinted asset it
# serves from disk, no shop involved).
#
#   examples/nginx/hello-scaling.sh [--duration SECONDS] [--connections N] [--counts "1 2 3"]
#
# Needs wrk, nginx and the shaded jar (mvn -q package -DskipTests). Prints one line per case:
#   CASE requests/s p50 p99 (wrk's latency distribution)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
duration=15
connections=64
counts="1 2 3"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --counts) counts="$2"; shift 2 ;;
    *) echo "usage: $0 [--duration SECONDS] [--connections N] [--counts \"1 2 3\"]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "hello-scaling.sh: wrk is not installed" >&2; exit 2; }

run_pid=""
cleanup() {
  if [[ -n "$run_pid" ]]; then
    kill -TERM "$run_pid" 2>/dev/null || true
    wait "$run_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

measure() {
  local label="$1" url="$2"
  # A short wrk run first: JIT and connection warm-up, not counted.
  wrk -t2 -c"$connections" -d3s "$url" >/dev/null
  wrk -t2 -c"$connections" -d"${duration}s" --latency "$url" | awk -v label="$label" '
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 }
    /^ +99%/ { p99 = $2 }
    /Non-2xx/ { non2xx = $NF }
    END { printf "%-28s %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n", label, rps, p50, p99, (non2xx == "" ? 0 : non2xx) }'
}

echo "$(date -u +%FT%TZ) $(nproc) cores, $(uptime | sed 's/.*load/load/')"
for n in $counts; do
  run_dir="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-scaling.XXXXXX")"
  out="$run_dir.out"
  "$here/run.sh" "$n" --run-dir "$run_dir" --warm-up 5s > "$out" 2> "$run_dir.err" &
  run_pid=$!
  until grep -q "nginx listening" "$out" 2>/dev/null; do
    kill -0 "$run_pid" 2>/dev/null || { echo "run.sh $n failed:" >&2; cat "$run_dir.err" >&2; exit 1; }
    sleep 0.2
  done
  port="$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out")"
  measure "nginx + $n shop(s) /hello" "http://127.0.0.1:$port/hello"
  if [[ "$n" == 1 ]]; then
    measure "1 shop alone /hello" "http://127.0.0.1:$(cat "$run_dir/shop-1.port")/hello"
    asset="$(cd "$run_dir/static" && find assets -name 'app.*.js' | head -n 1)"
    measure "nginx alone (static file)" "http://127.0.0.1:$port/$asset"
  fi
  kill -TERM "$run_pid"
  wait "$run_pid" || true
  run_pid=""
  rm -rf "$run_dir" "$out" "$run_dir.err"
done
echo "$(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/')"
