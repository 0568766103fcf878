#!/usr/bin/env bash
# Restarts every shop instance of a run directory made by run.sh, one at a time: SIGTERM (the
# shop turns /ready to 503, answers new requests 503 with Connection: close, which nginx retries
# on another instance, and finishes what is in flight), wait for it to exit, start it again on
# the same port, wait for "listening on". nginx keeps serving from the others meanwhile.
#
#   examples/nginx/rolling-restart.sh RUN_DIR
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
[[ $# -eq 1 && -d "$1" ]] || { echo "usage: $0 RUN_DIR (printed by run.sh)" >&2; exit 2; }
run="$1"

count=0
while [[ -f "$run/shop-$((count + 1)).cmd" ]]; do
  count=$((count + 1))
done
[[ $count -gt 0 ]] || { echo "rolling-restart.sh: no instances in $run" >&2; exit 2; }

for ((i = 1; i <= count; i++)); do
  port="$(cat "$run/shop-$i.port")"
  echo "rolling-restart.sh: restarting shop $i (port $port)" >&2
  "$here/instance.sh" stop "$run" "$i"
  "$here/instance.sh" start "$run" "$i"
  if [[ "$(cat "$run/shop-$i.port")" != "$port" ]]; then
    echo "rolling-restart.sh: shop $i came back on another port" >&2
    exit 1
  fi
done
echo "rolling-restart.sh: restarted $count instance(s)" >&2
