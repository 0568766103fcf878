package dev.bulwark.web.impl;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The router's last resorts, as JSON: 404 for a path no route declares, 405 for a known path with
 * another method, and a failure handler for anything a route failed with (413 for a body over the
 * limit, a handler's {@code ctx.fail(...)}, ...). Stateless; thread-safe.
 */
final class ErrorRoutes {

  private ErrorRoutes() {
  }

  static void mountOn(Router router, Lifecycle lifecycle, HttpMetrics metrics, long maxBodySize) {
    HttpMetrics.RouteMeter unmatched = metrics.route("ANY", "unmatched");
    router.errorHandler(404, ctx -> {
      Probes.track(ctx, lifecycle, unmatched);
      Errors.send(ctx.response(), 404, "no route for " + ctx.request().method() + " " + Errors.clip(ctx.request().path()));
    });
    router.errorHandler(405, ctx -> {
      Probes.track(ctx, lifecycle, unmatched);
      Errors.send(ctx.response(), 405, "method " + ctx.request().method() + " is not allowed for "
          + Errors.clip(ctx.request().path()));
    });
    router.route().failureHandler(ctx -> failure(ctx, maxBodySize));
  }

  /** Answers a failed routing context as JSON: a route's failure, or its status (413, 400...). */
  static void failure(RoutingContext ctx, long maxBodySize) {
    if (ctx.failure() != null) {
      Errors.handle(ctx.request(), ctx.failure());
      return;
    }
    int status = ctx.statusCode();
    switch (status) {
      case 413:
        Errors.send(ctx.response(), 413, "request body exceeds the limit of " + maxBodySize + " bytes");
        break;
      case 400:
        Errors.send(ctx.response(), 400, "bad request");
        break;
      default:
        Errors.send(ctx.response(), status < 400 ? 500 : status,
            io.netty.handler.codec.http.HttpResponseStatus.valueOf(status < 400 ? 500 : status)
                .reasonPhrase().toLowerCase(java.util.Locale.ROOT));
    }
  }
}
