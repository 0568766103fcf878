#!/usr/bin/env bash
# How long the shop takes from `java -jar` to its `listening on` line, with and without an AppCDS
# archive and, on JDK 24+, an AOT cache, on each JDK; and, with CURVE=1, how fast a fresh shop
# serves /products/{random} in its first seconds of load, with and without the archive and --warm-up.
#
# Builds nothing: run `mvn -q package -DskipTests` in the project root first.
#
#   benchmarks/load/startup.sh                    # RUNS=10 starts per configuration
#   RUNS=20 JDKS="java" benchmarks/load/startup.sh
#   CURVE=1 benchmarks/load/startup.sh            # also the warm-up curve (wrk, about 4 min)
#   RESULTS_DIR=benchmarks/results benchmarks/load/startup.sh   # also write startup.properties
#
# For each JDK in $JDKS (default: `java` and, when installed, JDK 25 at $JDK25) it first builds a
# dynamic AppCDS archive once: a training start with -XX:ArchiveClassesAtExit, a few requests to
# every kind of route, then SIGTERM (the archive is written as the JVM exits). On JDK 24 and later
# it also builds an AOT cache (JEP 483; on 25 with the profiles of JEP 515): the same training
# start with -XX:AOTMode=record, then -XX:AOTMode=create writes the cache, which holds the
# classes loaded and linked and, on 25, method profiles; -XX:AOTCache uses it. Then it runs $RUNS
# starts of each configuration, alternating them (no archive, archive, AOT cache, no archive, ...)
# so that a change in the machine's load touches them alike. A start is timed from just before `java` is
# launched to the moment the shop prints `listening on` (read from its stdout by a blocked reader,
# no polling), then the shop is stopped with SIGTERM. Prints the median, min and max in ms of each
# configuration, and the ratio of the medians archive / none (and AOT cache / none); both for the
# wall time and for the CPU time the JVM had used by then (all threads; the figure a busy machine
# disturbs least).
#
# The curve (CURVE=1): for each of {plain, archive, archive + --warm-up $WARMUP}, a fresh shop, then
# $SLICES back-to-back `wrk -t2 -c64 -d$SLICE` runs on /products/{random} (random-product.lua);
# requests/s per slice. The time to `listening` is not part of the curve: the first slice starts
# when the shop listens, whatever it did before.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS="${RUNS:-10}" PORT="${PORT:-18095}" CURVE="${CURVE:-0}"
JDK25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
SLICE="${SLICE:-6s}" SLICES="${SLICES:-5}" WARMUP="${WARMUP:-10s}"
JDKS="${JDKS:-$JAVA$([[ -x "$JDK25" ]] && echo " $JDK25")}"
positive_int RUNS "$RUNS"
positive_int SLICES "$SLICES"
SHOP_ONLY=1 require_jars
if [[ "$CURVE" == 1 ]]; then
  need_wrk
fi

# jdk_feature JAVA: 17, 25, ... from the JVM's own version.
jdk_feature() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ { print $2 }'
}

