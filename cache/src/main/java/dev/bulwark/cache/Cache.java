package dev.bulwark.cache;

import io.vertx.core.Future;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * A named cache of values of one type, obtained from {@link CacheManager#cache}. Concurrent misses
 * for one key run the loader once per process, and once per cluster on the shared tiers. A failed
 * load is never cached. A load that yields null is cached as "no value" for the TTL, like a value:
 * {@link #get} answers null without loading until it expires, and on the Redis tiers it is
 * written once (a marker), not deleted and announced on every call; {@link #getIfPresent} and
 * {@link #find} answer null for it, as for a miss. Redis trouble never fails a call: it falls back
 * to the local tier or the loader.
 *
 * <p>Thread-safe. Futures complete on the caller's Vert.x context (an event-loop context is
 * created for callers outside Vert.x).
 *
 * @param <V> the value type
 */
public interface Cache<V> {

  /** The cache's name. */
  String name();

  /** The policy the cache was created with. */
  CachePolicy policy();

  /** The tier the cache actually uses (the policy's, or the manager's default). */
  CacheTier tier();

  /**
   * Returns the cached value for {@code key}, loading it with {@code loader} on a miss.
   *
   * @param loader called at most once per miss and process, on the caller's context; its failure
   *     fails the returned future (or serves a stale value within {@code staleIfError})
   */
  Future<V> get(String key, Supplier<Future<V>> loader);

  /**
   * Blocking form of {@link #get} for plain methods called on worker threads: the loader runs on
   * the calling thread when this call leads the load.
   *
   * @throws IllegalStateException if called on an event-loop thread
   * @throws Exception the loader's failure
   */
  V getBlocking(String key, Callable<V> loader) throws Exception;

  /**
   * The fresh value in the local tier, or null: no Redis call, no allocation on a hit. Always null
   * on the {@link CacheTier#SHARED} tier.
   */
  V getIfPresent(String key);

  /**
   * The fresh value for {@code key} without loading it: from the local tier, else (on the
   * {@link CacheTier#SHARED} and {@link CacheTier#TWO_LEVEL} tiers) from Redis, keeping what it
   * finds in the local tier. Unlike {@link #get} it never runs a loader nor waits on another
   * load; unlike {@link #getIfPresent} it reaches Redis. Counts a hit or a miss.
   *
   * @return a future of the value, or of null when there is no fresh one (also when Redis cannot
   *     be reached); it never fails
   */
  Future<V> find(String key);

  /**
   * Stores a value, fresh for the policy's TTL, and invalidates other instances' local copies. A
   * null {@code value} is the same as {@link #invalidate}.
   */
  Future<Void> put(String key, V value);

  /** Removes a key from every tier and every instance's local tier. */
  Future<Void> invalidate(String key);

  /** Removes every key of this cache from every tier and every instance's local tier. */
  Future<Void> invalidateAll();

  /**
   * Milliseconds until the entry for {@code key} that this instance last loaded, read or kept is
   * no longer fresh (for {@code Cache-Control: max-age}): 0 when it is stale, -1 when this
   * instance knows of none. On the {@link CacheTier#SHARED} tier it remembers only the time,
   * not the value.
   */
  long remainingTtlMillis(String key);

  /**
   * The wrapped library object: {@code com.github.benmanes.caffeine.cache.Cache.class} for the
   * local tier.
   *
   * @throws IllegalArgumentException for other types, or for the local tier of a SHARED cache
   */
  <T> T unwrap(Class<T> type);
}
