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

  private Servers() {
  }

  static void assumePostgres() {
    LocalServers.assumePostgres();
  }

  static void assumeRedis() {
    LocalServers.assumeRedis();
  }
}
