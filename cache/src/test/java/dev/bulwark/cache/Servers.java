package dev.bulwark.cache;

import dev.bulwark.core.testing.LocalServers;

/**
 * The real servers the tests run against. Redis is expected on its standard local port; a test
 * that needs it calls {@link #assumeRedis()}, which skips the test when the server is not there,
 * or fails it when {@code -Dbulwark.requireServers=true} (as CI sets). Core's
 * {@link dev.bulwark.core.testing.PrivateRedis} starts a throwaway {@code redis-server} the test
 * may pause, resume, kill and restart.
 */
final class Servers {

  static final String REDIS_HOST = "127.0.0.1";
  static final int REDIS_PORT = 6379;
  static final String REDIS_URL = "redis://127.0.0.1:6379";

  private Servers() {
  }

  /** Skips (or, with {@code bulwark.requireServers=true}, fails) the test unless Redis answers. */
  static void assumeRedis() {
    LocalServers.assumeRedis();
  }

  /** Null when a Redis on {@code port} answers PING; else why not. */
  static String redisProblem(int port) {
    return LocalServers.redisProblem(port);
  }
}
