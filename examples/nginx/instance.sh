#!/usr/bin/env bash
# Starts or stops shop instance I of a run directory made by run.sh.
#
#   instance.sh start RUN_DIR I   starts "$(cat RUN_DIR/shop-I.cmd)" in the background and returns
#                                 once it prints "listening on http://127.0.0.1:PORT" (port in
#                                 RUN_DIR/shop-I.port, pid in RUN_DIR/shop-I.pid)
#   instance.sh stop RUN_DIR I    SIGTERM to that pid (the shop drains), and returns once it exited
#
# Timeouts: START_TIMEOUT (default 90 s) and STOP_TIMEOUT (default 60 s); past them, exit 1.
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 start|stop RUN_DIR I" >&2; exit 2; }
action="$1"
run="$2"
i="$3"
log="$run/shop-$i.log"

case "$action" in
  start)
    : > "$log"
    # setsid: the instance is not in the caller's process group, so a Ctrl-C reaches it only
    # through run.sh's orderly stop.
    setsid bash -c "exec $(cat "$run/shop-$i.cmd")" >> "$log" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$run/shop-$i.pid"
    deadline=$((SECONDS + ${START_TIMEOUT:-90}))
    until grep -q "listening on http://" "$log"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "instance.sh: shop $i exited during start; its log:" >&2
        cat "$log" >&2
        exit 1
      fi
      if ((SECONDS > deadline)); then
        echo "instance.sh: shop $i did not start within ${START_TIMEOUT:-90}s" >&2
        exit 1
      fi
      sleep 0.1
    done
    grep -o "listening on http://[^ ]*" "$log" | head -n 1 | sed 's/.*://' > "$run/shop-$i.port"
    echo "shop $i (pid $pid) listening on 127.0.0.1:$(cat "$run/shop-$i.port")" >&2
    ;;
  stop)
    [[ -f "$run/shop-$i.pid" ]] || exit 0
    pid="$(cat "$run/shop-$i.pid")"
    if kill -TERM "$pid" 2>/dev/null; then
      deadline=$((SECONDS + ${STOP_TIMEOUT:-60}))
      while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS > deadline)); then
          echo "instance.sh: shop $i (pid $pid) still running after ${STOP_TIMEOUT:-60}s" >&2
          exit 1
        fi
        sleep 0.1
      done
    fi
    rm -f "$run/shop-$i.pid"
    ;;
  *)
    echo "usage: $0 start|stop RUN_DIR I" >&2
    exit 2
    ;;
esac
