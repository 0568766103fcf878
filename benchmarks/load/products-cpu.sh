#!/usr/bin/env bash
# Where does a /products/{random id} request's CPU go? CPU time per request by thread group of
# the shop (event loop, the database bridge's threads, the rest), of PostgreSQL's backends, and
# the JVM's context switches per request; then the same for /hello in the same shop, and the
# pgbench client's CPU per `pgbench -S -M prepared` transaction. Per-request costs hold up on a
# busy machine far better than requests/s do; they explain products-vs-pgbench.sh's ratio
# (docs/BENCHMARKS.md, "Where /products spends its CPU").
#
# Builds nothing: run `mvn -q package -DskipTests` in the project root first. Needs wrk, pgbench,
# psql and PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth); pgbench's database,
# bulwark_pgbench, is created on first use as products-vs-pgbench.sh does. Linux only: reads /proc.
#
#   benchmarks/load/products-cpu.sh
#   DURATION=10s WARMUP=20s POOL=3 benchmarks/load/products-cpu.sh
#
# CPU is each thread's utime + stime (/proc/PID/task/*/stat, clock ticks) over one wrk run of
# DURATION (default 8s) at -t2 -c64, divided by the requests wrk counted; thread names have
# their digits folded and spaces made _ (vert.x-eventloop-thread-1 -> vert.x-eventloop-thread-N,
# "VM Thread" -> VM_Thread; Linux keeps the first 15 characters). PostgreSQL's figure is the
# backends alive through the run (the shop's pool), so pgbench's backends, which exit with it,
# are not measured: only its client is.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DURATION="${DURATION:-8s}"
WARMUP="${WARMUP:-20s}"
POOL="${POOL:-$(( $(nproc) * 2 + 1 ))}"
positive_int POOL "$POOL"
PORT=18084
LUA="$(dirname "$0")/random-product.lua"

need_wrk
for tool in pgbench psql; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed" >&2; exit 1; }
done
SHOP_ONLY=1 require_jars
need_pgbench_db

start_server shop "$JAVA" -jar "$SHOP_JAR" --port "$PORT" --db-pool-size "$POOL" \
  --db "jdbc:postgresql://127.0.0.1:5432/test?user=postgres"
SHOP_PID="${STARTED_PIDS[0]}"

# group_ticks: one "group:user TICKS" and "group:sys TICKS" line per thread group of the shop,
# then postgres:user and postgres:sys over the server's processes.
group_ticks() {
  local t
  for t in /proc/"$SHOP_PID"/task/*; do
    # A thread may end between the listing and the read.
    { printf '%s ' "$(sed 's/[0-9]\+/N/g; s/ /_/g' "$t/comm")"; cpu_ticks "$t/stat"; } 2>/dev/null || true
  done | awk 'NF == 3 { u[$1] += $2; s[$1] += $3 }
    END { for (k in u) { print k ":user", u[k]; print k ":sys", s[k] } }'
  for t in $(pgrep -u postgres postgres); do
    cpu_ticks /proc/"$t"/stat
  done | awk '{ u += $1; s += $2 } END { print "postgres:user", u + 0; print "postgres:sys", s + 0 }'
}

switches() {
  cat /proc/"$SHOP_PID"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { s += $2 } END { print s }'
}

# measure NAME URL [WRK OPTIONS...]: one wrk run of DURATION at -t2 -c64; prints CPU
# microseconds per request by group. Exits 1 on socket errors or non-2xx answers (wrk_report).
measure() {
  local name="$1" url="$2" before after out requests sw0 sw1
  shift 2
  before="$(group_ticks | sort)"
  sw0="$(switches)"
  out="$(wrk_report "$url" "$DURATION" 64 "$@")" || exit 1
  sw1="$(switches)"
  after="$(group_ticks | sort)"
  requests="$(awk '/ requests in / { print $1 }' <<<"$out")"
  awk -v n="$name" -v r="$requests" -v rps="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")" \
    -v sw="$(( sw1 - sw0 ))" 'BEGIN {
      printf "\n%s: %d requests, %s req/s, %.2f context switches of the JVM per request\n", n, r, rps, sw / r }'
  join <(echo "$before") <(echo "$after") | awk -v r="$requests" -v hz="$CLK_TCK" '
    { us = ($3 - $2) * 1e6 / hz / r; if (us >= 0.5) printf "  %-32s %7.1f us/request\n", $1, us }' \
    | sort -k2 -nr
}

echo "warming up for $WARMUP"
warm_wrk "http://127.0.0.1:$PORT" "$WARMUP" 64 -s "$LUA"
measure "/products/{random id}, --db-pool-size $POOL" "http://127.0.0.1:$PORT" -s "$LUA"
measure "/hello" "http://127.0.0.1:$PORT/hello"

out="$( (TIMEFORMAT='%U %S'; time pgbench $PG -S -M prepared -c "$POOL" -j 2 -T "${DURATION%s}" \
  bulwark_pgbench) 2>&1)"
tx="$(awk '/number of transactions actually processed/ { split($NF, a, "/"); print a[1] }' <<<"$out")"
read -r user sys <<<"$(tail -1 <<<"$out")"
printf '\npgbench -S -M prepared -c %s: %s transactions\n' "$POOL" "$tx"
awk -v u="$user" -v s="$sys" -v n="$tx" 'BEGIN {
  printf "  %-32s %7.1f us/transaction\n  %-32s %7.1f us/transaction\n", "pgbench:user", u * 1e6 / n, "pgbench:sys", s * 1e6 / n }'
