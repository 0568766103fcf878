#!/usr/bin/env bash
# Runs one JMH benchmark as many short single-fork runs, alternating jars and @Param impl values,
# so that each ratio compares neighbours in time on a machine whose load changes by the minute.
# Each run also records CPU time (task-clock) and context switches per operation with JMH's
# perfnorm profiler (needs `perf`), which other jobs on the machine disturb far less than the
# throughput. Writes one TSV line per run:
#   round  jar  impl  score  cpu-ns/op  context-switches/op  load(1 min)  time(UTC)  unit
# (the score in the benchmark's own unit: ops/s for throughput, ns/op for average-time suites)
#
#   JARS="old.jar new.jar" IMPLS="bulwark executeBlocking threadPoolExecutor" ROUNDS=6 \
#     benchmarks/load/jmh-interleave.sh WorkerPoolDispatch > results.tsv
#
# A failed run prints `failed` in place of its figures.
# JAVA picks the JVM; JMH_OPTS replaces the per-run options (default: -wi 3 -i 5 -w 1s -r 1s).
# With RESULTS_DIR set, the same lines also go to $RESULTS_DIR/interleave-BENCHMARK.tsv (after a
# header comment with the command, JDK, cores and date), which benchmarks/charts.sh draws.
set -euo pipefail
bench=${1:?usage: jmh-interleave.sh BENCHMARK_REGEX (JARS, IMPLS, ROUNDS, JAVA, JMH_OPTS from the environment)}
java=${JAVA:-java}
jars=${JARS:-benchmarks/target/benchmarks.jar}
impls=${IMPLS:?IMPLS must list the impl values to alternate}
rounds=${ROUNDS:-6}
opts=${JMH_OPTS:--wi 3 -i 5 -w 1s -r 1s}
tsv=/dev/null
if [[ -n "${RESULTS_DIR:-}" ]]; then
  mkdir -p "$RESULTS_DIR"
  tsv="$RESULTS_DIR/interleave-$bench.tsv"
  printf '# JARS="%s" IMPLS="%s" ROUNDS=%s JMH_OPTS="%s" benchmarks/load/jmh-interleave.sh %s; %s; %s cores; %s\n' \
    "$jars" "$impls" "$rounds" "$opts" "$bench" "$("$java" -version 2>&1 | head -1 | tr -d '"')" "$(nproc)" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$tsv"
fi
csv=$(mktemp)
trap 'rm -f "$csv"' EXIT
for r in $(seq 1 "$rounds"); do
  for jar in $jars; do
    for impl in $impls; do
      load=$(cut -d' ' -f1 /proc/loadavg)
      # A run that fails (a benchmark error on a stalled machine) is reported as such and the
      # rounds go on, so one bad minute does not throw away the runs before and after it.
      # shellcheck disable=SC2086
      if ! "$java" -jar "$jar" "$bench" -p impl="$impl" -f 1 $opts \
        -prof "perfnorm:events=task-clock,context-switches" -rf csv -rff "$csv" >/dev/null 2>&1; then
        printf '%s\t%s\t%s\tfailed\t-\t-\t%s\t%s\n' "$r" "$(basename "$jar")" "$impl" "$load" \
          "$(date -u +%T)"
        continue
      fi
      # perf may record nothing on a busy machine: a missing figure prints as '-' (grep finding
      # no line must not end the script under pipefail).
      # The primary result is the last line without a profiler's ':' in its name.
      primary=$(grep -v ':' "$csv" | tail -1 || true)
      if [[ $(grep -vc ':' "$csv") -gt 1 ]]; then
        echo "warning: '$bench' matched more than one benchmark; only the last, $(cut -d, -f1 <<<"$primary"), is recorded" >&2
      fi
      name=$(cut -d, -f1 <<<"$primary" | tr -d '"')
      ops=$(cut -d, -f5 <<<"$primary")
      unit=$(cut -d, -f7 <<<"$primary" | tr -d '"')
      # The profiler's lines of that same benchmark. (The header names the 'Param: impl' column,
      # so only benchmark rows lack a ':'.)
      cpu=$({ grep -F "\"$name:task-clock\"" "$csv" || true; } | head -1 | cut -d, -f5 | awk '{printf "%.0f", $1 * 1e6}')
      cs=$({ grep -F "\"$name:context-switches\"" "$csv" || true; } | head -1 | cut -d, -f5)
      ops=${ops:--} cpu=${cpu:--} cs=${cs:--}
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$(basename "$jar")" "$impl" "$ops" "$cpu" \
        "$cs" "$load" "$(date -u +%T)" "${unit:--}" | tee -a "$tsv"
    done
  done
done
