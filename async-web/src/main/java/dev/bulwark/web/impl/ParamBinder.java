package dev.bulwark.web.impl;

import dev.bulwark.web.HttpException;

/**
 * Produces one handler argument from an {@link Exchange}. Built once per parameter at start;
 * called for every request on the event loop (a JSON body of a worker route: on the worker).
 * Implementations are immutable and thread-safe.
 */
@FunctionalInterface
interface ParamBinder {

  /**
   * @throws HttpException (400, 415) when the request does not supply a valid value
   */
  Object bind(Exchange exchange);
}
