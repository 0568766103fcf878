package dev.bulwark.cache;

import static dev.bulwark.cache.LocalCacheTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.config.Config;

/** The shared and two-level tiers against the real Redis on 127.0.0.1:6379. */
class RedisCacheTest {

  private Vertx vertx;
  private final List<CacheManager> managers = new ArrayList<>();
  private RedissonClient raw;
  private String name;
  private SimpleMeterRegistry registry;

  @BeforeEach
  void setUp() {
    Servers.assumeRedis();
    vertx = Vertx.vertx();
    name = "t-" + UUID.randomUUID().toString().substring(0, 8);
    registry = new SimpleMeterRegistry();
    Config c = new Config();
    c.setCodec(ByteArrayCodec.INSTANCE);
    c.useSingleServer().setAddress(Servers.REDIS_URL);
    raw = Redisson.create(c);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (raw != null) {
      raw.getKeys().deleteByPattern("bulwark:" + name + ":*");
      raw.getKeys().deleteByPattern("bulwarklease:" + name + ":*");
      raw.shutdown();
    }
    for (CacheManager m : managers) {
      m.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private CacheManager manager(CacheOptions.Builder b) {
    // Two open managers with Redis in one registry need their own names (instances of a cluster).
    CacheManager m = CacheManager.create(vertx, b.name("instance-" + managers.size())
        .redisUrl(Servers.REDIS_URL).meterRegistry(registry)
        .redisTimeout(Duration.ofMillis(500)).build());
    managers.add(m);
    TestSupport.awaitUp(m);
    return m;
  }

  private Cache<String> cache(CacheManager m, CachePolicy p) {
    return m.cache(name, p, LocalCacheTest.strings());
  }

  @Test
  void singleFlight_acrossTwoManagers_runsTheLoaderOnce() throws Exception {
    Cache<String> a = cache(manager(CacheOptions.builder()), CachePolicy.ttl(Duration.ofMinutes(1)));
    Cache<String> b = cache(manager(CacheOptions.builder()), CachePolicy.ttl(Duration.ofMinutes(1)));
    assertThat(a.tier()).isEqualTo(CacheTier.TWO_LEVEL);
    AtomicInteger loads = new AtomicInteger();
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Cache<String> c = i % 2 == 0 ? a : b;
      results.add(c.get("k", () -> {
        loads.incrementAndGet();
        Promise<String> p = Promise.promise();
        vertx.setTimer(200, t -> p.complete("v"));
        return p.future();
      }));
    }
    for (Future<String> f : results) {
      assertThat(await(f)).isEqualTo("v");
    }
    assertThat(loads).hasValue(1);
  }

  /**
   * A's load never ends; its lease (300 ms) expires in Redis and B, waiting, takes it and loads.
   * B's clock is a fake ticker that no one moves once B is connected, so its maxLeaderWait never
   * passes: B can only have loaded by winning the expired lease.
   */
  @Test
  void deadLeader_leaseExpires_andAnotherInstanceComputes() throws Exception {
    Cache<String> a = cache(manager(CacheOptions.builder().leaseTime(Duration.ofMillis(300))),
        CachePolicy.ttl(Duration.ofMinutes(1)));
    Cache<String> b = cache(manager(CacheOptions.builder().maxLeaderWait(Duration.ofSeconds(20))
        .ticker(new FakeTicker())), CachePolicy.ttl(Duration.ofMinutes(1)));
    Promise<String> never = Promise.promise();
    // A's loader runs only once A holds the lease: then B's call finds it (or, if it already
    // expired, takes it at once).
    CountDownLatch leading = new CountDownLatch(1);
    a.get("k", () -> {
      leading.countDown();
      return never.future();
    });
    assertThat(leading.await(30, TimeUnit.SECONDS)).as("A's loader called").isTrue();
    AtomicInteger loads = new AtomicInteger();
    String v = await(b.get("k", () -> Future.succeededFuture("b" + loads.incrementAndGet())));
    assertThat(v).isEqualTo("b1");
  }

  @Test
  void waiterPastMaxLeaderWait_computesItself() throws Exception {
    Cache<String> a = cache(manager(CacheOptions.builder().leaseTime(Duration.ofSeconds(30))),
        CachePolicy.ttl(Duration.ofMinutes(1)));
    Cache<String> b = cache(manager(CacheOptions.builder().maxLeaderWait(Duration.ofMillis(300))),
        CachePolicy.ttl(Duration.ofMinutes(1)));
    Promise<String> never = Promise.promise();
    a.get("k", never::future);
    await().atMost(Duration.ofSeconds(5)).until(() -> raw.getBucket("bulwarklease:" + name + ":k").isExists());
    assertThat(await(b.get("k", () -> Future.succeededFuture("self")))).isEqualTo("self");
  }

  @Test
  void twoLevel_writesAndInvalidationsReachTheOtherManagersLocalTier() throws Exception {
    Cache<String> a = cache(manager(CacheOptions.builder()), CachePolicy.ttl(Duration.ofMinutes(1)));
    Cache<String> b = cache(manager(CacheOptions.builder()), CachePolicy.ttl(Duration.ofMinutes(1)));
    await(a.put("k", "v1"));
    // The event for a's own write may reach b after b read the value, dropping b's copy once.
    await().atMost(Duration.ofSeconds(5)).until(() ->
        "v1".equals(await(b.get("k", () -> Future.failedFuture("must come from redis"))))
            && "v1".equals(b.getIfPresent("k")));
    await(a.put("k", "v2"));
    await().atMost(Duration.ofSeconds(5)).until(() -> b.getIfPresent("k") == null);
    assertThat(await(b.get("k", () -> Future.failedFuture("must come from redis")))).isEqualTo("v2");
    await(a.invalidate("k"));
    await().atMost(Duration.ofSeconds(5)).until(() -> b.getIfPresent("k") == null);
    assertThat(await(b.get("k", () -> Future.succeededFuture("loaded")))).isEqualTo("loaded");
    await(b.invalidateAll());
    await().atMost(Duration.ofSeconds(5)).until(() -> a.getIfPresent("k") == null);
  }

  @Test
  void sharedTier_keysAreNamespaced_andOtherInstancesReadThem() throws Exception {
    Cache<String> a = cache(manager(CacheOptions.builder()), CachePolicy.ttl(Duration.ofMinutes(1)).withTier(CacheTier.SHARED));
    Cache<String> b = cache(manager(CacheOptions.builder()), CachePolicy.ttl(Duration.ofMinutes(1)).withTier(CacheTier.SHARED));
    assertThat(await(a.get("k", () -> Future.succeededFuture("v")))).isEqualTo("v");
    assertThat(raw.getBucket("bulwark:" + name + ":k").isExists()).isTrue();
    assertThat(raw.getBucket("bulwark:" + name + ":k").remainTimeToLive()).isBetween(1L, 60_000L);
    assertThat(await(b.get("k", () -> Future.failedFuture("must come from redis")))).isEqualTo("v");
    assertThat(a.getIfPresent("k")).isNull();
  }

  @Test
  void sharedTier_knowsTheRemainingTtl_ofWhatItLoadedOrRead_withoutKeepingTheValue() throws Exception {
    FakeTicker ticker = new FakeTicker();
    CachePolicy policy = CachePolicy.ttl(Duration.ofMinutes(1)).withTier(CacheTier.SHARED);
    Cache<String> a = cache(manager(CacheOptions.builder().ticker(ticker)), policy);
    assertThat(a.remainingTtlMillis("k")).isEqualTo(-1);

    long beforeWrite = System.currentTimeMillis();
    assertThat(await(a.get("k", () -> Future.succeededFuture("v")))).isEqualTo("v");
    assertThat(a.remainingTtlMillis("k")).isEqualTo(60_000);
    ticker.advance(Duration.ofSeconds(20));
    assertThat(a.remainingTtlMillis("k")).isEqualTo(40_000);
    assertThat(a.getIfPresent("k")).isNull();

    // B never loaded it: what it read from Redis carries the writer's freshness (wall clock).
    // B starts after A's write, so A's "written" event (which drops B's copy) cannot race B's read.
    // The wall time from A's write to B's read (creating and connecting B included) is taken
    // off, and no more: B's clock, a fake ticker, stands still after its read.
    Cache<String> b = cache(manager(CacheOptions.builder().ticker(new FakeTicker())), policy);
    assertThat(b.remainingTtlMillis("k")).isEqualTo(-1);
    assertThat(await(b.get("k", () -> Future.failedFuture("must come from redis")))).isEqualTo("v");
    long elapsed = System.currentTimeMillis() - beforeWrite;
    assertThat(b.remainingTtlMillis("k")).isBetween(60_000L - elapsed, 60_000L);

    await(a.invalidate("k"));
    assertThat(a.remainingTtlMillis("k")).isEqualTo(-1);
  }

  @Test
  void find_readsAnotherInstancesValueFromRedis_withoutLoadingOrTakingALease() throws Exception {
    Cache<String> a = cache(manager(CacheOptions.builder()), CachePolicy.ttl(Duration.ofMinutes(1)));
    Cache<String> b = cache(manager(CacheOptions.builder()), CachePolicy.ttl(Duration.ofMinutes(1)));
    await(a.put("k", "v"));

    assertThat(await(b.find("k"))).isEqualTo("v");
    assertThat(await(b.find("absent"))).isNull();
    assertThat(raw.getBucket("bulwarklease:" + name + ":absent").isExists()).isFalse();
    assertThat(raw.getBucket("bulwark:" + name + ":absent").isExists()).isFalse();
  }

  @Test
  void find_onTheSharedTier_readsRedisEveryTime() throws Exception {
    CachePolicy shared = CachePolicy.ttl(Duration.ofMinutes(1)).withTier(CacheTier.SHARED);
    Cache<String> a = cache(manager(CacheOptions.builder()), shared);
    Cache<String> b = cache(manager(CacheOptions.builder()), shared);
    assertThat(await(b.find("k"))).isNull();

    await(a.put("k", "v"));

    assertThat(await(b.find("k"))).isEqualTo("v");
    assertThat(b.getIfPresent("k")).isNull();
    await(a.invalidate("k"));
    assertThat(await(b.find("k"))).isNull();
  }

  public interface Directory {
    @Cached(ttl = "60s", cache = "RedisCacheTest.directory")
    String lookup(String id);
  }

  /**
   * A null result is stored once, as "no value", in both tiers: later calls on this instance (on
   * an event loop or not) and on another one neither call the method nor write to Redis, and one
   * "written" event is published, not one delete and event per call.
   */
  @Test
  void nullResult_isStoredOnceAsNoValue_notDeletedAndPublishedOnEveryCall() throws Exception {
    String id = "nobody" + UUID.randomUUID().toString().replace("-", "");
    String redisKey = "bulwark:RedisCacheTest.directory:" + Keys.of(id);
    List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    org.redisson.api.RTopic topic = raw.getTopic("bulwark:__events", org.redisson.client.codec.StringCodec.INSTANCE);
    int listener = topic.addListener(String.class, (channel, msg) -> {
      if (msg.endsWith("\n" + Keys.of(id))) {
        events.add(msg);
      }
    });
    AtomicInteger calls = new AtomicInteger();
    Directory onA = Caching.decorate(Directory.class, k -> {
      calls.incrementAndGet();
      return null;
    }, manager(CacheOptions.builder()));
    Directory onB = Caching.decorate(Directory.class, k -> {
      calls.incrementAndGet();
      return null;
    }, manager(CacheOptions.builder()));
    try {
      io.vertx.core.Context loop = vertx.getOrCreateContext();
      for (int i = 0; i < 5; i++) {
        assertThat(TestSupport.callOn(loop, () -> Future.succeededFuture(onA.lookup(id)))).isNull();
        assertThat(onA.lookup(id)).isNull();
      }
      assertThat(calls).as("calls on the instance that loaded").hasValue(1);
      await().atMost(Duration.ofSeconds(5)).until(() -> raw.getBucket(redisKey).isExists());

      assertThat(onB.lookup(id)).as("read from Redis by the other instance").isNull();
      assertThat(calls).as("calls in all").hasValue(1);
      await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
      assertThat(events).as("events about the key").hasSize(1).allSatisfy(e -> assertThat(e).startsWith("w"));
    } finally {
      topic.removeListener(listener);
      raw.getBucket(redisKey).delete();
    }
  }

  @Test
  void garbageBytes_areAMissAndAMetric_neverAnError() throws Exception {
    Cache<String> a = cache(manager(CacheOptions.builder()), CachePolicy.ttl(Duration.ofMinutes(1)).withTier(CacheTier.SHARED));
    raw.getBucket("bulwark:" + name + ":k", ByteArrayCodec.INSTANCE).set(new byte[] {(byte) 0xAC, (byte) 0xED, 0, 5, 1, 2});
    assertThat(await(a.get("k", () -> Future.succeededFuture("right")))).isEqualTo("right");
    raw.getBucket("bulwark:" + name + ":j", ByteArrayCodec.INSTANCE)
        .set(new byte[] {(byte) 0xB1, 1, 0x7f, 0, 0, 0, 0, 0, 0, 0, '{', '{'});
    assertThat(await(a.get("j", () -> Future.succeededFuture("right")))).isEqualTo("right");
    // The leader reads before and after taking the lease, so each bad key counts once per read.
    assertThat(registry.get("bulwark.cache.decode.errors").tag("cache", name).counter().count()).isBetween(2.0, 4.0);
    assertThat(await(a.get("k", () -> Future.failedFuture("must be cached now")))).isEqualTo("right");
  }

  /**
   * Bytes under a real key of the cache that this cache did not write, as an attacker with access
   * to Redis (or a bug elsewhere) could leave them: each is read through the cache, decodes to a
   * miss (the loader's value is served and stored), never to an object, an error or an outsized
   * allocation, and the first one is logged, once.
   */
  @Test
  void hostileBytes_underRealKeys_areAMiss_loggedOnce_neverAnObject() throws Exception {
    Cache<String> a = cache(manager(CacheOptions.builder()), CachePolicy.ttl(Duration.ofMinutes(1)).withTier(CacheTier.SHARED));
    await(a.put("genuine", "right"));
    byte[] genuine = raw.<byte[]>getBucket("bulwark:" + name + ":genuine", ByteArrayCodec.INSTANCE).get();
    long inAMinute = System.currentTimeMillis() + 60_000;
    byte[] gadget = javaSerialized(new java.util.HashMap<>(java.util.Map.of("k", new java.util.ArrayList<>(List.of("gadget")))));
    java.util.Map<String, byte[]> hostile = new java.util.LinkedHashMap<>();
    hostile.put("java-serialization", gadget);
    hostile.put("java-serialization-in-a-frame", frame(1, inAMinute, gadget));
    hostile.put("truncated-header", java.util.Arrays.copyOf(genuine, 5));
    hostile.put("truncated-payload", java.util.Arrays.copyOf(genuine, genuine.length - 2));
    hostile.put("huge-declared-length", frame(1, inAMinute, new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'x'}));
    hostile.put("huge-declared-string", frame(1, inAMinute, "\"\\u".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    hostile.put("fresh-for-ever", frame(1, Long.MAX_VALUE, "\"right\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    hostile.put("trailing-bytes", concat(genuine, "\"gadget\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    hostile.put("no-value-with-a-payload", frame(2, inAMinute, "\"right\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    hostile.put("deep-nesting", frame(1, inAMinute, "[".repeat(100_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.bulwark.cache.impl.DefaultCache");
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    try {
      for (java.util.Map.Entry<String, byte[]> bad : hostile.entrySet()) {
        String key = bad.getKey();
        double errorsBefore = registry.get("bulwark.cache.decode.errors").tag("cache", name).counter().count();
        raw.getBucket("bulwark:" + name + ":" + key, ByteArrayCodec.INSTANCE).set(bad.getValue(), Duration.ofMinutes(1));

        assertThat(await(a.get(key, () -> Future.succeededFuture("loaded")))).as(key).isEqualTo("loaded");
        assertThat(registry.get("bulwark.cache.decode.errors").tag("cache", name).counter().count())
            .as("decode errors counted for %s", key).isGreaterThan(errorsBefore);
        assertThat(await(a.find(key))).as("what the load stored over %s", key).isEqualTo("loaded");
      }
      assertThat(logs.list.stream().filter(e -> e.getFormattedMessage().contains("'" + name + "'")).toList())
          .as("log lines about the cache").hasSize(1)
          .allSatisfy(e -> assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN));
    } finally {
      logger.detachAppender(logs);
    }
  }

  private static byte[] frame(int version, long freshUntilEpochMillis, byte[] payload) {
    return java.nio.ByteBuffer.allocate(10 + payload.length).put((byte) 0xB1).put((byte) version)
        .putLong(freshUntilEpochMillis).put(payload).array();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] javaSerialized(java.io.Serializable value) throws java.io.IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    return bytes.toByteArray();
  }

  /**
   * An entry already stale in Redis (its writer's fresh-until is a second ago; within
   * staleWhileRevalidate): both instances serve it and, between them, refresh it once.
   */
  @Test
  void staleWhileRevalidate_acrossTwoManagers_refreshesOnce() throws Exception {
    CachePolicy p = CachePolicy.ttl(Duration.ofMinutes(1)).withStaleWhileRevalidate(Duration.ofMinutes(1));
    Cache<String> a = cache(manager(CacheOptions.builder()), p);
    Cache<String> b = cache(manager(CacheOptions.builder()), p);
    byte[] json = "\"old\"".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    java.nio.ByteBuffer stale = java.nio.ByteBuffer.allocate(10 + json.length)
        .put((byte) 0xB1).put((byte) 1).putLong(System.currentTimeMillis() - 1000).put(json);
    raw.getBucket("bulwark:" + name + ":k", ByteArrayCodec.INSTANCE).set(stale.array(), Duration.ofMinutes(2));
    assertThat(await(b.find("k"))).as("not fresh").isNull();
    AtomicInteger loads = new AtomicInteger();
    Promise<String> slow = Promise.promise();
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      results.add((i % 2 == 0 ? a : b).get("k", () -> {
        loads.incrementAndGet();
        return slow.future();
      }));
    }
    for (Future<String> f : results) {
      assertThat(await(f)).isEqualTo("old");
    }
    slow.complete("new");
    await().atMost(Duration.ofSeconds(5)).until(() -> "new".equals(
        await(b.get("k", () -> Future.failedFuture("x")))) && "new".equals(await(a.get("k", () -> Future.failedFuture("x")))));
    assertThat(loads).hasValue(1);
  }
}
