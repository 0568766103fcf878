package dev.bulwark.web.impl;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.web.Streaming;
import io.vertx.core.http.HttpMethod;
import java.lang.invoke.MethodHandle;

/**
 * Everything the {@link Pipeline} needs to serve one route, decided once at start by
 * {@link RoutePlanner}: nothing about a route is looked up, reflected on or chosen per request.
 * Immutable and thread-safe; one plan serves every event loop and both fronts.
 *
 * @param method the HTTP method (a GET plan also serves HEAD)
 * @param template the path template as declared, e.g. {@code /products/{id}}
 * @param pathNames the template's parameter names in path order; path values travel in this order
 * @param compiled the template as the route table matches it, or {@code null} when only the
 *     vertx-web front can (a parameter that fills part of a segment)
 * @param description {@code Class.method(Types)} for messages and logs
 * @param binders one per handler parameter
 * @param deferredBody the index of a JSON {@code @Body} bound on the worker, or -1
 * @param invoker the handler method bound to its object, spread over an {@code Object[]}
 * @param async how the result arrives
 * @param pool the worker pool, or {@code null} to run on the event loop
 * @param writer encodes a plain result ({@code null} for a streamed route)
 * @param stream how a streamed result is written ({@code null} for a plain route)
 * @param cache the response cache stage ({@code null} unless {@code @Cached})
 * @param readsBody whether the body is read before binding
 * @param usesContext whether a parameter is the {@code RoutingContext} (vertx-web front only)
 * @param meter the route's request metrics
 */
record RoutePlan(HttpMethod method, String template, String[] pathNames, PathTemplate compiled,
    String description, ParamBinder[] binders, int deferredBody, MethodHandle invoker, Async async,
    WorkerPool pool, ResultWriter writer, StreamPlan stream, ResponseCache cache, boolean readsBody,
    boolean usesContext, HttpMetrics.RouteMeter meter) {

  /** How a handler's result arrives. */
  enum Async { NONE, FUTURE, COMPLETION_STAGE }

  /**
   * How a streamed result is written.
   *
   * @param annotation the method's {@code @Streaming}, or {@code null}
   * @param pullPool the pool that pulls blocking sources ({@code Stream}, {@code Iterator})
   * @param compress whether gzip is offered to clients that accept it
   * @param writeStallMillis how long the socket may stay full before the response is cut; 0 never
   */
  record StreamPlan(Streaming annotation, ObjectMapper mapper, WorkerPool pullPool, boolean compress,
      long writeStallMillis) {
  }

  /** Whether the route table can serve this route (else only the vertx-web front can). */
  boolean tableServes() {
    return compiled != null && !usesContext && !readsBody;
  }

  /** The template in vertx-web syntax, e.g. {@code /products/:id}. */
  String vertxPath() {
    String path = template;
    for (String name : pathNames) {
      path = path.replace("{" + name + "}", ":" + name);
    }
    return path;
  }
}
