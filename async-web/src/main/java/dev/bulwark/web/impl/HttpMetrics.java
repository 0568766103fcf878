package dev.bulwark.web.impl;

import dev.bulwark.core.internal.OwnedMeters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * HTTP request metrics: a timer {@code http.server.requests} tagged {@code method},
 * {@code route} (the template, never the raw path, so cardinality stays bounded) and
 * {@code status}, with fixed latency buckets from 1 ms to 10 s published as a Prometheus
 * histogram. Thread-safe. The per-route meter caches its timers by status, so recording a request
 * is an array read and the timer's own atomic updates; on an event loop those are applied per turn
 * ({@link TurnRecords}). {@link #close} removes every timer it
 * registered (a drained server's), and each one registered after.
 */
final class HttpMetrics {

  private static final Duration[] BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
      Duration.ofSeconds(10)};

  /**
   * The status recorded for a request whose client went away before its response was sent
   * (nginx's convention): never a 200 that was not sent.
   */
  static final int CLIENT_CLOSED = 499;

  private final OwnedMeters meters;

  /** @param registry where to register, or {@code null} to record nothing */
  HttpMetrics(MeterRegistry registry) {
    this.meters = new OwnedMeters(registry);
  }

  /** The meter for one route; call once per route at start. */
  RouteMeter route(String method, String template) {
    return new RouteMeter(meters, method, template);
  }

  /** Removes the request timers from the registry. */
  void close() {
    meters.removeAll();
  }

  /** Records requests of one route. Thread-safe. */
  static final class RouteMeter {
    private final OwnedMeters meters;
    private final MeterRegistry registry;
    private final String method;
    private final String route;
    private final AtomicReferenceArray<Timer> byStatus = new AtomicReferenceArray<>(600);

    RouteMeter(OwnedMeters meters, String method, String route) {
      this.meters = meters;
      this.registry = meters.registry();
      this.method = method;
      this.route = route;
    }

    /**
     * Records a request that began at {@code startNanos} and whose response just ended or whose
     * connection just closed: the status sent, or {@link #CLIENT_CLOSED} if nothing was.
     */
    void recordEnd(HttpServerResponse response, long startNanos) {
      int status = response.ended() ? response.getStatusCode() : CLIENT_CLOSED;
      record(status, System.nanoTime() - startNanos);
    }

    /** Records one request that ended with {@code status} after {@code nanos}. */
    void record(int status, long nanos) {
      if (registry == null || status < 100 || status > 599) {
        return;
      }
      Timer timer = byStatus.get(status);
      if (timer == null) {
        // Benign race: two threads may both build it; the registry returns the same timer, and
        // keeping it twice only means removing it twice.
        timer = meters.add(Timer.builder("http.server.requests")
            .description("HTTP requests by route template, method and status")
            .tag("method", method).tag("route", route).tag("status", Integer.toString(status))
            .serviceLevelObjectives(BUCKETS)
            .register(registry));
        byStatus.set(status, timer);
      }
      TurnRecords.record(timer, nanos);
    }
  }
}
