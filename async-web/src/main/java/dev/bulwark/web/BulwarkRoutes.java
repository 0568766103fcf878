package dev.bulwark.web;

import dev.bulwark.cache.CacheManager;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.web.impl.PlannedRoutes;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.ext.web.Router;
import java.util.Map;

/**
 * Annotated handlers for a vertx-web {@link Router} the user owns, with the same binding and
 * threading rule as {@link BulwarkServer}, for applications that keep their own server setup:
 * vertx-web finds the route, then every request goes through the same pipeline as the server's
 * (binding, cache, invocation, encoding, metrics), and a GET route answers HEAD too.
 * Errors are answered as JSON by the route itself. Routes are bound when this object is created;
 * {@link #mountOn} may be called for any number of routers (one per verticle instance).
 * Its request timers ({@code http.server.requests}) stay in the registry as long as the routes
 * may serve: the routers are the application's, and so is their end. Immutable and thread-safe.
 */
public final class BulwarkRoutes {

  private final PlannedRoutes routes;
  private final long maxBodySize;

  private BulwarkRoutes(PlannedRoutes routes, long maxBodySize) {
    this.routes = routes;
    this.maxBodySize = maxBodySize;
  }

  /**
   * Binds {@code handlers}.
   *
   * @param pools worker pools by name; blocking handlers without a pool name use {@code "default"}
   * @param registry where request metrics go, or {@code null} for none
   * @param maxBodySize largest body read for {@code @Body} parameters, in bytes
   * @throws IllegalArgumentException when a declaration is wrong (naming the method)
   */
  public static BulwarkRoutes of(Map<String, WorkerPool> pools, MeterRegistry registry,
      long maxBodySize, Object... handlers) {
    return of(pools, registry, maxBodySize, null, handlers);
  }

  /**
   * Binds {@code handlers}, keeping {@code @Cached} responses in {@code caches}.
   *
   * @param caches the cache manager for {@code @Cached} routes, or {@code null} (then a
   *     {@code @Cached} route is a declaration error)
   * @throws IllegalArgumentException when a declaration is wrong (naming the method)
   */
  public static BulwarkRoutes of(Map<String, WorkerPool> pools, MeterRegistry registry,
      long maxBodySize, CacheManager caches, Object... handlers) {
    if (maxBodySize < 1) {
      throw new IllegalArgumentException("maxBodySize must be >= 1 byte, but was " + maxBodySize);
    }
    return new BulwarkRoutes(PlannedRoutes.plan(pools, registry, caches, handlers), maxBodySize);
  }

  /** Adds every bound route to {@code router}. */
  public Router mountOn(Router router) {
    routes.mountOn(router, maxBodySize);
    return router;
  }
}
