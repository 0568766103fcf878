package dev.bulwark.cache;

import static dev.bulwark.cache.LocalCacheTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.core.testing.PrivateRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Redis paused with SIGSTOP: the cache keeps answering, the breaker opens, then closes on SIGCONT. */
class BreakerTest {

  /**
   * Redis paused after the cache has used it: exactly {@code breakerFailureThreshold} calls go to
   * Redis and end at their deadline (the breaker's last failure says so), the breaker opens and
   * refuses the rest without a Redis call, and every call still answers, from the local tier or
   * the loader. The breaker's clock is a fake ticker, so it stays open until the test moves it;
   * then its probe closes it and the local entries are dropped.
   */
  @Test
  void pausedRedis_opensTheBreakerAfterThresholdTimeouts_callsStillAnswer_andReconnectDropsLocalEntries()
      throws Exception {
    Vertx vertx = Vertx.vertx();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    FakeTicker ticker = new FakeTicker();
    try (PrivateRedis redis = PrivateRedis.start()) {
      // A deadline no loaded machine misses while Redis runs (only the paused calls time out),
      // and shorter than Redisson's own 1 s timeout, so the deadline is what ends them.
      CacheManager m = CacheManager.create(vertx, CacheOptions.builder()
          .redisUrl(redis.url())
          .redisTimeout(Duration.ofMillis(500))
          .breakerFailureThreshold(3)
          .breakerOpenDuration(Duration.ofMillis(300))
          .meterRegistry(registry)
          .ticker(ticker)
          .build());
      try {
        TestSupport.awaitUp(m);
        Cache<String> cache = m.cache("breaker", CachePolicy.ttl(Duration.ofMinutes(5)), LocalCacheTest.strings());
        assertThat(await(cache.get("k", () -> Future.succeededFuture("v")))).isEqualTo("v");
        assertThat(m.health().status()).isEqualTo(CacheHealth.Status.UP);
        assertThat(m.health().breakerState()).isEqualTo(BreakerState.CLOSED);
        // The load's last commands (its "written" event, its lease release) are answered before
        // the pause, so that only the calls below can fail.
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.calls("publish") == 1 && !redis.exists("bulwarklease:breaker:k"));
        double errorsBefore = registry.get("bulwark.cache.redis.errors").tag("cache", "breaker").counter().count();

        redis.pause();
        for (int i = 0; i < 10; i++) {
          String key = "miss" + i;
          assertThat(await(cache.get(key, () -> Future.succeededFuture(key)))).isEqualTo(key);
          assertThat(await(cache.get("k", () -> Future.failedFuture("local hit expected")))).isEqualTo("v");
        }
        assertThat(registry.get("bulwark.cache.redis.errors").tag("cache", "breaker").counter().count() - errorsBefore)
            .as("calls that went to Redis").isEqualTo(3);
        assertThat(m.health().detail()).as("why the breaker opened").contains("timeout after 500ms");
        assertThat(m.health().status()).isEqualTo(CacheHealth.Status.DEGRADED);
        assertThat(m.health().breakerState()).isEqualTo(BreakerState.OPEN);
        assertThat(registry.get("bulwark.cache.breaker.state").gauge().value()).isEqualTo(1);

        redis.resume();
        // The open period passes on the fake ticker, which awaitUp moves on (again if the first
        // probe after SIGCONT timed out and reopened the breaker).
        TestSupport.awaitUp(m);
        assertThat(m.health().breakerState()).isEqualTo(BreakerState.CLOSED);
        assertThat(cache.getIfPresent("k")).isNull();
        assertThat(await(cache.get("k", () -> Future.succeededFuture("v")))).isEqualTo("v");
      } finally {
        m.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      assertThat(registry.find("bulwark.cache.breaker.state").gauge()).as("the gauge after close").isNull();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The manager is created on an event loop while Redis is paused (it accepts TCP connections but
   * answers nothing, so a connect waits out its whole timeout): creating it, calling the cache and
   * the background connect attempts that follow never block the loop, as Vert.x's blocked-thread
   * checker (500 ms) reports; once Redis answers the manager joins it.
   */
  @Test
  void createdOnAnEventLoop_withRedisPaused_neverBlocksIt_andJoinsRedisWhenItAnswers() throws Exception {
    Vertx vertx = BlockedLoops.strictVertx(1);
    try (BlockedLoops blocked = BlockedLoops.watch(); PrivateRedis redis = PrivateRedis.start()) {
      redis.pause();
      CacheOptions options = CacheOptions.builder()
          .redisUrl(redis.url())
          .redisTimeout(Duration.ofMillis(500))
          .breakerFailureThreshold(3)
          .breakerOpenDuration(Duration.ofMillis(300))
          .build();
      CompletableFuture<CacheManager> created = new CompletableFuture<>();
      vertx.runOnContext(v -> created.complete(CacheManager.create(vertx, options)));
      CacheManager m = created.get(10, TimeUnit.SECONDS);
      CacheManager other = null;
      try {
        assertThat(m.health().status()).isEqualTo(CacheHealth.Status.DEGRADED);
        Cache<String> cache = m.cache("paused-start", CachePolicy.ttl(Duration.ofMinutes(5)), LocalCacheTest.strings());
        Context loop = vertx.getOrCreateContext();
        for (int i = 0; i < 30; i++) {
          String key = "k" + i;
          assertThat(TestSupport.callOn(loop, () -> cache.get(key, () -> Future.succeededFuture(key)))).isEqualTo(key);
        }
        assertThat(blocked.eventLoopWarnings()).as("event loops blocked by creating the manager").isEmpty();
        // A connect attempt has failed against the paused server and the probe started the next.
        await().atMost(Duration.ofSeconds(20)).until(() -> m.health().detail().matches(".*connect attempts: [2-9].*"));
        assertThat(m.health().status()).isEqualTo(CacheHealth.Status.DEGRADED);
        assertThat(blocked.eventLoopWarnings()).as("event loops blocked while Redis was paused").isEmpty();

        redis.resume();
        TestSupport.awaitUp(m);
        assertThat(await(cache.put("x", "written after connecting"))).isNull();
        other = CacheManager.create(vertx, options);
        TestSupport.awaitUp(other);
        Cache<String> seen = other.cache("paused-start", CachePolicy.ttl(Duration.ofMinutes(5)), LocalCacheTest.strings());
        assertThat(await(seen.get("x", () -> Future.failedFuture("expected the value from Redis"))))
            .isEqualTo("written after connecting");
        assertThat(blocked.eventLoopWarnings()).as("event loops blocked").isEmpty();
      } finally {
        if (other != null) {
          other.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        m.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Nothing listens on the port: created on an event loop, the manager returns at once, says why
   * it is not connected, keeps trying in the background, and its caches work on the local tier.
   */
  @Test
  void createdOnAnEventLoop_withNothingListening_worksLocally_andKeepsTrying() throws Exception {
    Vertx vertx = BlockedLoops.strictVertx(1);
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (BlockedLoops blocked = BlockedLoops.watch()) {
      CacheOptions options = CacheOptions.builder().redisUrl("redis://127.0.0.1:" + closedPort)
          .breakerOpenDuration(Duration.ofMillis(100)).build();
      CompletableFuture<CacheManager> created = new CompletableFuture<>();
      vertx.runOnContext(v -> created.complete(CacheManager.create(vertx, options)));
      CacheManager m = created.get(10, TimeUnit.SECONDS);
      try {
        Cache<String> cache = m.cache("nothing-there", CachePolicy.ttl(Duration.ofMinutes(5)), LocalCacheTest.strings());
        Context loop = vertx.getOrCreateContext();
        assertThat(TestSupport.callOn(loop, () -> cache.get("k", () -> Future.succeededFuture("v")))).isEqualTo("v");
        assertThat(TestSupport.callOn(loop, () -> cache.get("k", () -> Future.failedFuture("local hit expected"))))
            .isEqualTo("v");

        await().atMost(Duration.ofSeconds(20)).until(() -> m.health().detail().matches(".*connect attempts: [3-9].*"));
        assertThat(m.health().status()).isEqualTo(CacheHealth.Status.DEGRADED);
        assertThat(m.health().detail()).contains("last: ");
        assertThat(blocked.eventLoopWarnings()).as("event loops blocked").isEmpty();
      } finally {
        m.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aLeaseTakenByACallThatTimedOut_isReleasedWhenRedisAnswersAgain() throws Exception {
    // One event loop, so that the test can hold it between the GET and the SET NX of a miss.
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    FakeTicker ticker = new FakeTicker();
    try (PrivateRedis redis = PrivateRedis.start()) {
      CacheOptions options = CacheOptions.builder()
          .redisUrl(redis.url())
          .redisTimeout(Duration.ofMillis(50))
          .breakerFailureThreshold(1)
          .breakerOpenDuration(Duration.ofMillis(300))
          .leaseTime(Duration.ofSeconds(60))
          .maxLeaderWait(Duration.ofSeconds(20))
          // The breaker and maxLeaderWait run on a fake clock: the breaker closes when the test
          // moves it, and maxLeaderWait never passes, so B can only load once the lease is gone.
          .ticker(ticker)
          .build();
      CacheManager a = CacheManager.create(vertx, options);
      CacheManager b = CacheManager.create(vertx, options);
      try {
        TestSupport.awaitUp(a);
        TestSupport.awaitUp(b);
        CachePolicy policy = CachePolicy.ttl(Duration.ofMinutes(5));
        Cache<String> onA = a.cache("orphan", policy, LocalCacheTest.strings());
        Cache<String> onB = b.cache("orphan", policy, LocalCacheTest.strings());
        String lease = "bulwarklease:orphan:k";

        // A's GET is answered while the loop is held; Redis is paused before the loop goes on to
        // send the SET NX, which times out, so A loads by itself. On SIGCONT Redis runs that
        // SET NX: a lease with A's token that no holder will ever release.
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        vertx.runOnContext(v -> {
          held.countDown();
          try {
            go.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        long getsBefore = reads(redis);
        Future<String> first = onA.get("k", () -> Future.succeededFuture("from a"));
        // Redis has answered the GET (the answer waits in Redisson for the held loop).
        await().atMost(Duration.ofSeconds(10)).until(() -> reads(redis) > getsBefore);
        redis.pause();
        go.countDown();
        assertThat(await(first)).isEqualTo("from a");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.health().breakerState() != BreakerState.CLOSED);
        redis.resume();
        // The SET NX that timed out runs now: an orphan lease, which A's open breaker keeps.
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.exists(lease));
        ticker.advance(Duration.ofMillis(300));

        // Well before the lease's own 60 s, A deletes it (it still holds A's token)... A probe or
        // release that missed its 50 ms deadline (a loaded machine) reopens A's breaker on the fake
        // ticker: while it is open the ticker is moved on again (a few open periods, far from the
        // 60 s after which A would stop releasing the lease).
        await().atMost(Duration.ofSeconds(10)).until(() -> {
          if (a.health().breakerState() == BreakerState.OPEN) {
            ticker.advance(Duration.ofMillis(300));
          }
          return !redis.exists(lease);
        });
        // ...so B computes instead of waiting maxLeaderWait for a dead lease (on the fake clock
        // maxLeaderWait never passes: B loads only because the lease is gone).
        assertThat(await(onB.get("k", () -> Future.succeededFuture("from b")))).isEqualTo("from b");
      } finally {
        b.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        a.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Reads of cache values Redis has run: the read is a Lua script (size check and GET). */
  private static long reads(PrivateRedis redis) throws Exception {
    return redis.calls("evalsha") + redis.calls("evalsha_ro") + redis.calls("eval") + redis.calls("eval_ro");
  }
}
