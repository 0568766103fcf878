package dev.bulwark.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.core.testing.Await;
import dev.bulwark.core.testing.FaultProxy;
import dev.bulwark.core.testing.PrivateRedis;
import dev.bulwark.core.testing.Scorecard;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A two-level cache under load while its Redis is stalled (SIGSTOP) and then killed (SIGKILL),
 * each followed by recovery. A driver on one event loop makes one call at a time, alternating a
 * hot key (kept locally) and a new key (computed), and checks every answer.
 *
 * <p>How long a call waits is measured by counts, not clocks. A call that completes before
 * {@code get} returns (on its event loop) waited for nothing. A call that did not completes only
 * through Redis: with Redis stalled, only through the deadline of a Redis call (the
 * {@code redisTimeout} timer); and, one call at a time with nothing else talking to Redis, the
 * {@code bulwark.cache.redis.errors} counter rises during a call by the number of deadlines it
 * waited through. The breaker is driven by a fake ticker, so it stays open until the test moves
 * it on. The faults: the server stopped (SIGSTOP), killed (SIGKILL) and restarted, and the
 * network to it blackholed by the test fault proxy and then reset.
 */
class RedisFaultTest {

  private static final int THRESHOLD = 3;
  private static final Duration OPEN = Duration.ofMillis(300);
  private static final int HOT = 20;

  private Vertx vertx;
  private PrivateRedis redis;
  private CacheManager manager;
  private Cache<String> cache;
  private Context loop;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final FakeTicker ticker = new FakeTicker();

  /** One call of the driver: its index, whether it waited, the deadlines meanwhile, its answer. */
  record Call(int index, boolean waited, double deadlines, boolean correct, boolean afterFault) {
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    redis = PrivateRedis.start();
  }

