package dev.bulwark.cache;

import dev.bulwark.cache.impl.DefaultCacheManager;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Creates and owns named caches, the Redis client they share, the breaker that guards it and the
 * pub/sub subscription that keeps two-level caches coherent.
 *
 * <p>Thread-safe.
 */
public interface CacheManager {

  /**
   * Creates a manager; returns at once and never blocks the calling thread, which may be an event
   * loop. With a Redis URL the client is created and connected in the background, on a worker
   * thread, and retried there while Redis does not answer: until it is connected the caches work
   * on their local tier (or load every time on the shared one) and {@link #health()} says
   * DEGRADED; a Redis that is down at startup only opens the breaker.
   */
  static CacheManager create(Vertx vertx, CacheOptions options) {
    return new DefaultCacheManager(vertx, options);
  }

  /**
   * Returns the cache named {@code name}, creating it on first use.
   *
   * @param name 1-64 letters, digits, {@code - _ .}; Redis keys are {@code bulwark:name:key}
   * @throws IllegalArgumentException if the name is invalid
   * @throws IllegalStateException if a cache of that name exists with another policy, or the
   *     policy asks for a Redis tier and no Redis is configured
   */
  <V> Cache<V> cache(String name, CachePolicy policy, Codec<V> codec);

  /** The existing cache named {@code name}, or null. */
  Cache<?> find(String name);

  /** The manager's options. */
  CacheOptions options();

  /** UP, or DEGRADED while the breaker keeps Redis out. */
  CacheHealth health();

  /** Closes the Redis client and stops the breaker's probes; the caches then stop working. */
  Future<Void> close();
}
