package dev.bulwark.web.impl;

import dev.bulwark.web.ServerState;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /health}, {@code /ready} and {@code /metrics} (GET and HEAD), answered on the event loop,
 * never behind a worker queue, and still answered while the server drains. Immutable and thread-safe.
 */
final class Probes {

  private static final Buffer UP = Buffer.buffer("{\"status\":\"UP\"}");
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence PROMETHEUS =
      HttpHeaders.createOptimized("text/plain; version=0.0.4; charset=utf-8");

  private final Lifecycle lifecycle;
  private final PrometheusMeterRegistry registry;
  private final HttpMetrics.RouteMeter health;
  private final HttpMetrics.RouteMeter ready;
  private final HttpMetrics.RouteMeter metrics;

  Probes(Lifecycle lifecycle, PrometheusMeterRegistry registry, HttpMetrics httpMetrics) {
    this.lifecycle = lifecycle;
    this.registry = registry;
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
    router.route(HttpMethod.GET, METRICS).method(HttpMethod.HEAD).handler(ctx -> {
      track(ctx, lifecycle, metrics);
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS).end(registry.scrape());
    });
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
