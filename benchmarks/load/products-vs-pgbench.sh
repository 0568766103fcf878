#!/usr/bin/env bash
# The shop's GET /products/{random id} on PostgreSQL (wrk, random ids) against PostgreSQL's own
# read-only benchmark, `pgbench -S -M prepared -c 16 -j 2`, on the same server in the same run.
#
# Builds nothing: run `mvn -q package -DskipTests` in the project root first. Needs wrk and
# pgbench, and PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth).
#
#   benchmarks/load/products-vs-pgbench.sh          # DURATION=15s each
#
# pgbench runs on its own database (bulwark_pgbench, scale 10, created on first use). The shop
# runs with --db on database `test` and its default pool (cores x 2 + 1 connections). Reports
# both rates and the ratio; target: shop >= 0.35 x pgbench.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DURATION="${DURATION:-15s}"
SECONDS_RUN="${DURATION%s}"
PORT=18083
TARGET=0.35
PG="-h 127.0.0.1 -p 5432 -U postgres"

for tool in wrk pgbench psql; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed" >&2; exit 1; }
done
require_jars

if ! psql $PG -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'bulwark_pgbench'" | grep -q 1; then
  psql $PG -d postgres -qc "CREATE DATABASE bulwark_pgbench"
  pgbench $PG -i -s 10 -q bulwark_pgbench
fi

start_server shop "$JAVA" -jar "$SHOP_JAR" --port "$PORT" \
  --db "jdbc:postgresql://127.0.0.1:5432/test?user=postgres"

echo "warming up"
wrk -t2 -c64 -d5s -s "$(dirname "$0")/random-product.lua" "http://127.0.0.1:$PORT" >/dev/null
pgbench $PG -S -M prepared -c 16 -j 2 -T 5 bulwark_pgbench >/dev/null 2>&1

out="$(wrk -t2 -c64 -d"$DURATION" -s "$(dirname "$0")/random-product.lua" "http://127.0.0.1:$PORT")"
echo "$out"
if grep -q "Socket errors" <<<"$out"; then
  echo "wrk saw socket errors" >&2
  exit 1
fi
# Non-2xx answers are counted, not fatal: under a load spike the pool sheds with 503.
non2xx="$(awk '/Non-2xx/ { print $NF }' <<<"$out")"
echo "non-2xx answers: ${non2xx:-0}"
shop_rps="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")"

pg_out="$(pgbench $PG -S -M prepared -c 16 -j 2 -T "$SECONDS_RUN" bulwark_pgbench 2>&1)"
echo "$pg_out" | grep -E "tps|latency average"
pg_tps="$(awk '/^tps = / { print $3 }' <<<"$pg_out")"

summary="$(awk -v s="$shop_rps" -v p="$pg_tps" -v t="$TARGET" 'BEGIN {
  r = s / p
  printf "\n/products/{random id}  %10.0f req/s\npgbench -S            %10.0f tps\nratio                 %10.3f  target >= %.2f: %s\n", s, p, r, t, r >= t ? "PASS" : "BELOW TARGET"
  printf "RESULT shop_rps=%.0f pgbench_tps=%.0f ratio=%.3f\n", s, p, r
}')"
echo "$summary"
record_results "$summary"
