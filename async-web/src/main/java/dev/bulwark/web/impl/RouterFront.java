package dev.bulwark.web.impl;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RequestBody;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The vertx-web front: mounts route plans on a {@link Router} (a user's own, through
 * {@code BulwarkRoutes}, or the server's fallback router for what the {@link RouteTable} does not
 * serve) and hands each matched request to the {@link Pipeline} as an {@link Exchange}. A GET
 * route is mounted for HEAD too. Routes are mounted with fewer template parameters first
 * (stable), so a literal path wins over a template that also matches it, as in the route table.
 * Stateless; the handlers it mounts are immutable and run on the router's event loop.
 */
final class RouterFront {

  private RouterFront() {
  }

  /**
   * Mounts {@code plans} on {@code router}; {@code bodyLimit} bounds a body read first (bytes);
   * {@code lifecycle} is the server's, or {@code null} on a user's router.
   */
  static void mount(Router router, List<RoutePlan> plans, long bodyLimit, Lifecycle lifecycle) {
    List<RoutePlan> ordered = new ArrayList<>(plans);
    ordered.sort(Comparator.comparingInt(p -> p.pathNames().length));
    for (RoutePlan plan : ordered) {
      Route route = router.route(plan.method(), plan.vertxPath());
      if (plan.method() == HttpMethod.GET) {
        route.method(HttpMethod.HEAD);
      }
      mount(route, plan, bodyLimit, lifecycle);
    }
  }

  private static void mount(Route route, RoutePlan plan, long bodyLimit, Lifecycle lifecycle) {
    if (plan.readsBody()) {
      route.handler(BodyHandler.create(false).setBodyLimit(bodyLimit));
      if (lifecycle == null) {
        // A user's router has no failure handler of ours: the body handler's 413 (or a broken
        // body's 400) is answered as JSON by the route itself, as the server's router does.
        route.failureHandler(ctx -> ErrorRoutes.failure(ctx, bodyLimit));
      }
    }
    String[] names = plan.pathNames();
    route.handler(ctx -> {
      String[] values = new String[names.length];
      for (int i = 0; i < names.length; i++) {
        values[i] = ctx.pathParam(names[i]);
      }
      Exchange ex = new Exchange(plan, ctx.request(), values, ctx, lifecycle);
      if (plan.readsBody()) {
        ex.body(body(ctx));
      }
      Pipeline.serve(ex);
    });
  }

  private static Buffer body(RoutingContext ctx) {
    RequestBody body = ctx.body();
    return body == null ? null : body.buffer();
  }
}
