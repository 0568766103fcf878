package dev.bulwark.web.impl;

import dev.bulwark.web.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashMap;
import java.util.Map;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * One server instance: an HTTP server and its router on this verticle's event loop. Several
 * instances share the port. Its handlers run on its event loop only.
 */
final class ServerVerticle extends VerticleBase {

  /** What every instance of one server shares; all of it is immutable or thread-safe. */
  record Shared(List<BoundRoute> routes, ServerOptions options, Lifecycle lifecycle, Probes probes,
      HttpMetrics metrics, AtomicInteger connections, HttpServerOptions httpOptions,
      IntConsumer onListen) {
  }

  private final Shared shared;
  private final int listenPort;

  ServerVerticle(Shared shared, int listenPort) {
    this.shared = shared;
    this.listenPort = listenPort;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    shared.probes().mountOn(router);
    for (BoundRoute route : shared.routes()) {
      route.mount(router, shared.options().maxBodySize());
    }
    ErrorRoutes.mountOn(router, shared.lifecycle(), shared.metrics(), shared.options().maxBodySize());
    HttpServer server = vertx.createHttpServer(new HttpServerOptions(shared.httpOptions()));
    int max = shared.options().maxConnections();
    AtomicInteger connections = shared.connections();
    server.connectionHandler(conn -> {
      if (connections.incrementAndGet() > max) {
        connections.decrementAndGet();
        conn.close();
        return;
      }
      conn.closeHandler(v -> connections.decrementAndGet());
    });
    // Exact-path routes that need nothing of vertx-web are dispatched by one map lookup; all
    // others, and every miss (normalised paths, 404, 405), go through the router as usual.
    Map<String, Map<HttpMethod, Handler<HttpServerRequest>>> fast = new HashMap<>();
    for (BoundRoute route : shared.routes()) {
      if (route.fast() != null) {
        fast.computeIfAbsent(route.template(), k -> new HashMap<>(4))
            .put(route.method(), route.fast());
      }
    }
    Handler<HttpServerRequest> dispatch = fast.isEmpty() ? router : request -> {
      Map<HttpMethod, Handler<HttpServerRequest>> byMethod = fast.get(request.path());
      Handler<HttpServerRequest> h = byMethod == null ? null : byMethod.get(request.method());
      if (h != null) {
        h.handle(request);
      } else {
        router.handle(request);
      }
    };
    return server.requestHandler(dispatch).listen(listenPort).onSuccess(s -> shared.onListen().accept(s.actualPort()));
  }
}
