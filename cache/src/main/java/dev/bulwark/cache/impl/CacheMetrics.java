package dev.bulwark.cache.impl;

import dev.bulwark.core.internal.OwnedMeters;
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
 * written). They go into the manager's {@link OwnedMeters}, so closing the manager removes them.
 * Thread-safe.
 *
 * <p>Hits and misses are counted outside Micrometer and read by function counters, so the hit path
 * pays no double arithmetic: hits in a {@link HitCount} (a release store to the counting thread's own
 * cell, no locked instruction), misses in a {@link LongAdder}.
 */
final class CacheMetrics {
  final HitCount hits = new HitCount();
  final LongAdder misses = new LongAdder();
  final Counter loadSuccesses;
  final Counter loadFailures;
  final Timer loadTime;
  final Counter evictions;
  final Counter staleServes;
  final Counter redisErrors;
  final Counter decodeErrors;
  final Counter oversizeSkips;

  CacheMetrics(OwnedMeters meters, String cache) {
    MeterRegistry registry = meters.registry();
    Tags tags = Tags.of("cache", cache);
    meters.add(FunctionCounter.builder("bulwark.cache.gets", hits, HitCount::sum)
        .tags(tags.and("result", "hit")).register(registry));
    meters.add(FunctionCounter.builder("bulwark.cache.gets", misses, LongAdder::sum)
        .tags(tags.and("result", "miss")).register(registry));
    loadSuccesses = meters.add(registry.counter("bulwark.cache.loads", tags.and("result", "success")));
    loadFailures = meters.add(registry.counter("bulwark.cache.loads", tags.and("result", "failure")));
    loadTime = meters.add(Timer.builder("bulwark.cache.load.time").tags(tags).register(registry));
    evictions = meters.add(registry.counter("bulwark.cache.evictions", tags));
    staleServes = meters.add(registry.counter("bulwark.cache.stale.serves", tags));
    redisErrors = meters.add(registry.counter("bulwark.cache.redis.errors", tags));
    decodeErrors = meters.add(registry.counter("bulwark.cache.decode.errors", tags));
    oversizeSkips = meters.add(registry.counter("bulwark.cache.oversize.skips", tags));
  }
}
