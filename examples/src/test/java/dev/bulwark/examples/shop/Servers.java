package dev.bulwark.examples.shop;

import dev.bulwark.core.testing.LocalServers;

/**
 * Local servers for the shop's tests, through core's {@link LocalServers}: without them a test is
 * skipped with a clear message, unless {@code bulwark.requireServers} is {@code true} (CI).
 */
final class Servers {

  static final String POSTGRES_URL = LocalServers.POSTGRES_URL;
  static final String REDIS_HOST = LocalServers.REDIS_HOST;
  static final int REDIS_PORT = LocalServers.REDIS_PORT;
  static final String REDIS_URL = LocalServers.REDIS_URL;

  /**
   * The shop cache's Redis deadline in tests that count computations or read the breaker: on a
   * loaded machine one Redis call over the default 50 ms is a second computation, and five in a
   * row open the breaker.
   */
  static final java.time.Duration REDIS_TIMEOUT = java.time.Duration.ofSeconds(2);

  private Servers() {
  }

  static void assumePostgres() {
    LocalServers.assumePostgres();
  }

  static void assumeRedis() {
    LocalServers.assumeRedis();
  }
}
