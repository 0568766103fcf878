package dev.bulwark.tasks.impl;

import dev.bulwark.core.internal.OwnedMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * A queue's meters, or nothing without a registry. Thread-safe.
 *
 * <p>Per queue (tag {@code queue}): gauges {@code bulwark.tasks.depth} (waiting tasks in the whole
 * queue), {@code bulwark.tasks.oldest.age} (seconds the oldest waiting task has waited) and
 * {@code bulwark.tasks.running} (on this instance). Per queue and type (tags {@code queue},
 * {@code type}): counters {@code bulwark.tasks.submitted}, {@code .succeeded}, {@code .failed}
 * (failed attempts), {@code .retried}, {@code .dead}, {@code .cancelled}; timers
 * {@code bulwark.tasks.queue.wait} (ready to started) and {@code bulwark.tasks.run}, with
 * percentile histograms. Tags come from configured names only, so they are stable across
 * restarts; {@link #close()} removes every meter this instance registered.
 */
final class TaskMetrics {

  private final MeterRegistry registry;
  private final String queue;
  private final OwnedMeters meters;
  private final Map<String, PerType> types = new ConcurrentHashMap<>();

  TaskMetrics(MeterRegistry registry, String queue, DoubleSupplier depth, DoubleSupplier oldestSeconds,
      DoubleSupplier running) {
    this.registry = registry;
    this.meters = new OwnedMeters(registry);
    this.queue = queue;
    if (registry != null) {
      meters.add(Gauge.builder("bulwark.tasks.depth", depth, DoubleSupplier::getAsDouble).strongReference(true).tag("queue", queue)
          .description("Tasks waiting in the queue (queued, delayed, retry-waiting)").register(registry));
      meters.add(Gauge.builder("bulwark.tasks.oldest.age", oldestSeconds, DoubleSupplier::getAsDouble).strongReference(true).tag("queue", queue)
          .baseUnit("seconds").description("How long the oldest ready task has waited")
          .register(registry));
      meters.add(Gauge.builder("bulwark.tasks.running", running, DoubleSupplier::getAsDouble).strongReference(true).tag("queue", queue)
          .description("Tasks this instance runs now").register(registry));
    }
  }

  void submitted(String type) {
    PerType t = of(type);
    if (t != null) {
      t.submitted.increment();
    }
  }

  void started(String type, long queueWaitMs) {
    PerType t = of(type);
    if (t != null) {
      t.queueWait.record(Math.max(0, queueWaitMs), TimeUnit.MILLISECONDS);
    }
  }

  void ran(String type, long runNanos) {
    PerType t = of(type);
    if (t != null) {
      t.run.record(Math.max(0, runNanos), TimeUnit.NANOSECONDS);
    }
  }

  void succeeded(String type) {
    PerType t = of(type);
    if (t != null) {
      t.succeeded.increment();
    }
  }

  /** A failed attempt, then either a retry or the dead-letter list. */
  void failed(String type, boolean dead) {
    PerType t = of(type);
    if (t != null) {
      t.failed.increment();
      (dead ? t.dead : t.retried).increment();
    }
  }

  /** A task dead-lettered without a failed run (undecodable payload). */
  void dead(String type) {
    PerType t = of(type);
    if (t != null) {
      t.dead.increment();
    }
  }

  void cancelled(String type) {
    PerType t = of(type);
    if (t != null) {
      t.cancelled.increment();
    }
  }

  void close() {
    if (registry != null) {
      meters.removeAll();
      types.clear();
    }
  }

  private PerType of(String type) {
    if (registry == null) {
      return null;
    }
    return types.computeIfAbsent(type, PerType::new);
  }

  private final class PerType {
    final Counter submitted;
    final Counter succeeded;
    final Counter failed;
    final Counter retried;
    final Counter dead;
    final Counter cancelled;
    final Timer queueWait;
    final Timer run;

    PerType(String type) {
      submitted = counter("submitted", type, "Tasks submitted");
      succeeded = counter("succeeded", type, "Tasks that succeeded");
      failed = counter("failed", type, "Attempts that failed");
      retried = counter("retried", type, "Retries scheduled after a failed attempt");
      dead = counter("dead", type, "Tasks moved to the dead-letter list");
      cancelled = counter("cancelled", type, "Tasks cancelled while running");
      queueWait = timer("bulwark.tasks.queue.wait", type, "Time from ready to started");
      run = timer("bulwark.tasks.run", type, "Time an attempt ran");
    }

    private Counter counter(String what, String type, String description) {
      Counter c = Counter.builder("bulwark.tasks." + what).tag("queue", queue).tag("type", type)
          .description(description).register(registry);
      return meters.add(c);
    }

    private Timer timer(String name, String type, String description) {
      Timer t = Timer.builder(name).tag("queue", queue).tag("type", type)
          .publishPercentileHistogram().description(description).register(registry);
      return meters.add(t);
    }
  }
}
