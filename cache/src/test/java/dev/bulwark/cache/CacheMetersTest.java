package dev.bulwark.cache;

import static dev.bulwark.cache.LocalCacheTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A cache manager owns its meters: closing it removes every per-cache meter and the breaker gauge,
 * a manager created again under the same name reads its own state, and the breaker gauge's
 * {@code manager} tag is the configured name, the same on every run.
 */
class CacheMetersTest {

  private final Vertx vertx = Vertx.vertx();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static void close(CacheManager m) throws Exception {
    m.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private List<String> meters() {
    return registry.getMeters().stream().map(Meter::getId).map(id -> id.getName() + id.getTags()).toList();
  }

  @ParameterizedTest(name = "redis={0}")
  @ValueSource(booleans = {false, true})
  void close_removesEveryMeter_andAManagerCreatedAgainRegistersFreshOnes(boolean withRedis) throws Exception {
    if (withRedis) {
      Servers.assumeRedis();
    }
    registry.counter("application.meter");
    for (int round = 1; round <= 2; round++) {
      CacheOptions.Builder options = CacheOptions.builder().name("orders").meterRegistry(registry);
      if (withRedis) {
        options.redisUrl(Servers.REDIS_URL);
      }
      CacheManager m = CacheManager.create(vertx, options.build());
      try {
        Cache<String> cache = m.cache("meters-" + round, CachePolicy.ttl(Duration.ofMinutes(1))
            .withTier(CacheTier.LOCAL), LocalCacheTest.strings());
        assertThat(await(cache.get("k", () -> Future.succeededFuture("v")))).isEqualTo("v");
        assertThat(await(cache.get("k", () -> Future.failedFuture("a hit was expected")))).isEqualTo("v");
        assertThat(registry.get("bulwark.cache.gets").tags("cache", "meters-" + round, "result", "hit")
            .functionCounter().count()).isEqualTo(1);
        if (withRedis) {
          assertThat(registry.get("bulwark.cache.breaker.state").tag("manager", "orders").gauge())
              .isNotNull();
        }
      } finally {
        close(m);
      }
      assertThat(meters()).as("meters left after close, round " + round)
          .containsExactly("application.meter[]");
    }
  }

  @Test
  void aDecoratedPlainMethod_onAnEventLoop_countsItsMissAndItsHit() throws Exception {
    CacheManager m = CacheManager.create(vertx, CacheOptions.builder().name("plain")
        .meterRegistry(registry).build());
    try {
      AtomicInteger calls = new AtomicInteger();
      Greeter greeter = Caching.decorate(Greeter.class, who -> "hello " + who + " " + calls.incrementAndGet(), m);
      CompletableFuture<List<String>> answers = new CompletableFuture<>();
      vertx.getOrCreateContext().runOnContext(v -> {
        assertThat(Context.isOnEventLoopThread()).isTrue();
        answers.complete(List.of(greeter.greet("ann"), greeter.greet("ann")));
      });

      assertThat(answers.get(30, TimeUnit.SECONDS)).containsExactly("hello ann 1", "hello ann 1");
      String cache = registry.find("bulwark.cache.gets").tag("result", "miss").functionCounter()
          .getId().getTag("cache");
      assertThat(registry.get("bulwark.cache.gets").tags("cache", cache, "result", "miss")
          .functionCounter().count()).isEqualTo(1);
      assertThat(registry.get("bulwark.cache.gets").tags("cache", cache, "result", "hit")
          .functionCounter().count()).isEqualTo(1);
    } finally {
      close(m);
    }
  }

  @Test
  void twoOpenManagersWithRedis_mayNotShareANameInOneRegistry() throws Exception {
    Servers.assumeRedis();
    CacheOptions options = CacheOptions.builder().name("shared-name").redisUrl(Servers.REDIS_URL)
        .meterRegistry(registry).build();
    CacheManager first = CacheManager.create(vertx, options);
    try {
      assertThatThrownBy(() -> CacheManager.create(vertx, options))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("'shared-name'")
          .hasMessageContaining("CacheOptions name");
      CacheManager other = CacheManager.create(vertx, options.toBuilder().name("other-name").build());
      close(other);
    } finally {
      close(first);
    }
    CacheManager again = CacheManager.create(vertx, options);
    close(again);
  }

  @Test
  void name_defaultsToDefault_andIsValidated() {
    assertThat(CacheOptions.builder().build().name()).isEqualTo(CacheOptions.DEFAULT_NAME).isEqualTo("default");
    assertThat(CacheOptions.builder().name("a.b-c_1").build().toBuilder().build().name()).isEqualTo("a.b-c_1");
    for (String bad : new String[] {null, "", "with space", "x".repeat(65)}) {
      assertThatThrownBy(() -> CacheOptions.builder().name(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("name must be 1-64 letters, digits, '-', '_' or '.', but was '" + bad + "'");
    }
  }
}
