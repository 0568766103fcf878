package dev.bulwark.core.impl;

import dev.bulwark.core.RejectionReason;
import dev.bulwark.core.internal.OwnedMeters;
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
 * {@link #remove()} (when the pool has closed) takes them all out of the registry again.
 */
final class PoolMetrics {

  private final OwnedMeters meters;
  private final Timer queueWait;
  private final Timer run;
  private final EnumMap<RejectionReason, Counter> rejected;

  private PoolMetrics(OwnedMeters meters, Timer queueWait, Timer run,
      EnumMap<RejectionReason, Counter> rejected) {
    this.meters = meters;
    this.queueWait = queueWait;
    this.run = run;
    this.rejected = rejected;
  }

  static PoolMetrics none() {
    return new PoolMetrics(new OwnedMeters(null), null, null, null);
  }

  static <P> PoolMetrics register(MeterRegistry registry, String pool, P owner,
      ToDoubleFunction<P> active, ToDoubleFunction<P> queued, ToDoubleFunction<P> limit) {
    OwnedMeters meters = new OwnedMeters(registry);
    meters.add(Gauge.builder("bulwark.pool.active", owner, active).tag("pool", pool)
        .description("Tasks running on the worker pool").register(registry));
    meters.add(Gauge.builder("bulwark.pool.queued", owner, queued).tag("pool", pool)
        .description("Tasks waiting for a worker").register(registry));
    meters.add(Gauge.builder("bulwark.pool.limit", owner, limit).tag("pool", pool)
        .description("Concurrency limit in force").register(registry));
    EnumMap<RejectionReason, Counter> rejected = new EnumMap<>(RejectionReason.class);
    for (RejectionReason reason : RejectionReason.values()) {
      rejected.put(reason, meters.add(Counter.builder("bulwark.pool.rejected").tag("pool", pool)
          .tag("reason", reason.tag()).description("Tasks the pool did not run")
          .register(registry)));
    }
    Timer queueWait = meters.add(Timer.builder("bulwark.pool.queue.wait").tag("pool", pool)
        .description("Time tasks waited for a worker").register(registry));
    Timer run = meters.add(Timer.builder("bulwark.pool.run").tag("pool", pool)
        .description("Time tasks ran").register(registry));
    return new PoolMetrics(meters, queueWait, run, rejected);
  }

  /**
   * Removes the pool's meters from the registry. The meters themselves still count what happens
   * after (a rejection of a late submit), unseen by the registry.
   */
  void remove() {
    meters.removeAll();
  }

  /** Whether any meter records (a registry was given). */
  boolean enabled() {
    return run != null;
  }

  /**
   * A runner reads the clock at the end of a task and then takes the next one, which may have
   * been queued just after that reading: its wait is then zero, not the small negative difference.
   */
  void queueWait(long nanos) {
    if (queueWait != null) {
      queueWait.record(Math.max(0L, nanos), TimeUnit.NANOSECONDS);
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
