package dev.bulwark.db.impl;

import dev.bulwark.core.internal.OwnedMeters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times statements per query name ({@code bulwark.db.query}, tags pool, query, outcome) and logs
 * the slow ones at WARN with the name and duration, never the SQL values. {@link #close} removes
 * the timers from the registry. Thread-safe.
 */
final class DbMetrics {

  private static final Logger LOG = LoggerFactory.getLogger(DbMetrics.class);

  private final MeterRegistry registry;
  private final OwnedMeters meters;
  private final String pool;
  private final long slowNanos;
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

  DbMetrics(MeterRegistry registry, String pool, Duration slow) {
    this.registry = registry;
    this.meters = new OwnedMeters(registry);
    this.pool = pool;
    this.slowNanos = slow.toNanos();
  }

  <T> T time(String query, Callable<T> work) throws Exception {
    long start = System.nanoTime();
    boolean ok = false;
    try {
      T result = work.call();
      ok = true;
      return result;
    } finally {
      long nanos = System.nanoTime() - start;
      if (nanos > slowNanos) {
        LOG.warn("{} - slow query '{}': {} ms", pool, query, nanos / 1_000_000);
      }
      if (registry != null) {
        String key = query + (ok ? "|ok" : "|error");
        Timer timer = timers.computeIfAbsent(key, k -> meters.add(Timer.builder("bulwark.db.query")
            .description("Statements by query name")
            .tag("pool", pool).tag("query", query).tag("outcome", k.endsWith("|ok") ? "success" : "error")
            .register(registry)));
        timer.record(nanos, TimeUnit.NANOSECONDS);
      }
    }
  }

  /** Removes the timers from the registry; a statement that ends later is still timed, unseen. */
  void close() {
    meters.removeAll();
  }
}
