package dev.bulwark.cache;

import static dev.bulwark.cache.LocalCacheTest.await;
import static dev.bulwark.core.testing.InMemoryTracing.childOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.testing.InMemoryTracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A lookup in a traced request is a span saying whether it hit and which tier answered. */
class CacheTracingTest {

  private static final AttributeKey<Boolean> HIT = AttributeKey.booleanKey("bulwark.cache.hit");
  private static final AttributeKey<String> TIER = AttributeKey.stringKey("bulwark.cache.tier");

  private static InMemoryTracing tracing;
  private static Vertx vertx;
  private final String name = "t-" + UUID.randomUUID().toString().substring(0, 8);
  private CacheManager first;
  private CacheManager second;

  @BeforeAll
  static void install() {
    tracing = new InMemoryTracing();
    vertx = tracing.vertx();
  }

  @AfterAll
  static void uninstall() throws Exception {
    await(vertx.close());
    tracing.close();
  }

  @BeforeEach
  void forget() {
    tracing.reset();
  }

  @AfterEach
  void close() throws Exception {
    if (first != null) {
      Cache<String> c = first.cache(name, CachePolicy.ttl(Duration.ofMinutes(1)), LocalCacheTest.strings());
      await(c.invalidateAll());
      await(first.close());
    }
    if (second != null) {
      await(second.close());
    }
  }

  /** The spans of the lookups made under a fresh "request" span, in order. */
  private List<SpanData> lookupsOf(Supplier<Future<String>> lookup, String expected) throws Exception {
    tracing.reset();
    assertThat(await(InMemoryTracing.underSpan(vertx, "request", lookup))).isEqualTo(expected);
    SpanData request = tracing.await("request", s -> s.getName().equals("request"));
    return tracing.spans().stream().filter(childOf(request))
        .filter(s -> s.getName().equals("cache get " + name)).toList();
  }

  @Test
  void get_localTier_missThenLoadThenLocalHit() throws Exception {
    first = CacheManager.create(vertx, CacheOptions.builder().build());
    Cache<String> c = first.cache(name, CachePolicy.ttl(Duration.ofMinutes(1)), LocalCacheTest.strings());

    List<SpanData> miss = lookupsOf(() -> c.get("k", () -> Future.succeededFuture("v")), "v");
    List<SpanData> hit = lookupsOf(() -> c.get("k", () -> Future.succeededFuture("other")), "v");

    assertThat(miss).singleElement().satisfies(s -> {
      assertThat(s.getAttributes().get(HIT)).isFalse();
      assertThat(s.getAttributes().get(TIER)).isEqualTo("load");
    });
    assertThat(hit).singleElement().satisfies(s -> {
      assertThat(s.getAttributes().get(HIT)).isTrue();
      assertThat(s.getAttributes().get(TIER)).isEqualTo("local");
    });
  }

  /** A service method with a plain result, cached in the cache the test names. */
  public interface Directory {
    @Cached(ttl = "60s", cache = "directory")
    String lookup(String id);
  }

  @Test
  void decoratedPlainMethod_localHit_isTracedAsTheOtherHitsAre() throws Exception {
    first = CacheManager.create(vertx, CacheOptions.builder().build());
    Directory directory = Caching.decorate(Directory.class, id -> "v-" + id, first);
    directory.lookup("k");

    tracing.reset();
    assertThat(await(InMemoryTracing.underSpan(vertx, "request",
        () -> Future.succeededFuture(directory.lookup("k"))))).isEqualTo("v-k");
    SpanData request = tracing.await("request", s -> s.getName().equals("request"));

    assertThat(tracing.spans().stream().filter(childOf(request)).toList()).singleElement()
        .satisfies(s -> {
          assertThat(s.getName()).isEqualTo("cache get directory");
          assertThat(s.getAttributes().get(HIT)).isTrue();
          assertThat(s.getAttributes().get(TIER)).isEqualTo("local");
        });
  }

  @Test
  void decoratedPlainMethod_missOnTheEventLoop_isTracedAsALoad() throws Exception {
    first = CacheManager.create(vertx, CacheOptions.builder().build());
    Directory directory = Caching.decorate(Directory.class, id -> "v-" + id, first);

    tracing.reset();
    assertThat(await(InMemoryTracing.underSpan(vertx, "request",
        () -> Future.succeededFuture(directory.lookup("fresh"))))).isEqualTo("v-fresh");
    SpanData request = tracing.await("request", s -> s.getName().equals("request"));

    assertThat(tracing.spans().stream().filter(childOf(request)).toList()).singleElement()
        .satisfies(s -> {
          assertThat(s.getName()).isEqualTo("cache get directory");
          assertThat(s.getAttributes().get(HIT)).isFalse();
          assertThat(s.getAttributes().get(TIER)).isEqualTo("load");
        });
  }

  @Test
  void get_twoLevel_aValueAnotherInstanceLoadedIsARedisHit() throws Exception {
    Servers.assumeRedis();
    first = redisManager();
    second = redisManager();
    Cache<String> a = first.cache(name, CachePolicy.ttl(Duration.ofMinutes(1)), LocalCacheTest.strings());
    Cache<String> b = second.cache(name, CachePolicy.ttl(Duration.ofMinutes(1)), LocalCacheTest.strings());
    lookupsOf(() -> a.get("k", () -> Future.succeededFuture("v")), "v");

    List<SpanData> fromRedis = lookupsOf(() -> b.get("k", () -> Future.succeededFuture("other")), "v");

    assertThat(fromRedis).singleElement().satisfies(s -> {
      assertThat(s.getAttributes().get(HIT)).isTrue();
      assertThat(s.getAttributes().get(TIER)).isEqualTo("redis");
    });
  }

  private static CacheManager redisManager() {
    CacheManager m = CacheManager.create(vertx, CacheOptions.builder().redisUrl(Servers.REDIS_URL)
        .redisTimeout(Duration.ofMillis(500)).build());
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> m.health().status() == CacheHealth.Status.UP);
    return m;
  }
}
