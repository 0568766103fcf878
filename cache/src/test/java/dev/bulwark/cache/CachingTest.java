package dev.bulwark.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CachingTest {

  public interface Users {
    @Cached(ttl = "60s", cache = "users", key = "id")
    String name(int id, String ignored);

    @Cached(ttl = "5m")
    Future<String> nameAsync(int id);

    @Cached(ttl = "5m")
    CompletionStage<String> nameStage(long id);

    @CacheEvict(cache = "users", key = "id")
    void rename(int id, String name);

    @CacheEvict(cache = "users", allEntries = true)
    Future<Void> clear();

    String uncached(String s);
  }

  static final class Impl implements Users {
    final AtomicInteger calls = new AtomicInteger();
    volatile boolean fail;

    @Override
    public String name(int id, String ignored) {
      calls.incrementAndGet();
      if (fail) {
        throw new IllegalStateException("db down");
      }
      return "user" + id + "#" + calls.get();
    }

    @Override
    public Future<String> nameAsync(int id) {
      calls.incrementAndGet();
      return fail ? Future.failedFuture("db down") : Future.succeededFuture("async" + id + "#" + calls.get());
    }

    @Override
    public CompletionStage<String> nameStage(long id) {
      calls.incrementAndGet();
      return fail ? CompletableFuture.failedFuture(new IllegalStateException("db down"))
          : CompletableFuture.completedFuture("stage" + id + "#" + calls.get());
    }

    @Override
    public void rename(int id, String name) {
    }

    @Override
    public Future<Void> clear() {
      return Future.succeededFuture();
    }

    @Override
    public String uncached(String s) {
      calls.incrementAndGet();
      return s;
    }
  }

  private Vertx vertx;
  private CacheManager manager;
  private Impl impl;
  private Users users;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    manager = CacheManager.create(vertx, CacheOptions.builder().build());
    impl = new Impl();
    users = Caching.decorate(Users.class, impl, manager);
  }

  @AfterEach
  void tearDown() throws Exception {
    manager.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void plainMethod_isCachedByTheKeyParameters_andFailuresAreNot() {
    impl.fail = true;
    assertThatThrownBy(() -> users.name(1, "a")).isInstanceOf(IllegalStateException.class).hasMessage("db down");
    impl.fail = false;
    assertThat(users.name(1, "a")).isEqualTo("user1#2");
    assertThat(users.name(1, "b")).isEqualTo("user1#2");
    assertThat(users.name(2, "a")).isEqualTo("user2#3");
    assertThat(impl.calls).hasValue(3);
  }

  @Test
  void futureMethod_cachesTheValue_notTheFailure() throws Exception {
    impl.fail = true;
    assertThatThrownBy(() -> LocalCacheTest.await(users.nameAsync(7))).hasRootCauseMessage("db down");
    impl.fail = false;
    assertThat(LocalCacheTest.await(users.nameAsync(7))).isEqualTo("async7#2");
    assertThat(LocalCacheTest.await(users.nameAsync(7))).isEqualTo("async7#2");
    assertThat(impl.calls).hasValue(2);
  }

  @Test
  void completionStageMethod_cachesTheValue_notTheFailure() throws Exception {
    impl.fail = true;
    assertThatThrownBy(() -> users.nameStage(7L).toCompletableFuture().get(5, TimeUnit.SECONDS))
        .hasRootCauseMessage("db down");
    impl.fail = false;
    assertThat(users.nameStage(7L).toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("stage7#2");
    assertThat(users.nameStage(7L).toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("stage7#2");
    assertThat(impl.calls).hasValue(2);
  }

  @Test
  void cacheEvict_byKey_andAllEntries() throws Exception {
    assertThat(users.name(1, "x")).isEqualTo("user1#1");
    assertThat(users.name(2, "x")).isEqualTo("user2#2");
    users.rename(1, "new");
    assertThat(users.name(1, "x")).isEqualTo("user1#3");
    assertThat(users.name(2, "x")).isEqualTo("user2#2");
    LocalCacheTest.await(users.clear());
    assertThat(users.name(2, "x")).isEqualTo("user2#4");
  }

  @Test
  void unannotatedMethods_andObjectMethods_passThrough() {
    assertThat(users.uncached("s")).isEqualTo("s");
    assertThat(users.uncached("s")).isEqualTo("s");
    assertThat(impl.calls).hasValue(2);
    assertThat(users).isEqualTo(users);
    assertThat(users.toString()).startsWith("Caching proxy");
  }

  public interface Broken {
    @Cached(ttl = "soon")
    String x();
  }

  @Test
  void decorate_rejectsBadAnnotationsUpFront() {
    assertThatThrownBy(() -> Caching.decorate(Broken.class, () -> "x", manager))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("@Cached(ttl) on Broken.x").hasMessageContaining("'soon'");
  }
}
