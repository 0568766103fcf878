package dev.bulwark.cache;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a cache keeps values and what it does with old ones. A value is fresh for {@code ttl}
 * (the soft TTL). For {@code staleWhileRevalidate} after that it is still served while one
 * refresh runs in the background (one per cluster with Redis); for {@code staleIfError} after
 * the soft TTL it is served when the loader fails. The entry is gone (hard TTL) after
 * {@code ttl + max(staleWhileRevalidate, staleIfError)}.
 *
 * <p>Immutable and thread-safe: the {@code with*} methods return new policies.
 */
public final class CachePolicy {

  /** Default {@code staleWhileRevalidate}: zero, stale values are not served while refreshing. */
  public static final Duration DEFAULT_STALE_WHILE_REVALIDATE = Duration.ZERO;

  /** Default {@code staleIfError}: zero, a failing loader fails the call. */
  public static final Duration DEFAULT_STALE_IF_ERROR = Duration.ZERO;

  private final Duration ttl;
  private final Duration staleWhileRevalidate;
  private final Duration staleIfError;
  private final CacheTier tier;

  private CachePolicy(Duration ttl, Duration swr, Duration sie, CacheTier tier) {
    this.ttl = ttl;
    this.staleWhileRevalidate = swr;
    this.staleIfError = sie;
    this.tier = tier;
  }

  /**
   * A policy whose values are fresh for {@code ttl}, on the manager's default tier.
   *
   * @throws IllegalArgumentException if {@code ttl} is null, zero or negative, or not a whole
   *     number of milliseconds (the shared tier's unit, which would otherwise round it)
   */
  public static CachePolicy ttl(Duration ttl) {
    if (ttl == null || ttl.isZero() || ttl.isNegative()) {
      throw new IllegalArgumentException("ttl must be > 0, but was " + ttl);
    }
    if (ttl.toMillis() < 1 || ttl.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException("ttl must be a whole number of milliseconds >= 1ms, but was " + ttl);
    }
    return new CachePolicy(ttl, DEFAULT_STALE_WHILE_REVALIDATE, DEFAULT_STALE_IF_ERROR, null);
  }

  /**
   * Serve the stale value for up to {@code window} after the soft TTL while one refresh runs.
   *
   * @throws IllegalArgumentException if {@code window} is null, negative or not a whole number
   *     of milliseconds
   */
  public CachePolicy withStaleWhileRevalidate(Duration window) {
    return new CachePolicy(ttl, nonNegative("staleWhileRevalidate", window), staleIfError, tier);
  }

  /**
   * Serve the stale value for up to {@code window} after the soft TTL when the loader fails.
   *
   * @throws IllegalArgumentException if {@code window} is null, negative or not a whole number
   *     of milliseconds
   */
  public CachePolicy withStaleIfError(Duration window) {
    return new CachePolicy(ttl, staleWhileRevalidate, nonNegative("staleIfError", window), tier);
  }

  /** Keep entries on this tier (default: TWO_LEVEL when the manager has Redis, else LOCAL). */
  public CachePolicy withTier(CacheTier tier) {
    return new CachePolicy(ttl, staleWhileRevalidate, staleIfError, Objects.requireNonNull(tier, "tier"));
  }

  /** The soft TTL: how long a value is fresh. */
  public Duration ttl() {
    return ttl;
  }

  /** How long after the soft TTL a stale value is served while refreshing. */
  public Duration staleWhileRevalidate() {
    return staleWhileRevalidate;
  }

  /** How long after the soft TTL a stale value is served when the loader fails. */
  public Duration staleIfError() {
    return staleIfError;
  }

  /** The tier asked for, or null for the manager's default. */
  public CacheTier tier() {
    return tier;
  }

  /** The hard TTL: {@code ttl + max(staleWhileRevalidate, staleIfError)}. */
  public Duration hardTtl() {
    return ttl.plus(staleWhileRevalidate.compareTo(staleIfError) >= 0 ? staleWhileRevalidate : staleIfError);
  }

  private static Duration nonNegative(String option, Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException(option + " must be >= 0, but was " + d);
    }
    if (d.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException(option + " must be 0 or a whole number of milliseconds, but was " + d);
    }
    return d;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CachePolicy)) {
      return false;
    }
    CachePolicy p = (CachePolicy) o;
    return ttl.equals(p.ttl) && staleWhileRevalidate.equals(p.staleWhileRevalidate)
        && staleIfError.equals(p.staleIfError) && tier == p.tier;
  }

  @Override
  public int hashCode() {
    return Objects.hash(ttl, staleWhileRevalidate, staleIfError, tier);
  }

  @Override
  public String toString() {
    return "CachePolicy{ttl=" + ttl + ", staleWhileRevalidate=" + staleWhileRevalidate
        + ", staleIfError=" + staleIfError + ", tier=" + (tier == null ? "default" : tier) + "}";
  }
}