# start_shop NAME JAVA OPTIONS...: starts the shop with those JVM options before -jar and shop
# options after `--` (the rest), its log in $LOG_DIR/NAME.log; sets SHOP_PID and STARTED_NS and
# waits for the listening line; sets READY_MS to the time it took.
start_shop() {
  local name="$1" java="$2"
  shift 2
  local jvm=() shop=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do
    jvm+=("$1")
    shift
  done
  [[ $# -gt 0 ]] && shift
  shop=("$@")
  local ready="$LOG_DIR/$name.ready" log="$LOG_DIR/$name.log"
  rm -f "$ready"
  STARTED_NS="$(date +%s%N)"
  "$java" "${jvm[@]}" -jar "$SHOP_JAR" --port "$PORT" "${shop[@]}" 2>"$log" > >(
    while IFS= read -r line; do
      if [[ "$line" == "listening on http://"* && ! -f "$ready" ]]; then
        date +%s%N >"$ready"
      fi
      echo "$line" >>"$log.out"
    done) &
  SHOP_PID=$!
  STARTED_PIDS+=("$SHOP_PID")
  local waited=0
  until [[ -s "$ready" ]]; do
    if ! kill -0 "$SHOP_PID" 2>/dev/null; then
      echo "$name exited before it was ready; its output:" >&2
      cat "$log" "$log.out" >&2
      exit 1
    fi
    if ((waited >= 1200)); then
      echo "$name not ready after 60 s; its output:" >&2
      cat "$log" "$log.out" >&2
      exit 1
    fi
    sleep 0.05
    waited=$((waited + 1))
  done
  READY_MS=$((($(<"$ready") - STARTED_NS) / 1000000))
  # CPU time (user + system, all threads) spent by then: far less disturbed by other jobs on a
  # busy machine than the wall time. The shop is idle once it listens, so reading it a few ms
  # later adds little.
  READY_CPU_MS="$(cpu_ticks "/proc/$SHOP_PID/stat" | awk -v tck="$CLK_TCK" '{ print ($1 + $2) * 1000 / tck }')"
}

# stop_shop: SIGTERM to the shop started last, and waits for it to exit (it drains, then exits 0).
stop_shop() {
  kill -TERM "$SHOP_PID" 2>/dev/null || true
  wait "$SHOP_PID" 2>/dev/null || true
  local pid rest=()
  for pid in "${STARTED_PIDS[@]}"; do
    [[ "$pid" == "$SHOP_PID" ]] || rest+=("$pid")
  done
  STARTED_PIDS=("${rest[@]}")
}

# train JAVA JVM_OPTIONS...: one start with those options, a few requests to every kind of route,
# then SIGTERM (archives and AOT configurations are written as the JVM exits).
train() {
  local java="$1" path
  shift
  start_shop train "$java" "$@"
  for path in /hello /products/5 /products/6/cached '/users?limit=5' '/export?rows=5&format=csv' \
      '/blocking?ms=0' /health /ready /metrics /; do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT$path" || {
      echo "training request $path failed" >&2
      exit 1
    }
  done
  stop_shop
}

# written FILE WHAT: exits 1 with the training run's output unless FILE was written.
written() {
  if [[ ! -s "$1" ]]; then
    echo "the JVM wrote no $2 at $1; the training run's output:" >&2
    cat "$LOG_DIR/train.log" >&2
    exit 1
  fi
}

# train_cds JAVA ARCHIVE: the dynamic AppCDS archive, written when the training start exits.
train_cds() {
  rm -f "$2"
  train "$1" -XX:ArchiveClassesAtExit="$2" -Xlog:cds=off
  written "$2" "archive"
}

# train_aot JAVA CACHE: the AOT cache (JDK 24+), from a recording start and a create step, which
# runs no application code.
train_aot() {
  local java="$1" cache="$2" conf="$2.conf"
  rm -f "$cache" "$conf"
  train "$java" -XX:AOTMode=record -XX:AOTConfiguration="$conf"
  written "$conf" "AOT configuration"
  "$java" -XX:AOTMode=create -XX:AOTConfiguration="$conf" -XX:AOTCache="$cache" \
    -jar "$SHOP_JAR" >"$LOG_DIR/train.log" 2>&1 || true
  written "$cache" "AOT cache"
}

# stats NAME "MS...": prints median/min/max and sets MEDIAN.
stats() {
  local sorted
  sorted="$(tr ' ' '\n' <<<"$2" | grep -v '^$' | sort -n)"
  MEDIAN="$(awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }' <<<"$sorted")"
  printf '  %-22s median %6s ms   min %6s   max %6s   (%s)\n' "$1" "$MEDIAN" \
    "$(head -1 <<<"$sorted")" "$(tail -1 <<<"$sorted")" "$(tr '\n' ' ' <<<"$sorted")"
}

# report JDK KIND "NONE_MS..." "CDS_MS..." ["AOT_MS..."]: a line each, the ratios of the medians
# to none, and the records.
report() {
  local jdk="$1" kind="$2" none_median ratio
  echo " $kind time (ms):"
  stats "no archive" "$3"
  none_median="$MEDIAN"
  record "startup.$jdk.$kind.none.median_ms" "$MEDIAN"
  record "startup.$jdk.$kind.none.runs_ms" "$(tr ' ' ',' <<<"$3")"
  stats "AppCDS archive" "$4"
  record "startup.$jdk.$kind.cds.median_ms" "$MEDIAN"
  record "startup.$jdk.$kind.cds.runs_ms" "$(tr ' ' ',' <<<"$4")"
  ratio="$(awk -v a="$MEDIAN" -v b="$none_median" 'BEGIN { printf "%.2f", a / b }')"
  echo "  archive / none (medians): $ratio"
  record "startup.$jdk.$kind.cds_vs_none" "$ratio"
  [[ -n "${5:-}" ]] || return 0
  stats "AOT cache" "$5"
  record "startup.$jdk.$kind.aot.median_ms" "$MEDIAN"
  record "startup.$jdk.$kind.aot.runs_ms" "$(tr ' ' ',' <<<"$5")"
  ratio="$(awk -v a="$MEDIAN" -v b="$none_median" 'BEGIN { printf "%.2f", a / b }')"
  echo "  AOT cache / none (medians): $ratio"
  record "startup.$jdk.$kind.aot_vs_none" "$ratio"
}

# curve NAME JAVA JVM_OPTIONS... -- SHOP_OPTIONS...: a fresh shop, then $SLICES wrk slices.
curve() {
  local name="$1" rates=() i
  shift
  start_shop "curve-$name" "$@"
  for ((i = 1; i <= SLICES; i++)); do
    rates+=("$(wrk -t2 -c64 -d"$SLICE" -s "$ROOT/benchmarks/load/random-product.lua" \
      "http://127.0.0.1:$PORT" | awk '/^Requests\/sec:/ { printf "%.0f", $2 }')")
  done
  stop_shop
  printf '  %-24s %s req/s per %s slice\n' "$name" "${rates[*]}" "$SLICE"
  record "curve.$JDK.$name" "$(tr ' ' ',' <<<"${rates[*]}")"
}

record_meta "RUNS=$RUNS CURVE=$CURVE benchmarks/load/startup.sh"
RESULTS_JDK="$(for java in $JDKS; do "$java" -version 2>&1 | head -1 | tr -d '"'; done | paste -sd';')"
record "runs" "$RUNS"
for java in $JDKS; do
  feature="$(jdk_feature "$java")"
  JDK="jdk$feature"
  archive="$LOG_DIR/shop-$JDK.jsa"
  echo "$JDK ($java): training the archive"
  train_cds "$java" "$archive"
  echo "  archive $(du -h "$archive" | cut -f1)"
  aot=""
  if ((feature >= 24)); then
    aot="$LOG_DIR/shop-$JDK.aot"
    echo "$JDK: training the AOT cache"
    train_aot "$java" "$aot"
    echo "  AOT cache $(du -h "$aot" | cut -f1)"
  fi
  plain=() cds=() aots=() plain_cpu=() cds_cpu=() aot_cpu=()
  for ((run = 1; run <= RUNS; run++)); do
    start_shop plain "$java"
    plain+=("$READY_MS")
    plain_cpu+=("$READY_CPU_MS")
    stop_shop
    start_shop cds "$java" -XX:SharedArchiveFile="$archive"
    cds+=("$READY_MS")
    cds_cpu+=("$READY_CPU_MS")
    stop_shop
    if [[ -n "$aot" ]]; then
      start_shop aot "$java" -XX:AOTCache="$aot"
      aots+=("$READY_MS")
      aot_cpu+=("$READY_CPU_MS")
      stop_shop
    fi
  done
  echo "$JDK: start to 'listening', $RUNS runs each, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  report "$JDK" "wall" "${plain[*]}" "${cds[*]}" "${aots[*]}"
  report "$JDK" "cpu" "${plain_cpu[*]}" "${cds_cpu[*]}" "${aot_cpu[*]}"
  if [[ "$CURVE" == 1 ]]; then
    echo "$JDK: warm-up curve, /products/{random}, wrk -t2 -c64, $SLICES slices of $SLICE"
    curve plain "$java"
    curve cds "$java" -XX:SharedArchiveFile="$archive"
    curve cds+warm-up "$java" -XX:SharedArchiveFile="$archive" -- --warm-up "$WARMUP"
  fi
done
