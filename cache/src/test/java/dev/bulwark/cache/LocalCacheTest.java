package dev.bulwark.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LocalCacheTest {

  private Vertx vertx;
  private FakeTicker ticker;
  private SimpleMeterRegistry registry;
  private CacheManager manager;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    ticker = new FakeTicker();
    registry = new SimpleMeterRegistry();
    manager = CacheManager.create(vertx, CacheOptions.builder().ticker(ticker).meterRegistry(registry).build());
  }

  @AfterEach
  void tearDown() throws Exception {
    manager.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void get_concurrentMissesRunTheLoaderOnce() throws Exception {
    Cache<String> cache = manager.cache("sf", CachePolicy.ttl(Duration.ofMinutes(1)), Codecs.json(
        new com.fasterxml.jackson.databind.ObjectMapper(), String.class));
    AtomicInteger loads = new AtomicInteger();
    Promise<String> gate = Promise.promise();
    List<Future<String>> results = new ArrayList<>();
    CountDownLatch started = new CountDownLatch(100);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Thread t = new Thread(() -> {
        Future<String> f = cache.get("k", () -> {
          loads.incrementAndGet();
          return gate.future();
        });
        synchronized (results) {
          results.add(f);
        }
        started.countDown();
      });
      threads.add(t);
      t.start();
    }
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    gate.complete("v");
    for (Future<String> f : results) {
      assertThat(await(f)).isEqualTo("v");
    }
    assertThat(loads).hasValue(1);
    assertThat(cache.getIfPresent("k")).isEqualTo("v");
  }

  @Test
  void get_expiresAfterTtl_andReportsRemainingTtl() throws Exception {
    Cache<String> cache = manager.cache("ttl", CachePolicy.ttl(Duration.ofSeconds(10)), strings());
    AtomicInteger loads = new AtomicInteger();
    assertThat(await(cache.get("k", () -> Future.succeededFuture("v" + loads.incrementAndGet())))).isEqualTo("v1");
    assertThat(cache.remainingTtlMillis("k")).isEqualTo(10_000);
    ticker.advance(Duration.ofSeconds(4));
    assertThat(cache.remainingTtlMillis("k")).isEqualTo(6_000);
    assertThat(await(cache.get("k", () -> Future.succeededFuture("v" + loads.incrementAndGet())))).isEqualTo("v1");
    ticker.advance(Duration.ofSeconds(7));
    assertThat(cache.getIfPresent("k")).isNull();
    assertThat(cache.remainingTtlMillis("k")).isEqualTo(-1);
    assertThat(await(cache.get("k", () -> Future.succeededFuture("v" + loads.incrementAndGet())))).isEqualTo("v2");
  }

  @Test
  void get_cachesANullResultAsNoValue_untilTheTtlEnds() throws Exception {
    Cache<String> cache = manager.cache("nulls", CachePolicy.ttl(Duration.ofSeconds(10)), strings());
    AtomicInteger loads = new AtomicInteger();

    for (int i = 0; i < 3; i++) {
      assertThat(await(cache.get("k", () -> {
        loads.incrementAndGet();
        return Future.succeededFuture(null);
      }))).isNull();
      assertThat(cache.getBlocking("k", () -> "loaded")).isNull();
    }
    assertThat(loads).hasValue(1);
    assertThat(cache.getIfPresent("k")).isNull();
    assertThat(await(cache.find("k"))).isNull();
    assertThat(cache.remainingTtlMillis("k")).isEqualTo(10_000);

    ticker.advance(Duration.ofSeconds(11));
    assertThat(await(cache.get("k", () -> Future.succeededFuture("now there")))).isEqualTo("now there");
  }

  @Test
  void find_returnsTheFreshValue_neverLoads_andCountsHitsAndMisses() throws Exception {
    Cache<String> cache = manager.cache("find", CachePolicy.ttl(Duration.ofSeconds(10))
        .withStaleWhileRevalidate(Duration.ofSeconds(30)), strings());
    await(cache.put("k", "v"));

    assertThat(await(cache.find("k"))).isEqualTo("v");
    assertThat(await(cache.find("absent"))).isNull();
    ticker.advance(Duration.ofSeconds(11));
    // Stale (within staleWhileRevalidate) is not fresh: find neither serves it nor refreshes it.
    assertThat(await(cache.find("k"))).isNull();
    assertThat(registry.get("bulwark.cache.gets").tags("cache", "find", "result", "hit").functionCounter()
        .count()).isEqualTo(1);
    assertThat(registry.get("bulwark.cache.gets").tags("cache", "find", "result", "miss").functionCounter()
        .count()).isEqualTo(2);
    assertThat(registry.find("bulwark.cache.loads").tags("cache", "find").counters())
        .allSatisfy(c -> assertThat(c.count()).isZero());
  }

  @Test
  void staleWhileRevalidate_servesStaleAndRefreshesOnce() throws Exception {
    Cache<String> cache = manager.cache("swr", CachePolicy.ttl(Duration.ofSeconds(10))
        .withStaleWhileRevalidate(Duration.ofSeconds(30)), strings());
    await(cache.put("k", "old"));
    ticker.advance(Duration.ofSeconds(15));
    AtomicInteger loads = new AtomicInteger();
    Promise<String> refresh = Promise.promise();
    for (int i = 0; i < 20; i++) {
      assertThat(await(cache.get("k", () -> {
        loads.incrementAndGet();
        return refresh.future();
      }))).isEqualTo("old");
    }
    assertThat(loads).hasValue(1);
    refresh.complete("new");
    assertThat(await(cache.get("k", () -> Future.failedFuture("unused")))).isEqualTo("new");
    assertThat(registry.get("bulwark.cache.stale.serves").tag("cache", "swr").counter().count()).isEqualTo(20);
    ticker.advance(Duration.ofSeconds(45));
    assertThat(await(cache.get("k", () -> Future.succeededFuture("fresh")))).isEqualTo("fresh");
  }

  @Test
  void staleIfError_servesStaleWhenTheLoaderFails_andFailuresAreNotCached() throws Exception {
    Cache<String> cache = manager.cache("sie", CachePolicy.ttl(Duration.ofSeconds(10))
        .withStaleIfError(Duration.ofMinutes(1)), strings());
    await(cache.put("k", "old"));
    ticker.advance(Duration.ofSeconds(20));
    assertThat(await(cache.get("k", () -> Future.failedFuture("db down")))).isEqualTo("old");
    assertThat(await(cache.get("k", () -> Future.succeededFuture("new")))).isEqualTo("new");
    ticker.advance(Duration.ofSeconds(80));
    assertThatThrownBy(() -> await(cache.get("k", () -> Future.failedFuture("db down"))))
        .hasRootCauseMessage("db down");
    assertThatThrownBy(() -> await(cache.get("other", () -> Future.failedFuture("db down"))))
        .hasRootCauseMessage("db down");
    assertThat(await(cache.get("other", () -> Future.succeededFuture("ok")))).isEqualTo("ok");
  }

  @Test
  void get_completesOnTheCallersContext() throws Exception {
    Cache<String> cache = manager.cache("ctx", CachePolicy.ttl(Duration.ofSeconds(10)), strings());
    io.vertx.core.Context ctx = vertx.getOrCreateContext();
    Promise<Boolean> same = Promise.promise();
    ctx.runOnContext(v -> cache.get("k", () -> vertx.executeBlocking(() -> "v"))
        .onComplete(ar -> same.complete(vertx.getOrCreateContext() == ctx)));
    assertThat(await(same.future())).isTrue();
  }

  @Test
  void getBlocking_runsTheLoaderOnTheCallingThread() throws Exception {
    Cache<String> cache = manager.cache("blocking", CachePolicy.ttl(Duration.ofSeconds(10)), strings());
    Thread me = Thread.currentThread();
    assertThat(cache.getBlocking("k", () -> Thread.currentThread() == me ? "same" : "other")).isEqualTo("same");
    assertThat(cache.getBlocking("k", () -> "again")).isEqualTo("same");
    assertThatThrownBy(() -> cache.getBlocking("x", () -> {
      throw new java.io.IOException("boom");
    })).isInstanceOf(java.io.IOException.class).hasMessage("boom");
  }

  @Test
  void invalidate_andInvalidateAll() throws Exception {
    Cache<String> cache = manager.cache("inv", CachePolicy.ttl(Duration.ofSeconds(10)), strings());
    await(cache.put("a", "1"));
    await(cache.put("b", "2"));
    await(cache.invalidate("a"));
    assertThat(cache.getIfPresent("a")).isNull();
    assertThat(cache.getIfPresent("b")).isEqualTo("2");
    await(cache.invalidateAll());
    assertThat(cache.getIfPresent("b")).isNull();
  }

  @Test
  void metrics_arePublishedPerCache() throws Exception {
    Cache<String> cache = manager.cache("m", CachePolicy.ttl(Duration.ofSeconds(10)), strings());
    await(cache.get("k", () -> Future.succeededFuture("v")));
    await(cache.get("k", () -> Future.succeededFuture("v")));
    assertThat(registry.get("bulwark.cache.gets").tags("cache", "m", "result", "hit").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("bulwark.cache.gets").tags("cache", "m", "result", "miss").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("bulwark.cache.loads").tags("cache", "m", "result", "success").counter().count()).isEqualTo(1);
    assertThat(registry.get("bulwark.cache.load.time").tag("cache", "m").timer().count()).isEqualTo(1);
    assertThat(registry.find("bulwark.cache.evictions").tag("cache", "m").counter()).isNotNull();
    assertThat(registry.find("bulwark.cache.redis.errors").tag("cache", "m").counter()).isNotNull();
    assertThat(registry.find("bulwark.cache.decode.errors").tag("cache", "m").counter()).isNotNull();
    assertThat(manager.health().status()).isEqualTo(CacheHealth.Status.UP);
    assertThat(manager.health().breakerState()).isEqualTo(BreakerState.DISABLED);
  }

  @Test
  void options_validateInTheSetter() {
    assertThatThrownBy(() -> CachePolicy.ttl(Duration.ZERO)).hasMessage("ttl must be > 0, but was PT0S");
    assertThatThrownBy(() -> CacheOptions.builder().redisTimeout(Duration.ofMillis(-1)))
        .hasMessage("redisTimeout must be > 0, but was PT-0.001S");
    assertThatThrownBy(() -> CacheOptions.builder().localMaximumSize(0))
        .hasMessage("localMaximumSize must be >= 1, but was 0");
    assertThatThrownBy(() -> manager.cache("x y", CachePolicy.ttl(Duration.ofSeconds(1)), strings()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> manager.cache("shared", CachePolicy.ttl(Duration.ofSeconds(1))
        .withTier(CacheTier.SHARED), strings())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs Redis");
  }

  /** Redis takes milliseconds (PX, epoch millis): a finer value would be silently rounded there. */
  @Test
  void millisecondOptions_refuseSubMillisecondValues_insteadOfRoundingThem() {
    Duration halfMs = Duration.ofNanos(500_000);
    Duration oneAndAHalfMs = Duration.ofNanos(1_500_000);
    assertThatThrownBy(() -> CacheOptions.builder().redisTimeout(halfMs))
        .hasMessage("redisTimeout must be a whole number of milliseconds >= 1ms, but was PT0.0005S");
    assertThatThrownBy(() -> CacheOptions.builder().redisTimeout(oneAndAHalfMs))
        .hasMessage("redisTimeout must be a whole number of milliseconds >= 1ms, but was PT0.0015S");
    assertThatThrownBy(() -> CacheOptions.builder().leaseTime(Duration.ofNanos(10_000_000_001L)))
        .hasMessage("leaseTime must be a whole number of milliseconds >= 1ms, but was PT10.000000001S");
    assertThatThrownBy(() -> CachePolicy.ttl(oneAndAHalfMs))
        .hasMessage("ttl must be a whole number of milliseconds >= 1ms, but was PT0.0015S");
    assertThatThrownBy(() -> CachePolicy.ttl(Duration.ofSeconds(1)).withStaleWhileRevalidate(halfMs))
        .hasMessage("staleWhileRevalidate must be 0 or a whole number of milliseconds, but was PT0.0005S");
    assertThatThrownBy(() -> CachePolicy.ttl(Duration.ofSeconds(1)).withStaleIfError(oneAndAHalfMs))
        .hasMessage("staleIfError must be 0 or a whole number of milliseconds, but was PT0.0015S");

    assertThat(CacheOptions.builder().redisTimeout(Duration.ofMillis(1)).build().redisTimeout())
        .isEqualTo(Duration.ofMillis(1));
    assertThat(CachePolicy.ttl(Duration.ofMillis(1)).withStaleIfError(Duration.ZERO).hardTtl())
        .isEqualTo(Duration.ofMillis(1));
  }

  static Codec<String> strings() {
    return Codecs.json(new com.fasterxml.jackson.databind.ObjectMapper(), String.class);
  }
}
