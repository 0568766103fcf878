package dev.bulwark.web.impl;

import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The routes an application mounts itself on the server's router ({@code BulwarkServer.routes},
 * such as static assets), given the pipeline's admission stage: counted in flight, refused with
 * 503 while the server drains, and recorded in {@code http.server.requests} under the matched
 * route's path. A handler before them admits every request that reaches them; one after them
 * takes back the admission of a request none of them answered, which goes on to the planned
 * routes and the 404/405 answers, which admit and record it themselves.
 *
 * <p>Thread-safe: the meters are created once per route path and method, in a concurrent map;
 * everything per request is confined to its event loop.
 */
final class MountedRoutes {

  private static final String ADMITTED = "bulwark.mounted.admission";

  private MountedRoutes() {
  }

  static void mount(Router router, List<Consumer<Router>> mounts, Lifecycle lifecycle,
      HttpMetrics metrics) {
    if (mounts.isEmpty()) {
      return;
    }
    Map<String, HttpMetrics.RouteMeter> meters = new ConcurrentHashMap<>();
    List<String> templates = new java.util.ArrayList<>();
    router.route().handler(ctx -> admit(ctx, lifecycle, metrics, meters, templates));
    int before = router.getRoutes().size();
    mounts.forEach(m -> m.accept(router));
    for (Route r : router.getRoutes().subList(before, router.getRoutes().size())) {
      templates.add(template(r));
    }
    router.route().handler(ctx -> {
      Admission a = ctx.get(ADMITTED);
      if (a != null) {
        a.withdraw();
      }
      ctx.next();
    });
  }

  private static void admit(RoutingContext ctx, Lifecycle lifecycle, HttpMetrics metrics,
      Map<String, HttpMetrics.RouteMeter> meters, List<String> templates) {
    if (lifecycle.refusing()) {
      // Refused only when a mounted route would take it; the planned routes refuse their own.
      String template = matching(templates, ctx.normalizedPath());
      if (template == null) {
        ctx.next();
        return;
      }
      long start = System.nanoTime();
      Exchange.refuse(ctx.request());
      meter(metrics, meters, ctx, template).recordEnd(ctx.response(), start);
      return;
    }
    Admission a = new Admission(lifecycle);
    ctx.put(ADMITTED, a);
    ctx.addEndHandler(ar -> a.ended(ctx, metrics, meters));
    ctx.next();
  }

  /** The first mounted template matching {@code path} (exact, or a {@code prefix/*}), or null. */
  private static String matching(List<String> templates, String path) {
    for (String t : templates) {
      if (t.endsWith("*") ? path.startsWith(t.substring(0, t.length() - 1)) : t.equals(path)) {
        return t;
      }
    }
    return null;
  }

  private static HttpMetrics.RouteMeter meter(HttpMetrics metrics,
      Map<String, HttpMetrics.RouteMeter> meters, RoutingContext ctx, String template) {
    io.vertx.core.http.HttpMethod m = ctx.request().method();
    // Bounded tags: a client may send any method name.
    String method = m == io.vertx.core.http.HttpMethod.GET || m == io.vertx.core.http.HttpMethod.HEAD
        ? m.name() : "OTHER";
    return meters.computeIfAbsent(method + ' ' + template, k -> metrics.route(method, template));
  }

  /** One request's admission: counted in flight until it ends or falls through. */
  private static final class Admission {
    private final Lifecycle lifecycle;
    private final long start = System.nanoTime();
    private boolean closed;

    Admission(Lifecycle lifecycle) {
      this.lifecycle = lifecycle;
      lifecycle.begin();
    }

    void withdraw() {
      if (!closed) {
        closed = true;
        lifecycle.end();
      }
    }

    void ended(RoutingContext ctx, HttpMetrics metrics, Map<String, HttpMetrics.RouteMeter> meters) {
      if (closed) {
        return;
      }
      closed = true;
      lifecycle.end();
      meter(metrics, meters, ctx, template(ctx.currentRoute())).recordEnd(ctx.response(), start);
    }
  }

  /** The route's path as declared ({@code /assets/*}), or {@code mounted} for a regex route. */
  private static String template(Route route) {
    String path = route == null ? null : route.getPath();
    if (path == null) {
      return "mounted";
    }
    return path.endsWith("/") ? path + "*" : path;
  }
}
