package dev.bulwark.web.impl;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * One handler method bound at start, ready to mount on any number of routers (one per event-loop
 * instance). Immutable and thread-safe.
 *
 * @param method the HTTP method
 * @param template the path template as declared, e.g. {@code /products/{id}}
 * @param vertxPath the same in vertx-web syntax, e.g. {@code /products/:id}
 * @param readsBody whether the request body is read before the handler runs
 * @param tracking counts and measures the request; first handler when the body is read
 * @param handler binds, invokes and writes
 * @param description {@code Class.method(Types)} for messages
 * @param pool the worker pool's name, or {@code null} for the event loop
 * @param fast serves the route without the router, or {@code null}: only for a route with no body,
 *     no stream and no {@code RoutingContext} parameter, whose template {@link PathTemplate}
 *     can match, so the server can dispatch it before vertx-web's route matching
 */
public record BoundRoute(HttpMethod method, String template, String vertxPath, boolean readsBody,
    Handler<RoutingContext> tracking, Handler<RoutingContext> handler, String description,
    String pool, Fast fast) {

  /** Serves a request whose path matched the route's template, without the router. */
  public interface Fast {
    /**
     * @param request the request, on its event loop
     * @param pathValues the template's parameter values in path order (empty for an exact path)
     */
    void handle(HttpServerRequest request, String[] pathValues);
  }

  /** Adds this route to {@code router}; {@code bodyLimit} bounds a body read first (bytes). */
  public Route mount(Router router, long bodyLimit) {
    Route route = router.route(method, vertxPath);
    if (readsBody) {
      route.handler(tracking).handler(BodyHandler.create(false).setBodyLimit(bodyLimit));
    }
    return route.handler(handler);
  }
}
