#!/usr/bin/env bash
# A cache hit on the shop's GET /products/7/cached against GET /hello, in the same shop process
# (embedded H2, local cache tier), measured with wrk.
#
# Builds nothing: run `mvn -q package -DskipTests` in the project root first.
#
#   benchmarks/load/cached-vs-hello.sh             # DURATION=10s per wrk run, WARMUP=5s, ROUNDS=3
#
# Checks the cached answer first (the same body as /products/7, an ETag, Cache-Control max-age, 304
# on If-None-Match), warms both routes, then alternates `wrk -t2 -c64 -d$DURATION` on
# /products/7/cached and /hello ($ROUNDS rounds). Reports best and mean requests/s and the ratio
# cached/hello of the best runs. Target: >= 0.90 (issue #11). The shop is stopped on exit.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-5s}"
ROUNDS="${ROUNDS:-3}"
PORT=18093
TARGET=0.90
BASE="http://127.0.0.1:$PORT"

if [[ ! "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
  echo "ROUNDS must be a positive integer, but was '$ROUNDS'" >&2
  exit 2
fi
need_wrk
require_jars

start_server shop "$JAVA" -jar "$SHOP_JAR" --port "$PORT"

direct="$(curl -sf "$BASE/products/7")"
headers="$(curl -sf -D - -o "$LOG_DIR/cached.json" "$BASE/products/7/cached")"
etag="$(awk 'tolower($1) == "etag:" { sub(/\r$/, "", $2); print $2 }' <<<"$headers")"
if [[ "$(cat "$LOG_DIR/cached.json")" != "$direct" ]]; then
  echo "/products/7/cached answered '$(cat "$LOG_DIR/cached.json")', /products/7 '$direct'" >&2
  exit 1
fi
if [[ -z "$etag" ]] || ! grep -qi '^cache-control: public, max-age=[0-9]' <<<"$headers"; then
  echo "/products/7/cached lacks an ETag or a Cache-Control max-age:" >&2
  echo "$headers" >&2
  exit 1
fi
revalidated="$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$BASE/products/7/cached")"
if [[ "$revalidated" != 304 ]]; then
  echo "If-None-Match: $etag answered $revalidated, not 304" >&2
  exit 1
fi
echo "/products/7/cached: same body as /products/7, ETag $etag, max-age, 304 on If-None-Match"

echo "warming up: wrk -t2 -c64 -d$WARMUP against each"
warm_wrk "$BASE/products/7/cached" "$WARMUP"
warm_wrk "$BASE/hello" "$WARMUP"

cached_runs=()
hello_runs=()
for ((round = 1; round <= ROUNDS; round++)); do
  rps="$(run_wrk "$BASE/products/7/cached" "$DURATION")"
  cached_runs+=("$rps")
  echo "round $round  cached  $rps req/s"
  rps="$(run_wrk "$BASE/hello" "$DURATION")"
  hello_runs+=("$rps")
  echo "round $round  hello   $rps req/s"
done

compare_runs "GET /products/7/cached vs GET /hello, one shop, wrk -t2 -c64 -d$DURATION, $(nproc) cores" \
  "cached hit" "${cached_runs[*]}" "/hello" "${hello_runs[*]}" "$TARGET"
