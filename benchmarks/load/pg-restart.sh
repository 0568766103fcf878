#!/usr/bin/env bash
# PostgreSQL restarted under load: does the shop fail only while the database is down, come back
# within a second of its return, and never leave a request hanging?
#
# Builds nothing: run `mvn -q package -DskipTests` first. RESTARTS THE LOCAL POSTGRESQL (it
# stops it for DOWN seconds): run it on a development machine, never next to other users.
#
#   benchmarks/load/pg-restart.sh                     # DOWN=3 seconds down, 4 client loops
#
# Four curl loops request /products/{random id} back to back (each with --max-time 5) for
# 6 s + DOWN + 6 s and log "time status seconds". PostgreSQL is stopped (fast mode) after 5 s
# and started again DOWN seconds later. Reported: errors before the stop, during the outage and
# after the restart; the gap between PostgreSQL accepting again and the first 200; the slowest
# request (a request that hangs shows up here).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DOWN="${DOWN:-3}"
PORT=18089
CLUSTER="$(ls /etc/postgresql | head -n 1)"
require_jars

start_server shop "$JAVA" -jar "$SHOP_JAR" --port "$PORT" \
  --db "jdbc:postgresql://127.0.0.1:5432/test?user=postgres"

now_ms() { date +%s%3N; }
END=$(( $(now_ms) + (12 + DOWN) * 1000 ))

loop() {
  # A background subshell inherits the EXIT trap; it must not stop the servers when it ends.
  trap - EXIT INT TERM
  while (( $(now_ms) < END )); do
    local t0 out
    t0="$(now_ms)"
    out="$(curl -s -o /dev/null --max-time 5 -w '%{http_code} %{time_total}' \
      "http://127.0.0.1:$PORT/products/$(( RANDOM % 10000 + 1 ))" || true)"
    echo "$t0 ${out:-000 5}"
  done
}

LOOPS=()
for i in 1 2 3 4; do
  loop >"$LOG_DIR/loop.$i" &
  LOOPS+=("$!")
done
sleep 5
stop_ms="$(now_ms)"
pg_ctlcluster --skip-systemctl-redirect "$CLUSTER" main stop -m fast
sleep "$DOWN"
pg_ctlcluster --skip-systemctl-redirect "$CLUSTER" main start
until pg_isready -h 127.0.0.1 -p 5432 -q; do sleep 0.05; done
up_ms="$(now_ms)"
wait "${LOOPS[@]}"
cat "$LOG_DIR"/loop.* | sort -n >"$LOG_DIR/all"

awk -v stop="$stop_ms" -v up="$up_ms" '
  { t = $1; code = $2; secs = $3
    if (secs > slowest) slowest = secs
    if (t < stop) { before++; if (code != 200) before_err++ }
    else if (t < up) { during++; if (code != 200) during_err++; codes[code]++ }
    else { after++; if (code != 200) { after_err++; last_err = t } else if (!first_ok) first_ok = t } }
  END {
    printf "requests before the stop: %d (%d errors)\n", before, before_err
    printf "requests during the outage: %d (%d errors; statuses:", during, during_err
    for (c in codes) printf " %s x%d", c, codes[c]
    printf ")\n"
    printf "requests after PostgreSQL accepts again: %d (%d errors)\n", after, after_err
    printf "first 200 after PostgreSQL accepts again: %d ms\n", first_ok - up
    printf "last error after it accepts again: %s\n", last_err ? (last_err - up) " ms" : "none"
    printf "slowest request: %.3f s\n", slowest
    printf "RESULT before_errors=%d during=%d during_errors=%d after_errors=%d recovery_ms=%d slowest_s=%.3f\n",
      before_err, during, during_err, after_err, first_ok - up, slowest
  }' "$LOG_DIR/all" | tee "$LOG_DIR/summary.txt"
record_results "$(<"$LOG_DIR/summary.txt")"
