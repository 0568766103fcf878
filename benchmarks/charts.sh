#!/usr/bin/env bash
# Regenerates docs/img/bench-*.png from the recorded results in benchmarks/results/ (the load
# scripts' *.properties written with RESULTS_DIR=benchmarks/results, JMH's jmh-*.json written
# with `-rf json -rff benchmarks/results/jmh-NAME.json`, jmh-interleave.sh's interleave-*.tsv).
# docs/BENCHMARKS.md shows the charts and the commands that refresh each results file.
#
#   benchmarks/charts.sh                          # benchmarks/results -> docs/img
#   benchmarks/charts.sh RESULTS_DIR OUT_DIR
#
# Needs benchmarks/target/benchmarks.jar (`mvn -q package -DskipTests`); draws with plain Java2D,
# headless. Prints each PNG it wrote.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS="${1:-$ROOT/benchmarks/results}"
OUT="${2:-$ROOT/docs/img}"
BENCH_JAR="${BENCH_JAR:-$ROOT/benchmarks/target/benchmarks.jar}"
if [[ ! -f "$BENCH_JAR" ]]; then
  echo "missing $BENCH_JAR; build first: (cd $ROOT && mvn -q package -DskipTests)" >&2
  exit 1
fi
exec "${JAVA:-java}" -Djava.awt.headless=true -cp "$BENCH_JAR" dev.bulwark.benchmarks.charts.ChartMaker "$RESULTS" "$OUT"
