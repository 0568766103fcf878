#!/usr/bin/env bash
# Background tasks under load (TaskLoad), in one run: no-op tasks submitted and completed per
# second by the in-process queue, by the Redis queue and by the bare Redis Streams cycle
# (XADD / XREADGROUP / XACK through the same client); then the Redis queue's submit-to-start
# latency at a fixed rate, open loop. Each throughput line gives the CPU per task of this JVM and
# of Redis: on a shared machine the rates swing with the load, the CPU per task much less.
#
# Builds nothing: run `mvn -q package -DskipTests` in the project root first.
#
#   benchmarks/load/tasks.sh                                  # Redis at redis://127.0.0.1:6379
#   REDIS=redis://127.0.0.1:6380 TASKS=100000 RATE=1000 DURATION=10 benchmarks/load/tasks.sh
#
# Goals (issue #9): >= 10,000 tasks/s end to end on Redis, >= 0.5 of the raw cycle, and
# submit-to-start p99 < 10 ms at 1,000 tasks/s. Each phase uses fresh stream names and deletes
# what it created. Default total time: about 30 s.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

REDIS="${REDIS:-redis://127.0.0.1:6379}"
TASKS="${TASKS:-50000}"
RATE="${RATE:-1000}"
DURATION="${DURATION:-10}"
CONCURRENCY="${CONCURRENCY:-32}"

require_jars
"$JAVA" -cp "$BENCH_JAR" dev.bulwark.benchmarks.tasks.TaskLoad --redis "$REDIS" --tasks "$TASKS" \
  --rate "$RATE" --seconds "$DURATION" --concurrency "$CONCURRENCY" | tee "$LOG_DIR/taskload.txt"
record_results "$(<"$LOG_DIR/taskload.txt")"
