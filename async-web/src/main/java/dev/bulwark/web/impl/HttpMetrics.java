package dev.bulwark.web.impl;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * HTTP request metrics: a timer {@code http.server.requests} tagged {@code method},
 * {@code route} (the template, never the raw path, so cardinality stays bounded) and
 * {@code status}, with fixed latency buckets from 1 ms to 10 s published as a Prometheus
 * histogram. Thread-safe. The per-route meter caches its timers by status, so recording a request
 * is an array read and the timer's own atomic updates.
 */
public final class HttpMetrics {

  private static final Duration[] BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
      Duration.ofSeconds(10)};

  /**
   * The status recorded for a request whose client went away before its response was sent
   * (nginx's convention): never a 200 that was not sent.
   */
  public static final int CLIENT_CLOSED = 499;

  private final MeterRegistry registry;

  /** @param registry where to register, or {@code null} to record nothing */
  public HttpMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The meter for one route; call once per route at start. */
  public RouteMeter route(String method, String template) {
    return new RouteMeter(registry, method, template);
  }

  /** Records requests of one route. Thread-safe. */
  public static final class RouteMeter {
    private final MeterRegistry registry;
    private final String method;
    private final String route;
    private final AtomicReferenceArray<Timer> byStatus = new AtomicReferenceArray<>(600);

    RouteMeter(MeterRegistry registry, String method, String route) {
      this.registry = registry;
      this.method = method;
      this.route = route;
    }

    /**
     * Records a request that began at {@code startNanos} and whose response just ended or whose
     * connection just closed: the status sent, or {@link #CLIENT_CLOSED} if nothing was.
     */
    public void recordEnd(HttpServerResponse response, long startNanos) {
      int status = response.ended() ? response.getStatusCode() : CLIENT_CLOSED;
      record(status, System.nanoTime() - startNanos);
    }

    /** Records one request that ended with {@code status} after {@code nanos}. */
    public void record(int status, long nanos) {
      if (registry == null || status < 100 || status > 599) {
        return;
      }
      Timer timer = byStatus.get(status);
      if (timer == null) {
        // Benign race: two threads may both build it; the registry returns the same timer.
        timer = Timer.builder("http.server.requests")
            .description("HTTP requests by route template, method and status")
            .tag("method", method).tag("route", route).tag("status", Integer.toString(status))
            .serviceLevelObjectives(BUCKETS)
            .register(registry);
        byStatus.set(status, timer);
      }
      timer.record(nanos, TimeUnit.NANOSECONDS);
    }
  }
}
