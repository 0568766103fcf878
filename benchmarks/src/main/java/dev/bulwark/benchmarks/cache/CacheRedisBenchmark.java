package dev.bulwark.benchmarks.cache;

import dev.bulwark.cache.CacheManager;
import dev.bulwark.cache.CacheOptions;
import dev.bulwark.cache.CacheTier;
import dev.bulwark.cache.Cached;
import dev.bulwark.cache.Caching;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.config.Config;

/**
 * What do the Redis tiers cost? Needs Redis at {@code redis://127.0.0.1:6379} (the {@code redis}
 * parameter); 1,000 warm keys, one call per operation, from one benchmark thread.
 *
 * <ul>
 *   <li>{@code localHit}: a hit through {@code Caching.decorate} on the local tier (the reference);
 *   <li>{@code twoLevelHit}: the same hit on the two-level tier, with a live Redis behind it (no
 *       Redis call on a hit);
 *   <li>{@code sharedRead}: the shared tier (no local copy), so every call is a local miss served
 *       from Redis: one GET, the entry header checked and the JSON value decoded;
 *   <li>{@code redisson}: a raw, synchronous Redisson {@code RBucket.get} of the same key and bytes
 *       (no decoding) with Redisson's default settings but for the byte-array codec.
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar CacheRedis -f 1 -wi 3 -i 5 -prof gc}.
 * Lower ns/op is better.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CacheRedisBenchmark {

  /** The service on the manager's default tier: local, or two-level when Redis is configured. */
  public interface Catalog {
    @Cached(ttl = "10m", cache = "bench-catalog")
    String name(long id);
  }

  /** The service on the shared tier only. */
  public interface SharedCatalog {
    @Cached(ttl = "10m", cache = "bench-shared", tier = CacheTier.SHARED)
    String name(long id);
  }

  static final int KEYS = 1000;

  @Param({"localHit", "twoLevelHit", "sharedRead", "redisson"})
  public String impl;

  @Param("redis://127.0.0.1:6379")
  public String redis;

  private Vertx vertx;
  private CacheManager local;
  private CacheManager shared;
  private Catalog localCatalog;
  private Catalog twoLevelCatalog;
  private SharedCatalog sharedCatalog;
  private RedissonClient redisson;
  private String[] redisKeys;
  private long next;

  @Setup(Level.Trial)
  public void setUp() {
    vertx = Vertx.vertx();
    local = CacheManager.create(vertx, CacheOptions.builder().meterRegistry(new SimpleMeterRegistry()).build());
    shared = CacheManager.create(vertx, CacheOptions.builder().meterRegistry(new SimpleMeterRegistry())
        .redisUrl(redis).build());
    localCatalog = Caching.decorate(Catalog.class, id -> "Product " + id, local);
    twoLevelCatalog = Caching.decorate(Catalog.class, id -> "Product " + id, shared);
    sharedCatalog = Caching.decorate(SharedCatalog.class, id -> "Product " + id, shared);
    Config config = new Config();
    config.setCodec(ByteArrayCodec.INSTANCE); // Redisson's default codec (Kryo) is not on the class path
    config.useSingleServer().setAddress(redis);
    redisson = Redisson.create(config);
    redisKeys = new String[KEYS];
    for (long id = 0; id < KEYS; id++) {
      localCatalog.name(id);
      twoLevelCatalog.name(id);
      sharedCatalog.name(id);
      // The key the shared tier wrote: bulwark:{cache}:{encoded arguments}.
      redisKeys[(int) id] = "bulwark:bench-shared:" + dev.bulwark.cache.Keys.of(id);
    }
    if (redisson.getBucket(redisKeys[7], ByteArrayCodec.INSTANCE).get() == null) {
      throw new IllegalStateException("the shared tier did not write " + redisKeys[7] + " to " + redis);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    redisson.getKeys().deleteByPattern("bulwark:bench-*");
    redisson.shutdown();
    shared.close().await();
    local.close().await();
    vertx.close().await();
  }

  @Benchmark
  public Object read() {
    long id = next++ % KEYS;
    switch (impl) {
      case "localHit":
        return localCatalog.name(id);
      case "twoLevelHit":
        return twoLevelCatalog.name(id);
      case "sharedRead":
        return sharedCatalog.name(id);
      default:
        return redisson.getBucket(redisKeys[(int) id], ByteArrayCodec.INSTANCE).get();
    }
  }
}
