package dev.bulwark.web.impl;

import dev.bulwark.cache.CacheManager;
import dev.bulwark.core.WorkerPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.Map;

/**
 * The plans of a {@link RoutePlanner}, frozen, for mounting on users' routers through the
 * vertx-web front ({@code BulwarkRoutes}). Immutable and thread-safe.
 */
public final class PlannedRoutes {

  private final List<RoutePlan> plans;

  PlannedRoutes(List<RoutePlan> plans) {
    this.plans = List.copyOf(plans);
  }

  /**
   * Plans {@code handlers} (see {@code BulwarkRoutes.of}): request timers in {@code registry}
   * (or none), {@code @Cached} responses in {@code caches} (or none), streams compressed.
   *
   * @throws IllegalArgumentException when a declaration is wrong (naming the method)
   */
  public static PlannedRoutes plan(Map<String, WorkerPool> pools, MeterRegistry registry,
      CacheManager caches, Object... handlers) {
    RoutePlanner planner = new RoutePlanner(Jackson.mapper(), Map.copyOf(pools),
        new HttpMetrics(registry), caches, true);
    for (Object h : handlers) {
      planner.plan(h);
    }
    return planner.planned();
  }

  /** Mounts every plan on {@code router}; {@code bodyLimit} bounds a body read first (bytes). */
  public void mountOn(Router router, long bodyLimit) {
    RouterFront.mount(router, plans, bodyLimit, null);
  }
}
