package dev.bulwark.web.impl;

import dev.bulwark.web.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
      IntConsumer onListen, List<java.util.function.Consumer<Router>> mounts) {
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
    shared.mounts().forEach(m -> m.accept(router));
    // Fewer template parameters first (stable): a literal path wins over a template that also
    // matches it, as in JAX-RS and Spring, whatever the methods are called.
    List<BoundRoute> ordered = new ArrayList<>(shared.routes());
    ordered.sort(Comparator.comparingInt(r -> PathTemplate.parameterCount(r.template())));
    for (BoundRoute route : ordered) {
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
    Handler<HttpServerRequest> dispatch = fastDispatch(router);
    return server.requestHandler(dispatch).listen(listenPort).onSuccess(s -> shared.onListen().accept(s.actualPort()));
  }

  /**
   * Routes that need nothing of vertx-web (no body, no stream, no {@code RoutingContext}) are
   * dispatched without it: exact paths by one map lookup, templates with whole-segment parameters
   * by matching each in turn, but only a template that no other template of its method could also
   * match (a literal path is tried first here and mounted first on the router, so it wins either
   * way; between templates the router's order decides). Every other request, and
   * every miss (a path that is not plain, 404, 405), goes through the router as usual.
   */
  private Handler<HttpServerRequest> fastDispatch(Router router) {
    Map<String, Map<HttpMethod, BoundRoute.Fast>> exact = new HashMap<>();
    Map<String, Map<HttpMethod, BoundRoute.Fast>> templated = new LinkedHashMap<>();
    Map<String, PathTemplate> parsed = new HashMap<>();
    for (BoundRoute route : shared.routes()) {
      PathTemplate t = route.fast() == null ? null : PathTemplate.parse(route.template());
      if (t == null) {
        continue;
      }
      if (!t.hasParameters()) {
        if (!Probes.PATHS.contains(route.template())) {
          exact.computeIfAbsent(route.template(), k -> new HashMap<>(4)).put(route.method(), route.fast());
        }
      } else if (shared.routes().stream().noneMatch(other -> other != route
          && other.method().equals(route.method())
          && PathTemplate.parameterCount(other.template()) > 0
          && PathTemplate.overlap(other.template(), route.template()))
          && !(route.method().equals(HttpMethod.GET)
              && Probes.PATHS.stream().anyMatch(p -> PathTemplate.overlap(p, route.template())))) {
        templated.computeIfAbsent(route.template(), k -> new HashMap<>(4)).put(route.method(), route.fast());
        parsed.put(route.template(), t);
      }
    }
    if (exact.isEmpty() && templated.isEmpty()) {
      return router;
    }
    PathTemplate[] templates = templated.keySet().stream().map(parsed::get).toArray(PathTemplate[]::new);
    @SuppressWarnings("unchecked")
    Map<HttpMethod, BoundRoute.Fast>[] byTemplate = templated.values().toArray(new Map[0]);
    String[] none = new String[0];
    return request -> {
      String path = request.path();
      Map<HttpMethod, BoundRoute.Fast> byMethod = exact.get(path);
      if (byMethod != null) {
        BoundRoute.Fast f = byMethod.get(request.method());
        if (f != null) {
          f.handle(request, none);
          return;
        }
      }
      for (int i = 0; i < templates.length; i++) {
        String[] values = templates[i].match(path);
        if (values != null) {
          BoundRoute.Fast f = byTemplate[i].get(request.method());
          if (f != null) {
            f.handle(request, values);
            return;
          }
        }
      }
      router.handle(request);
    };
  }
}
