package dev.bulwark.web.impl;

import dev.bulwark.web.HttpException;
import io.vertx.ext.web.RoutingContext;

/**
 * Produces one handler argument from a request. Built once per parameter at start; called on the
 * event loop for every request. Implementations are immutable and thread-safe.
 */
@FunctionalInterface
interface ParamBinder {

  /**
   * @throws HttpException (400, 415) when the request does not supply a valid value
   */
  Object bind(RoutingContext ctx);
}
