#!/usr/bin/env bash
# Where does the time go? Puts load on one endpoint, records a JFR of the server meanwhile, and
# prints the top frames by self time plus a collapsed-stack file for flame-graph tools.
#
# Builds nothing: run `mvn -q package -DskipTests` in the project root first.
#
#   benchmarks/load/profile.sh URL [SECONDS]              # starts the shop on URL's port
#   benchmarks/load/profile.sh --pid PID URL [SECONDS]    # profiles a JVM already serving URL
#
#   benchmarks/load/profile.sh 'http://127.0.0.1:18090/products/RANDOM10000' 20
#   WARMUP=10 RATE=2000 SHOP_ARGS='--workers 16' benchmarks/load/profile.sh http://127.0.0.1:18090/users?limit=50
#
# URL must be on 127.0.0.1, localhost or [::1]. SECONDS (default 30) is how long the load and
# the recording last, after WARMUP seconds (default 5) of the same load unrecorded, so the JIT has
# compiled the hot code. The load is wrk (-t2 -c${CONNECTIONS:-32}) when installed, else LoadGen at
# RATE requests/s (default 1000); a path segment RANDOM<N> becomes a random 1..N with LoadGen only.
# Without --pid the shop (examples/target/bulwark-examples.jar) is started on URL's port with
# SHOP_ARGS and stopped on exit. The recording uses JFR's `profile` settings (execution samples
# every 10 ms per running thread, plus locks, I/O, GC and allocation events).
#
# Output: the report on stdout; in OUT_DIR (default: a new directory under /tmp, kept)
# profile.jfr (open it in JDK Mission Control, or `jfr print`/`jfr summary`), profile.collapsed
# (one `thread-group;outer;...;inner count` line per stack: `flamegraph.pl profile.collapsed >
# flame.svg`, or load it in speedscope) and report.txt.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
  echo "usage: $0 [--pid PID] URL [SECONDS]" >&2
  exit 2
}

TARGET_PID=""
if [[ "${1:-}" == "--pid" ]]; then
  [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || { echo "--pid needs a process id, but was '${2:-}'" >&2; usage; }
  TARGET_PID="$2"
  shift 2
fi
[[ $# -ge 1 && $# -le 2 ]] || usage
URL="$1"
SECONDS_TO_RECORD="${2:-30}"
WARMUP="${WARMUP:-5}"
RATE="${RATE:-1000}"
CONNECTIONS="${CONNECTIONS:-32}"
TOP="${TOP:-25}"

if [[ ! "$URL" =~ ^http://(127\.0\.0\.1|localhost|\[::1\])(:([0-9]+))?(/.*)?$ ]]; then
  echo "URL must be http:// on 127.0.0.1, localhost or [::1], but was '$URL'" >&2
  exit 2
fi
PORT="${BASH_REMATCH[3]:-80}"
for pair in "SECONDS:$SECONDS_TO_RECORD" "WARMUP:$WARMUP" "CONNECTIONS:$CONNECTIONS" "TOP:$TOP"; do
  if [[ ! "${pair#*:}" =~ ^[0-9]+$ ]]; then
    echo "${pair%%:*} must be a whole number, but was '${pair#*:}'" >&2
    exit 2
  fi
done
if (( SECONDS_TO_RECORD < 1 )); then
  echo "SECONDS must be >= 1, but was $SECONDS_TO_RECORD" >&2
  exit 2
fi

# jcmd must come from the JDK of the target; by default the one beside `java`.
JCMD="${JCMD:-$(dirname "$(readlink -f "$(command -v "$JAVA")")")/jcmd}"
if [[ ! -x "$JCMD" ]]; then
  echo "no jcmd at $JCMD (a JRE has none); set JCMD to the target JDK's bin/jcmd" >&2
  exit 1
fi

require_jars
OUT_DIR="${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/bulwark-profile.XXXXXX")}"
mkdir -p "$OUT_DIR"
RECORDING="$OUT_DIR/profile.jfr"

if [[ -z "$TARGET_PID" ]]; then
  # shellcheck disable=SC2086  # SHOP_ARGS is a list of options on purpose
  start_server shop "$JAVA" -jar "$SHOP_JAR" --port "$PORT" ${SHOP_ARGS:-}
  TARGET_PID="${STARTED_PIDS[0]}"
elif ! kill -0 "$TARGET_PID" 2>/dev/null; then
  echo "no process $TARGET_PID" >&2
  exit 1
fi

# load SECONDS: the same load for warmup and recording.
load() {
  if command -v wrk >/dev/null 2>&1 && [[ "$URL" != *RANDOM* ]]; then
    wrk -t2 -c"$CONNECTIONS" -d"$1"s "$URL"
  else
    "$JAVA" -cp "$BENCH_JAR" dev.bulwark.benchmarks.LoadGen --url "$URL" --rate "$RATE" \
      --duration "$1"s --connections "$CONNECTIONS"
  fi
}

if (( WARMUP > 0 )); then
  echo "warming up: ${WARMUP}s of load on $URL (not recorded)"
  load "$WARMUP" >/dev/null
fi

echo "recording ${SECONDS_TO_RECORD}s of pid $TARGET_PID under load on $URL"
"$JCMD" "$TARGET_PID" JFR.start name=bulwark-profile settings=profile >/dev/null
# If anything fails from here, leave no recording running in someone else's JVM.
trap '"$JCMD" "$TARGET_PID" JFR.stop name=bulwark-profile >/dev/null 2>&1 || true; stop_servers' EXIT
load "$SECONDS_TO_RECORD" | tee "$OUT_DIR/load.txt"
"$JCMD" "$TARGET_PID" JFR.stop name=bulwark-profile filename="$RECORDING" >/dev/null
trap stop_servers EXIT

echo
"$JAVA" -cp "$BENCH_JAR" dev.bulwark.benchmarks.JfrProfile --top "$TOP" \
  --collapsed "$OUT_DIR/profile.collapsed" "$RECORDING" | tee "$OUT_DIR/report.txt"
echo
echo "recording:        $RECORDING"
echo "collapsed stacks: $OUT_DIR/profile.collapsed  (flamegraph.pl it, or open it in speedscope)"
