#!/usr/bin/env bash
# Restarts every shop instance of a run directory made by run.sh, one at a time: SIGTERM (the
# shop turns /ready to 503, answers new requests 503 with Connection: close, which nginx retries
# on another instance, and finishes what is in flight), wait for it to exit, start it again on
# the same port, wait for "listening on". nginx keeps serving from the others meanwhile.
#
#   examples/nginx/rolling-restart.sh RUN_DIR [--settle SECONDS]
#
# Between two instances it waits SECONDS (default 6): nginx's passive health check marked the
# restarted instance as failed while it was down (max_fails), and only tries it again after
# fail_timeout (5 s in nginx.conf). Draining the next instance sooner can leave nginx with no
# instance it believes is up, and clients get 503. Keep SECONDS above fail_timeout.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
usage() {
  echo "usage: $0 RUN_DIR (printed by run.sh) [--settle SECONDS]" >&2
  exit 2
}
[[ $# -ge 1 && -d "$1" ]] || usage
run="$1"
shift
settle=6
while [[ $# -gt 0 ]]; do
  case "$1" in
    --settle) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage; settle="$2"; shift 2 ;;
    *) usage ;;
  esac
done

count=0
while [[ -f "$run/shop-$((count + 1)).cmd" ]]; do
  count=$((count + 1))
done
[[ $count -gt 0 ]] || { echo "rolling-restart.sh: no instances in $run" >&2; exit 2; }

for ((i = 1; i <= count; i++)); do
  if ((i > 1)); then
    sleep "$settle"
  fi
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
