package dev.bulwark.web.impl;

import dev.bulwark.web.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One server instance: an HTTP server on this verticle's event loop, whose requests pass the
 * {@link RequestGuard}, then the {@link RouteTable}, then (for what the table does not serve) a
 * vertx-web router holding the probes, the same plans mounted by {@link RouterFront}, and the
 * JSON 404/405 answers; an {@link AcceptHook} on the listening channel gives every connection its
 * strict decoder from the first byte ({@link DecoderSwap}) and, with a header-read timeout, its
 * {@link HeaderDeadline}. Several instances share the port. Its handlers run on its event loop only.
 */
final class ServerVerticle extends VerticleBase {

  /** What every instance of one server shares; all of it is immutable or thread-safe. */
  record Shared(List<RoutePlan> routes, ServerOptions options, Lifecycle lifecycle, Probes probes,
      HttpMetrics metrics, AtomicInteger connections, HttpServerOptions httpOptions,
      Consumer<HttpServer> onListen, List<Consumer<Router>> mounts) {

    /** The same, listening through {@code httpOptions} and reporting to {@code onListen}. */
    Shared with(HttpServerOptions httpOptions, Consumer<HttpServer> onListen) {
      return new Shared(routes, options, lifecycle, probes, metrics, connections, httpOptions,
          onListen, mounts);
    }
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
    MountedRoutes.mount(router, shared.mounts(), shared.lifecycle(), shared.metrics());
    RouterFront.mount(router, shared.routes(), shared.options().maxBodySize(), shared.lifecycle());
    ErrorRoutes.mountOn(router, shared.lifecycle(), shared.metrics(), shared.options().maxBodySize());
    HttpServerOptions httpOptions = new HttpServerOptions(shared.httpOptions());
    HttpServer server = vertx.createHttpServer(httpOptions);
    HttpMetrics.RouteMeter refused = shared.metrics().route("ANY", "refused");
    int max = shared.options().maxConnections();
    AtomicInteger connections = shared.connections();
    server.connectionHandler(conn -> {
      if (connections.incrementAndGet() > max) {
        connections.decrementAndGet();
        conn.close();
        return;
      }
      conn.closeHandler(v -> connections.decrementAndGet());
      FramingCheck.install(conn, refused, httpOptions);
    });
    RouteTable table = new RouteTable(shared.routes(), router, shared.lifecycle());
    RequestGuard guard = new RequestGuard(refused);
    Handler<HttpServerRequest> front = request -> {
      if (guard.admit(request)) {
        table.handle(request);
      }
    };
    long headerTimeoutNanos = shared.options().headerReadTimeout().toNanos();
    return server.requestHandler(front).invalidRequestHandler(guard::invalidRequest)
        .listen(listenPort).onSuccess(s -> {
          AcceptHook.install(s, httpOptions, headerTimeoutNanos, refused);
          shared.onListen().accept(s);
        });
  }
}
