package dev.bulwark.cache.impl;

import dev.bulwark.core.internal.TraceSpan;
import dev.bulwark.core.internal.Tracing;

/**
 * The span of a cache lookup, {@code cache get <cache>}: {@code bulwark.cache.hit} (served without
 * a load), {@code bulwark.cache.tier} (where the answer came from: {@code local}, {@code redis},
 * or {@code load} when a loader ran, here or in the instance that held the lease) and
 * {@code bulwark.cache.stale} when a stale value was served. A local hit is a span of no
 * duration; a miss spans the Redis read and the load. Nothing happens without the OpenTelemetry
 * API or without a current span. Stateless.
 */
final class CacheTracing {

  private static final Tracing TRACING = Tracing.get();

  private CacheTracing() {
  }

  /** Starts the span of a lookup that missed the local tier; null when untraced. */
  static TraceSpan miss(String cache) {
    // Untraced (no API, or no current span), a lookup builds no span name.
    TraceSpan span = TRACING == null || !TRACING.active() ? null
        : TRACING.start("cache get " + cache, false);
    if (span != null) {
      span.set("bulwark.cache.name", cache);
    }
    return span;
  }

  /** Records a lookup answered by the local tier, fresh or {@code stale}. */
  static void localHit(String cache, boolean stale) {
    TraceSpan span = miss(cache);
    if (span != null) {
      span.set("bulwark.cache.hit", true).set("bulwark.cache.tier", "local");
      if (stale) {
        span.set("bulwark.cache.stale", true);
      }
      span.end();
    }
  }

  /** Ends the span of a missed lookup answered by a load in this process, or its failure. */
  static void loaded(TraceSpan span, Throwable failure) {
    if (span == null) {
      return;
    }
    span.set("bulwark.cache.hit", false);
    if (failure != null) {
      span.fail(failure);
    } else {
      span.set("bulwark.cache.tier", "load");
    }
    span.end();
  }

  /** Ends the span of a missed lookup with where its answer came from, or its failure. */
  static void answered(TraceSpan span, Entry<?> entry, Throwable failure) {
    if (span == null) {
      return;
    }
    if (failure != null) {
      span.set("bulwark.cache.hit", false);
      span.fail(failure);
    } else if (entry == null) {
      span.set("bulwark.cache.hit", false);
    } else {
      span.set("bulwark.cache.hit", entry.fromRedis).set("bulwark.cache.tier", entry.fromRedis ? "redis" : "load");
    }
    span.end();
  }
}
