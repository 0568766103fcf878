package dev.bulwark.cache.impl;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * The meters of one cache, created once so that the hit path only increments. All are tagged
 * {@code cache=<name>}: {@code bulwark.cache.gets} (result=hit|miss), {@code bulwark.cache.loads}
 * (result=success|failure), {@code bulwark.cache.load.time}, {@code bulwark.cache.evictions},
 * {@code bulwark.cache.stale.serves}, {@code bulwark.cache.redis.errors},
 * {@code bulwark.cache.decode.errors}. Thread-safe.
 */
final class CacheMetrics {
  final Counter hits;
  final Counter misses;
  final Counter loadSuccesses;
  final Counter loadFailures;
  final Timer loadTime;
  final Counter evictions;
  final Counter staleServes;
  final Counter redisErrors;
  final Counter decodeErrors;

  CacheMetrics(MeterRegistry registry, String cache) {
    Tags tags = Tags.of("cache", cache);
    hits = registry.counter("bulwark.cache.gets", tags.and("result", "hit"));
    misses = registry.counter("bulwark.cache.gets", tags.and("result", "miss"));
    loadSuccesses = registry.counter("bulwark.cache.loads", tags.and("result", "success"));
    loadFailures = registry.counter("bulwark.cache.loads", tags.and("result", "failure"));
    loadTime = Timer.builder("bulwark.cache.load.time").tags(tags).register(registry);
    evictions = registry.counter("bulwark.cache.evictions", tags);
    staleServes = registry.counter("bulwark.cache.stale.serves", tags);
    redisErrors = registry.counter("bulwark.cache.redis.errors", tags);
    decodeErrors = registry.counter("bulwark.cache.decode.errors", tags);
  }
}
