package dev.bulwark.cache.impl;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one cache, created once so that the hit path only increments. All are tagged
 * {@code cache=<name>}: {@code bulwark.cache.gets} (result=hit|miss), {@code bulwark.cache.loads}
 * (result=success|failure), {@code bulwark.cache.load.time}, {@code bulwark.cache.evictions},
 * {@code bulwark.cache.stale.serves}, {@code bulwark.cache.redis.errors},
 * {@code bulwark.cache.decode.errors} (values in Redis not used: foreign, tampered, over
 * {@code maxValueBytes}), {@code bulwark.cache.oversize.skips} (values over it kept local, not
 * written). Thread-safe.
 *
 * <p>Hits and misses are plain {@link LongAdder}s read by function counters: the hit path pays one
 * uncontended add, not Micrometer's double arithmetic.
 */
final class CacheMetrics {
  final LongAdder hits = new LongAdder();
  final LongAdder misses = new LongAdder();
  final Counter loadSuccesses;
  final Counter loadFailures;
  final Timer loadTime;
  final Counter evictions;
  final Counter staleServes;
  final Counter redisErrors;
  final Counter decodeErrors;
  final Counter oversizeSkips;

  CacheMetrics(MeterRegistry registry, String cache) {
    Tags tags = Tags.of("cache", cache);
    FunctionCounter.builder("bulwark.cache.gets", hits, LongAdder::sum).tags(tags.and("result", "hit"))
        .register(registry);
    FunctionCounter.builder("bulwark.cache.gets", misses, LongAdder::sum).tags(tags.and("result", "miss"))
        .register(registry);
    loadSuccesses = registry.counter("bulwark.cache.loads", tags.and("result", "success"));
    loadFailures = registry.counter("bulwark.cache.loads", tags.and("result", "failure"));
    loadTime = Timer.builder("bulwark.cache.load.time").tags(tags).register(registry);
    evictions = registry.counter("bulwark.cache.evictions", tags);
    staleServes = registry.counter("bulwark.cache.stale.serves", tags);
    redisErrors = registry.counter("bulwark.cache.redis.errors", tags);
    decodeErrors = registry.counter("bulwark.cache.decode.errors", tags);
    oversizeSkips = registry.counter("bulwark.cache.oversize.skips", tags);
  }
}
