package dev.bulwark.web.impl;

import dev.bulwark.web.ServerState;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /health}, {@code /ready} and {@code /metrics}, answered on the event loop, never behind a
 * worker queue, and still answered while the server drains. Immutable and thread-safe.
 */
final class Probes {

  private static final Buffer UP = Buffer.buffer("{\"status\":\"UP\"}");
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence PROMETHEUS =
      HttpHeaders.createOptimized("text/plain; version=0.0.4; charset=utf-8");

  private final Lifecycle lifecycle;
  private final PrometheusMeterRegistry registry;
  private final RouteHandler.Tracking health;
  private final RouteHandler.Tracking ready;
  private final RouteHandler.Tracking metrics;

  Probes(Lifecycle lifecycle, PrometheusMeterRegistry registry, HttpMetrics httpMetrics) {
    this.lifecycle = lifecycle;
    this.registry = registry;
    this.health = new RouteHandler.Tracking(lifecycle, httpMetrics.route("GET", HEALTH), true);
    this.ready = new RouteHandler.Tracking(lifecycle, httpMetrics.route("GET", READY), true);
    this.metrics = new RouteHandler.Tracking(lifecycle, httpMetrics.route("GET", METRICS), true);
  }

  private static final String HEALTH = "/health";
  private static final String READY = "/ready";
  private static final String METRICS = "/metrics";
  /** The probes' paths, all GET, mounted before every route. */
  static final java.util.List<String> PATHS = java.util.List.of(HEALTH, READY, METRICS);

  void mountOn(Router router) {
    router.route(HttpMethod.GET, HEALTH).handler(ctx -> {
      health.begin(ctx);
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(UP.copy());
    });
    router.route(HttpMethod.GET, READY).handler(this::ready);
    router.route(HttpMethod.GET, METRICS).handler(ctx -> {
      metrics.begin(ctx);
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS).end(registry.scrape());
    });
  }

  private void ready(RoutingContext ctx) {
    ready.begin(ctx);
    ServerState state = lifecycle.state();
    ctx.response().setStatusCode(state == ServerState.READY ? 200 : 503)
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end("{\"status\":\"" + state.name() + "\"}");
  }
}
