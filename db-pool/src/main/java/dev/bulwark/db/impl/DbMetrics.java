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
  private final ConcurrentHashMap<String, Query> queries = new ConcurrentHashMap<>();

  DbMetrics(MeterRegistry registry, String pool, Duration slow) {
    this.registry = registry;
    this.meters = new OwnedMeters(registry);
    this.pool = pool;
    this.slowNanos = slow.toNanos();
  }

  /** The timer of one query name, looked up once per view rather than once per statement. */
  Query query(String name) {
    return queries.computeIfAbsent(name, Query::new);
  }

  /**
   * The meters of one query name. Each outcome's timer is registered when that outcome first
   * happens, so a query that never failed shows no error timer. Thread-safe: two threads may both
   * see a timer missing and both register it, and the registry hands both the same meter.
   */
  final class Query {

    private final String name;
    private volatile Timer success;
    private volatile Timer error;

    private Query(String name) {
      this.name = name;
    }

    <T> T time(Callable<T> work) throws Exception {
      long start = System.nanoTime();
      boolean ok = false;
      try {
        T result = work.call();
        ok = true;
        return result;
      } finally {
        record(System.nanoTime() - start, ok);
      }
    }

    /** Records one statement of {@code nanos}, and logs it when slow. */
    void record(long nanos, boolean ok) {
      if (nanos > slowNanos) {
        LOG.warn("{} - slow query '{}': {} ms", pool, name, nanos / 1_000_000);
      }
      if (registry == null) {
        return;
      }
      Timer timer = ok ? success : error;
      if (timer == null) {
        timer = meters.add(Timer.builder("bulwark.db.query")
            .description("Statements by query name")
            .tag("pool", pool).tag("query", name).tag("outcome", ok ? "success" : "error")
            .register(registry));
        if (ok) {
          success = timer;
        } else {
          error = timer;
        }
      }
      timer.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Removes the timers from the registry; a statement that ends later is still timed, unseen. */
  void close() {
    meters.removeAll();
  }
}
