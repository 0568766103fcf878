package dev.bulwark.web.impl;

import io.vertx.ext.web.Router;
import java.util.List;

/**
 * The plans of a {@link RoutePlanner}, frozen, for mounting on users' routers through the
 * vertx-web front ({@code BulwarkRoutes}). Immutable and thread-safe.
 */
public final class PlannedRoutes {

  private final List<RoutePlan> plans;

  PlannedRoutes(List<RoutePlan> plans) {
    this.plans = List.copyOf(plans);
  }

  /** Mounts every plan on {@code router}; {@code bodyLimit} bounds a body read first (bytes). */
  public void mountOn(Router router, long bodyLimit) {
    RouterFront.mount(router, plans, bodyLimit, null);
  }
}
