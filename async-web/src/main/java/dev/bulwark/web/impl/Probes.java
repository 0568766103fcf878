package dev.bulwark.web.impl;

import dev.bulwark.web.ServerState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /health}, {@code /ready} and {@code /metrics} (GET and HEAD), answered on the event loop,
 * never behind a worker queue, and still answered while the server drains. {@code /metrics} is
 * the Prometheus text of the server's registry when it is a {@link PrometheusMeterRegistry} or a
 * {@link CompositeMeterRegistry} holding one; without one it is not mounted (as Spring Boot
 * exposes no Prometheus endpoint without a Prometheus registry), so the path answers the usual
 * JSON 404, or an application route of that path. Immutable and thread-safe.
 */
final class Probes {

  private static final Buffer UP = Buffer.buffer("{\"status\":\"UP\"}");
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence PROMETHEUS =
      HttpHeaders.createOptimized("text/plain; version=0.0.4; charset=utf-8");

  private final Lifecycle lifecycle;
  /** Null when the server's registry holds no Prometheus registry: no /metrics. */
  private final PrometheusMeterRegistry prometheus;
  private final HttpMetrics.RouteMeter health;
  private final HttpMetrics.RouteMeter ready;
  private final HttpMetrics.RouteMeter metrics;

  Probes(Lifecycle lifecycle, PrometheusMeterRegistry prometheus, HttpMetrics httpMetrics) {
    this.lifecycle = lifecycle;
    this.prometheus = prometheus;
    this.health = httpMetrics.route("GET", HEALTH);
    this.ready = httpMetrics.route("GET", READY);
    this.metrics = httpMetrics.route("GET", METRICS);
  }

  private static final String HEALTH = "/health";
  private static final String READY = "/ready";
  private static final String METRICS = "/metrics";
  /** The probes' paths, all GET, mounted before every route. */
  static final java.util.List<String> PATHS = java.util.List.of(HEALTH, READY, METRICS);

  void mountOn(Router router) {
    router.route(HttpMethod.GET, HEALTH).method(HttpMethod.HEAD).handler(ctx -> {
      track(ctx, lifecycle, health);
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(UP.copy());
    });
    router.route(HttpMethod.GET, READY).method(HttpMethod.HEAD).handler(this::ready);
    if (prometheus != null) {
      router.route(HttpMethod.GET, METRICS).method(HttpMethod.HEAD).handler(ctx -> {
        track(ctx, lifecycle, metrics);
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS).end(prometheus.scrape());
      });
    }
  }

  /**
   * The Prometheus registry behind {@code registry}: itself, or the first one a composite holds
   * (composites within composites included); {@code null} when there is none.
   */
  static PrometheusMeterRegistry prometheusIn(MeterRegistry registry) {
    if (registry instanceof PrometheusMeterRegistry) {
      return (PrometheusMeterRegistry) registry;
    }
    if (registry instanceof CompositeMeterRegistry) {
      for (MeterRegistry r : ((CompositeMeterRegistry) registry).getRegistries()) {
        PrometheusMeterRegistry found = prometheusIn(r);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /**
   * Counts a request that no route plan serves (a probe, a 404 or 405) as in flight and records
   * its status when it ends (499 when its client left first); never refused while draining.
   */
  static void track(RoutingContext ctx, Lifecycle lifecycle, HttpMetrics.RouteMeter meter) {
    long start = System.nanoTime();
    if (lifecycle != null) {
      lifecycle.begin();
    }
    ctx.addEndHandler(ar -> {
      if (lifecycle != null) {
        lifecycle.end();
      }
      meter.recordEnd(ctx.response(), start);
    });
  }

  private void ready(RoutingContext ctx) {
    track(ctx, lifecycle, ready);
    ServerState state = lifecycle.state();
    ctx.response().setStatusCode(state == ServerState.READY ? 200 : 503)
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end("{\"status\":\"" + state.name() + "\"}");
  }
}
