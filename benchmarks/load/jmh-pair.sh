#!/usr/bin/env bash
# Runs a paired JMH benchmark (one that times two or more implementations in alternating batches
# within each invocation and reports their per-iteration times and ratios as secondary results,
# such as LocalHitPair and WorkerPoolPair) and prints each iteration's ratios (every counter whose
# name starts with "ratio"), then their median, min and max, with the median of every other
# counter (each side's time per operation). The ratio compares neighbours in time (batches some
# microseconds apart), so it holds on a machine whose speed moves from one second to the next.
#
# Builds nothing: run `mvn -q package -DskipTests` in the project root first.
#
#   benchmarks/load/jmh-pair.sh LocalHitPair                  # FORKS=3, JMH_OPTS="-wi 5 -i 10"
#   RESULTS_DIR=benchmarks/results benchmarks/load/jmh-pair.sh LocalHitPair
#
# With RESULTS_DIR set it writes jmh-pair-BENCHMARK.properties (RATIO.median, .min, .max and
# .values for each ratio, COUNTER.median for the rest) and JMH's own JSON as
# jmh-BENCHMARK.json, which benchmarks/charts.sh draws.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench=${1:?usage: jmh-pair.sh BENCHMARK (FORKS, JMH_OPTS, BENCH_JAR, JAVA from the environment)}
FORKS="${FORKS:-3}"
JMH_OPTS="${JMH_OPTS:--wi 5 -i 10}"
positive_int FORKS "$FORKS"
require_jars
RESULTS_NAME="jmh-pair-$bench"
record_meta "FORKS=$FORKS JMH_OPTS=\"$JMH_OPTS\" benchmarks/load/jmh-pair.sh $bench"

json="$LOG_DIR/jmh-$bench.json"
# shellcheck disable=SC2086
"$JAVA" -jar "$BENCH_JAR" "$bench" -f "$FORKS" $JMH_OPTS -rf json -rff "$json" >"$LOG_DIR/jmh.out" 2>&1 || {
  echo "JMH failed; its output:" >&2
  cat "$LOG_DIR/jmh.out" >&2
  exit 1
}
# Each measured iteration prints its secondary results as "  NAME: VALUE #" lines (warm-up
# iterations print none): collect them by name, in order.
summary="$(awk '
  /^Iteration / { it++ }
  it > 0 && NF == 3 && $3 == "#" && $1 ~ /:$/ { name = substr($1, 1, length($1) - 1); v[name] = v[name] " " $2 }
  /^Result / { it = 0 }
  END { for (n in v) print n v[n] }' "$LOG_DIR/jmh.out")"
if ! grep -q '^ratio' <<<"$summary"; then
  echo "$bench reported no ratio counter per iteration; is it a paired benchmark? Its output:" >&2
  cat "$LOG_DIR/jmh.out" >&2
  exit 1
fi
# median MIN_MAX? VALUES...: the median (of the sorted values), or "median min max".
stats() {
  printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
    m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    printf "%.3f %.3f %.3f\n", m, a[1], a[NR] }'
}
while read -r name values; do
  # shellcheck disable=SC2086
  read -r median min max <<<"$(stats $values)"
  if [[ "$name" == ratio* ]]; then
    echo "$name per iteration ($FORKS forks): $values"
    echo "$name: median $median, min $min, max $max"
    record "$name.median" "$median"
    record "$name.min" "$min"
    record "$name.max" "$max"
    record "$name.values" "$(tr ' ' ',' <<<"${values# }")"
  else
    echo "$name: median $median (min $min, max $max)"
    record "$name.median" "$median"
  fi
done <<<"$(grep '^ratio' <<<"$summary" | sort; grep -v '^ratio' <<<"$summary" | sort)"
if [[ -n "${RESULTS_DIR:-}" ]]; then
  cp "$json" "$RESULTS_DIR/jmh-$bench.json"
fi