  /** The manager and the two-level cache under test, reaching Redis at {@code url}. */
  private void open(String url) {
    // A deadline no loaded machine misses while Redis runs, shorter than Redisson's own 1 s
    // timeout, so the deadline is what ends a stalled call.
    manager = CacheManager.create(vertx, CacheOptions.builder()
        .redisUrl(url)
        .redisTimeout(Duration.ofMillis(500))
        .breakerFailureThreshold(THRESHOLD)
        .breakerOpenDuration(OPEN)
        .meterRegistry(registry)
        .ticker(ticker)
        .build());
    TestSupport.awaitUp(manager);
    cache = manager.cache("fault", CachePolicy.ttl(Duration.ofMinutes(10)).withTier(CacheTier.TWO_LEVEL),
        LocalCacheTest.strings());
    loop = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (manager != null) {
        manager.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    } finally {
      try {
        redis.close();
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void stalledRedis_callsKeepBeingAnswered_theBreakerOpensWithinThresholdCalls_eachWaitsOneDeadline_andRecovers()
      throws Exception {
    open(redis.url());
    List<Call> healthy = drive("warm", 2 * HOT + 100, () -> false);
    assertThat(healthy).allMatch(Call::correct);
    quiesce();

    redis.pause();
    List<Call> stalled = drive("stalled", 1000, () -> true);
    assertThat(stalled).as("every call answered with its value (local tier or computed)").allMatch(Call::correct);
    List<Call> waited = stalled.stream().filter(Call::waited).toList();
    assertThat(waited).as("calls that waited for Redis before the breaker opened")
        .hasSizeBetween(1, THRESHOLD);
    assertThat(waited).as("each waited through exactly one Redis deadline, no more")
        .allMatch(c -> c.deadlines() == 1);
    int opened = waited.get(waited.size() - 1).index();
    assertThat(opened).as("the breaker opened within the first threshold misses").isLessThan(2 * THRESHOLD);
    assertThat(stalled.subList(opened + 1, stalled.size())).as("after it opened, no call waited")
        .noneMatch(Call::waited);
    assertThat(manager.health().breakerState()).isEqualTo(BreakerState.OPEN);

    redis.resume();
    recover("resumed");

    Scorecard.fault(RedisFaultTest.class, "stalledRedis",
        "Redis stalled (SIGSTOP) under a two-level cache, " + stalled.size() + " calls, then SIGCONT",
        Scorecard.figures("answered", stalled.stream().filter(Call::correct).count(),
            "wrong", stalled.stream().filter(c -> !c.correct()).count(),
            "callsThatWaited", waited.size(), "threshold", THRESHOLD,
            "maxDeadlinesPerCall", (long) waited.stream().mapToDouble(Call::deadlines).max().orElse(0),
            "recovered", manager.health().status() == CacheHealth.Status.UP));
  }

  @Test
  void killedRedisMidLoad_callsKeepBeingAnswered_theBreakerOpensWithinThresholdCalls_andARestartRecovers()
      throws Exception {
    open(redis.url());
    drive("warm", 2 * HOT, () -> false);
    AtomicBoolean killed = new AtomicBoolean();
    AtomicInteger made = new AtomicInteger();
    AtomicInteger afterKill = new AtomicInteger();
    Future<List<Call>> load = driveAsync("load", 1_000_000, killed::get,
        c -> made.incrementAndGet() > 0 && c.afterFault() && afterKill.incrementAndGet() >= 1000);
    // Mid-load: the driver has made calls through a healthy Redis.
    await().atMost(Duration.ofSeconds(30)).until(() -> made.get() >= 100);
    redis.kill();
    killed.set(true);
    List<Call> calls = Await.result(load, Duration.ofSeconds(120));

    assertThat(calls).as("every call answered with its value").allMatch(Call::correct);
    List<Call> post = calls.stream().filter(Call::afterFault).toList();
    assertThat(post).hasSizeGreaterThanOrEqualTo(1000);
    assertThat(post.stream().filter(Call::waited).count())
        .as("calls after the kill that waited for Redis before the breaker opened")
        .isLessThanOrEqualTo(THRESHOLD);
    assertThat(manager.health().breakerState()).isNotEqualTo(BreakerState.CLOSED);

    redis.restart();
    recover("restarted");

    Scorecard.fault(RedisFaultTest.class, "killedRedis",
        "Redis killed (SIGKILL) mid-load under a two-level cache, then restarted empty",
        Scorecard.figures("answered", calls.size(), "wrong", calls.stream().filter(c -> !c.correct()).count(),
            "callsAfterKill", post.size(), "callsThatWaited", post.stream().filter(Call::waited).count(),
            "threshold", THRESHOLD, "recovered", manager.health().status() == CacheHealth.Status.UP));
  }

  /**
   * A network partition through the test fault proxy: every byte dropped both ways, connections
   * left open (as a dead peer or a firewall leaves them), then the connections reset and the
   * network restored. The same bounds as a stalled server.
   */
  @Test
  void partitionedRedis_callsKeepBeingAnswered_eachWaitsOneDeadline_andRecoversAfterTheReset()
      throws Exception {
    try (FaultProxy proxy = FaultProxy.start("127.0.0.1", redis.port())) {
      open("redis://127.0.0.1:" + proxy.port());
      drive("warm", 2 * HOT + 100, () -> false);
      quiesce();

      proxy.blackhole();
      List<Call> cut = drive("cut", 1000, () -> true);
      assertThat(cut).allMatch(Call::correct);
      List<Call> waited = cut.stream().filter(Call::waited).toList();
      assertThat(waited).hasSizeBetween(1, THRESHOLD).allMatch(c -> c.deadlines() == 1);
      int opened = waited.get(waited.size() - 1).index();
      assertThat(cut.subList(opened + 1, cut.size())).noneMatch(Call::waited);
      assertThat(manager.health().breakerState()).isEqualTo(BreakerState.OPEN);

      proxy.reset();
      proxy.restore();
      recover("healed");

      Scorecard.fault(RedisFaultTest.class, "partitionedRedis",
          "network to Redis blackholed (fault proxy) under a two-level cache, " + cut.size()
              + " calls, then connections reset and restored",
          Scorecard.figures("answered", cut.stream().filter(Call::correct).count(),
              "wrong", cut.stream().filter(c -> !c.correct()).count(),
              "callsThatWaited", waited.size(), "threshold", THRESHOLD,
              "maxDeadlinesPerCall", (long) waited.stream().mapToDouble(Call::deadlines).max().orElse(0),
              "recovered", manager.health().status() == CacheHealth.Status.UP));
    }
  }

  /** Waits until the driver's Redis commands have all been answered: no lease held, every write announced. */
  private void quiesce() throws Exception {
    double loads = registry.get("bulwark.cache.loads").tag("cache", "fault").tag("result", "success")
        .counter().count();
    await().atMost(Duration.ofSeconds(20)).until(() -> redis.calls("publish") == (long) loads
        && redis.cli("KEYS", "bulwarklease:*").isBlank());
  }

  /**
   * Recovery: lets open periods pass on the fake ticker and drives rounds of calls (each answer
   * still checked) until the breaker is closed and a computed value is written to Redis again.
   * Right after the fault some of Redisson's pooled connections may still be dead and reopen the
   * breaker once; recovery is that writes go through again within the bound, as they must.
   */
  private void recover(String prefix) {
    AtomicInteger round = new AtomicInteger();
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      ticker.advance(OPEN);
      String p = prefix + round.incrementAndGet() + "-";
      List<Call> calls = drive(p, 20, () -> false);
      if (!calls.stream().allMatch(Call::correct)) {
        throw new AssertionError("a wrong answer while recovering: " + calls);
      }
      return manager.health().status() == CacheHealth.Status.UP && redis.exists("bulwark:fault:" + p + "19");
    });
  }

  private List<Call> drive(String prefix, int n, java.util.function.BooleanSupplier fault) {
    return Await.result(driveAsync(prefix, n, fault, c -> false), Duration.ofSeconds(120));
  }

  /**
   * Makes {@code n} calls one at a time on the loop (each in its own task, so the test thread can
   * act meanwhile): even calls read a hot key, odd ones a new key; stops early when {@code done}
   * says so after a call.
   */
  private Future<List<Call>> driveAsync(String prefix, int n, java.util.function.BooleanSupplier fault,
      java.util.function.Predicate<Call> done) {
    Promise<List<Call>> result = Promise.promise();
    List<Call> calls = new ArrayList<>();
    DoubleSupplier deadlines = () -> registry.get("bulwark.cache.redis.errors").tag("cache", "fault")
        .counter().count();
    loop.runOnContext(v -> step(prefix, 0, n, fault, done, deadlines, calls, result));
    return result.future();
  }

  private void step(String prefix, int i, int n, java.util.function.BooleanSupplier fault,
      java.util.function.Predicate<Call> done, DoubleSupplier deadlines, List<Call> calls,
      Promise<List<Call>> result) {
    if (i == n) {
      result.complete(calls);
      return;
    }
    String key = i % 2 == 0 ? "hot" + (i / 2 % HOT) : prefix + i;
    boolean afterFault = fault.getAsBoolean();
    double before = deadlines.getAsDouble();
    Future<String> f;
    try {
      f = cache.get(key, () -> Future.succeededFuture("v:" + key));
    } catch (RuntimeException e) {
      result.fail(e);
      return;
    }
    boolean waited = !f.isComplete();
    // The deadline's timer completes the call before it counts the error: read the count in the
    // next task, after the timer's has ended.
    f.onComplete(ar -> loop.runOnContext(x -> {
      Call c = new Call(i, waited, deadlines.getAsDouble() - before,
          ar.succeeded() && ("v:" + key).equals(ar.result()), afterFault);
      calls.add(c);
      if (done.test(c)) {
        result.complete(calls);
      } else {
        step(prefix, i + 1, n, fault, done, deadlines, calls, result);
      }
    }));
  }
}
