#!/usr/bin/env bash
# Starts N shop instances on free loopback ports and nginx in front of them, in a private run
# directory (rendered nginx.conf, pid files, logs, exported assets); stops exactly what it started
# on Ctrl-C, SIGTERM or exit.
#
#   examples/nginx/run.sh N [--db JDBC_URL] [--redis URL] [--port NGINX_PORT] [--jar JAR]
#                           [--run-dir DIR] [--warm-up DURATION]
#
# Prints "nginx listening on http://127.0.0.1:PORT" once every instance and nginx accept
# requests, then waits. examples/nginx/rolling-restart.sh RUN_DIR restarts the instances in turn.
# Needs the shaded jar (mvn -q package -DskipTests) and nginx (installed with apt-get when
# missing and running as root). Extra JVM options for the shops: BULWARK_JAVA_OPTS.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

usage() {
  echo "usage: $0 N [--db JDBC_URL] [--redis URL] [--port NGINX_PORT] [--jar JAR] [--run-dir DIR] [--warm-up DURATION]" >&2
  exit 2
}

[[ $# -ge 1 && "$1" =~ ^[1-9][0-9]*$ ]] || usage
count="$1"
shift
db=""
redis=""
nginx_port=""
jar="$repo/examples/target/bulwark-examples.jar"
run=""
warm_up=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --db) [[ $# -ge 2 ]] || usage; db="$2"; shift 2 ;;
    --redis) [[ $# -ge 2 ]] || usage; redis="$2"; shift 2 ;;
    --port) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage; nginx_port="$2"; shift 2 ;;
    --jar) [[ $# -ge 2 ]] || usage; jar="$2"; shift 2 ;;
    --run-dir) [[ $# -ge 2 ]] || usage; run="$2"; shift 2 ;;
    --warm-up) [[ $# -ge 2 ]] || usage; warm_up="$2"; shift 2 ;;
    *) usage ;;
  esac
done

if [[ ! -f "$jar" ]]; then
  echo "run.sh: $jar not found; build it with: mvn -q package -DskipTests" >&2
  exit 2
fi
if ! command -v nginx >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "run.sh: installing nginx" >&2
    apt-get install -y nginx-light >&2 || { apt-get update >&2 && apt-get install -y nginx-light >&2; }
  else
    echo "run.sh: nginx is not installed (Debian: apt-get install -y nginx-light)" >&2
    exit 2
  fi
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

if [[ -z "$run" ]]; then
  run="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-nginx.XXXXXX")"
else
  mkdir -p "$run"
fi
mkdir -p "$run/tmp" "$run/static"
nginx_started=""
sleeper=""

stop_all() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n "$sleeper" ]]; then
    kill "$sleeper" 2>/dev/null || true
  fi
  if [[ -n "$nginx_started" && -f "$run/nginx.pid" ]]; then
    nginx -p "$run" -c "$run/nginx.conf" -e "$run/error.log" -s quit 2>/dev/null || true
  fi
  for ((i = 1; i <= count; i++)); do
    "$here/instance.sh" stop "$run" "$i" || true
  done
  if [[ -n "$nginx_started" ]]; then
    for _ in $(seq 1 100); do
      [[ -f "$run/nginx.pid" ]] || break
      sleep 0.1
    done
  fi
  exit "$status"
}
trap stop_all EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

echo "run.sh: run directory $run" >&2
"$java" -cp "$jar" dev.bulwark.examples.shop.ExportAssets "$run/static/assets" > "$run/assets.txt"

servers=""
for ((i = 1; i <= count; i++)); do
  args=(--port "$(free_port)" --host 127.0.0.1)
  [[ -n "$db" ]] && args+=(--db "$db")
  [[ -n "$redis" ]] && args+=(--redis "$redis")
  # A restarted instance warms up before it listens, so nginx never sends it traffic cold.
  [[ -n "$warm_up" ]] && args+=(--warm-up "$warm_up")
  # One line per instance: how to start it again (rolling-restart.sh reads it).
  printf '%q ' "$java" ${BULWARK_JAVA_OPTS:-} -jar "$jar" "${args[@]}" > "$run/shop-$i.cmd"
  "$here/instance.sh" start "$run" "$i"
  servers+="    server 127.0.0.1:$(cat "$run/shop-$i.port") max_fails=3 fail_timeout=5s;"$'\n'
done

[[ -n "$nginx_port" ]] || nginx_port="$(free_port)"
python3 - "$here/nginx.conf" "$run/nginx.conf" "$run" "127.0.0.1:$nginx_port" "$servers" "$run/static" <<'PY'
import sys
src, dst, run, listen, servers, static = sys.argv[1:]
text = open(src).read()
for key, value in (("RUN_DIR", run), ("LISTEN", listen), ("SERVERS", servers.rstrip("\n")),
                   ("STATIC_ROOT", static)):
    text = text.replace("{{" + key + "}}", value)
open(dst, "w").write(text)
PY
nginx -t -q -p "$run" -c "$run/nginx.conf" -e "$run/error.log"
nginx -p "$run" -c "$run/nginx.conf" -e "$run/error.log"
nginx_started=yes
echo "$nginx_port" > "$run/nginx.port"
echo "nginx listening on http://127.0.0.1:$nginx_port"

# Wait for a signal; the EXIT trap stops everything.
while true; do
  sleep 3600 &
  sleeper=$!
  wait "$sleeper" || true
done
