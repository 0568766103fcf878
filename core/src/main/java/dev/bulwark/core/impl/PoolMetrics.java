package dev.bulwark.core.impl;

import dev.bulwark.core.RejectionReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * A worker pool's Micrometer meters, registered once when the pool is built, or nothing when no
 * registry was given. Thread-safe.
 *
 * <p>Meters, each tagged {@code pool=<name>}: gauges {@code bulwark.pool.active},
 * {@code bulwark.pool.queued}, {@code bulwark.pool.limit}; counter {@code bulwark.pool.rejected}
 * tagged {@code reason}; timers {@code bulwark.pool.queue.wait} and {@code bulwark.pool.run}.
 */
final class PoolMetrics {

  private final Timer queueWait;
  private final Timer run;
  private final EnumMap<RejectionReason, Counter> rejected;

  private PoolMetrics(Timer queueWait, Timer run, EnumMap<RejectionReason, Counter> rejected) {
    this.queueWait = queueWait;
    this.run = run;
    this.rejected = rejected;
  }

  static PoolMetrics none() {
    return new PoolMetrics(null, null, null);
  }

  static <P> PoolMetrics register(MeterRegistry registry, String pool, P owner,
      ToDoubleFunction<P> active, ToDoubleFunction<P> queued, ToDoubleFunction<P> limit) {
    Gauge.builder("bulwark.pool.active", owner, active).tag("pool", pool)
        .description("Tasks running on the worker pool").register(registry);
    Gauge.builder("bulwark.pool.queued", owner, queued).tag("pool", pool)
        .description("Tasks waiting for a worker").register(registry);
    Gauge.builder("bulwark.pool.limit", owner, limit).tag("pool", pool)
        .description("Concurrency limit in force").register(registry);
    EnumMap<RejectionReason, Counter> rejected = new EnumMap<>(RejectionReason.class);
    for (RejectionReason reason : RejectionReason.values()) {
      rejected.put(reason, Counter.builder("bulwark.pool.rejected").tag("pool", pool)
          .tag("reason", reason.tag()).description("Tasks the pool did not run")
          .register(registry));
    }
    Timer queueWait = Timer.builder("bulwark.pool.queue.wait").tag("pool", pool)
        .description("Time tasks waited for a worker").register(registry);
    Timer run = Timer.builder("bulwark.pool.run").tag("pool", pool)
        .description("Time tasks ran").register(registry);
    return new PoolMetrics(queueWait, run, rejected);
  }

  /** Whether any meter records (a registry was given). */
  boolean enabled() {
    return run != null;
  }

  void queueWait(long nanos) {
    if (queueWait != null) {
      queueWait.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  void run(long nanos) {
    if (run != null) {
      run.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  void rejected(RejectionReason reason) {
    if (rejected != null) {
      rejected.get(reason).increment();
    }
  }
}
