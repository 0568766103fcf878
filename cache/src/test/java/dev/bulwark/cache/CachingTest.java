package dev.bulwark.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import io.vertx.core.Context;
import static org.awaitility.Awaitility.await;
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
    /** When set, name() waits for it (bounded) after counting the call. */
    volatile CountDownLatch gate;

    @Override
    public String name(int id, String ignored) {
      calls.incrementAndGet();
      CountDownLatch g = gate;
      if (g != null) {
        try {
          g.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
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

  /** More cached methods than the handler matches by a scan (CachingHandler.SCANNED is 8). */
  public interface Wide {
    @Cached(ttl = "5m")
    String m0(int id);

    @Cached(ttl = "5m")
    String m1(int id);

    @Cached(ttl = "5m")
    String m2(int id);

    @Cached(ttl = "5m")
    String m3(int id);

    @Cached(ttl = "5m")
    String m4(int id);

    @Cached(ttl = "5m")
    String m5(int id);

    @Cached(ttl = "5m")
    String m6(int id);

    @Cached(ttl = "5m")
    String m7(int id);

    @Cached(ttl = "5m")
    String m8(int id);

    @Cached(ttl = "5m")
    String m9(int id);

    @Cached(ttl = "5m")
    String m10(int id);

    @Cached(ttl = "5m")
    String m11(int id);
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
  void manyCachedMethods_eachKeepsItsOwnCache_pastTheScannedFew() throws Exception {
    java.util.Map<String, AtomicInteger> calls = new java.util.concurrent.ConcurrentHashMap<>();
    Wide impl = (Wide) java.lang.reflect.Proxy.newProxyInstance(Wide.class.getClassLoader(),
        new Class<?>[] {Wide.class}, (proxy, m, args) -> {
          int n = calls.computeIfAbsent(m.getName(), k -> new AtomicInteger()).incrementAndGet();
          return m.getName() + ":" + args[0] + "#" + n;
        });
    Wide wide = Caching.decorate(Wide.class, impl, manager);
    Method[] methods = Wide.class.getMethods();
    java.util.Arrays.sort(methods, java.util.Comparator.comparing(Method::getName));
    for (int round = 0; round < 3; round++) {
      for (Method m : methods) {
        for (int id = 0; id < 2; id++) {
          assertThat(m.invoke(wide, id)).isEqualTo(m.getName() + ":" + id + "#" + (id + 1));
        }
      }
    }
    assertThat(calls).hasSize(12);
    assertThat(calls.values()).allSatisfy(n -> assertThat(n).hasValue(2));
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

  /**
   * A plain method called on two event loops at once for one key runs once: the second caller
   * waits for the first one's result instead of calling the method too. The first caller is held
   * inside the method until the second is seen waiting (or, without single flight, inside the
   * method as well).
   */
  @Test
  void plainMethod_calledOnTwoEventLoopsAtOnce_runsOnce() throws Exception {
    // New event-loop contexts take the loops in turn (Vert.x has 2 x cores of them here).
    Context first = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();
    Context second = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();
    assertThat(threadOf(first)).as("two different event loops").isNotSameAs(threadOf(second));
    CountDownLatch gate = new CountDownLatch(1);
    impl.gate = gate;
    CompletableFuture<String> onFirst = new CompletableFuture<>();
    CompletableFuture<String> onSecond = new CompletableFuture<>();
    AtomicReference<Thread> secondThread = new AtomicReference<>();

    first.runOnContext(v -> callInto(onFirst, "a"));
    await().atMost(java.time.Duration.ofSeconds(10)).until(() -> impl.calls.get() == 1);
    second.runOnContext(v -> {
      secondThread.set(Thread.currentThread());
      callInto(onSecond, "b");
    });
    await().atMost(java.time.Duration.ofSeconds(10)).until(() -> secondThread.get() != null
        && (secondThread.get().getState() == Thread.State.WAITING
            || secondThread.get().getState() == Thread.State.TIMED_WAITING));
    gate.countDown();

    assertThat(onFirst.get(10, TimeUnit.SECONDS)).isEqualTo("user1#1");
    assertThat(onSecond.get(10, TimeUnit.SECONDS)).isEqualTo("user1#1");
    assertThat(impl.calls).as("calls of the method").hasValue(1);
    assertThat(users.name(1, "c")).as("then a hit").isEqualTo("user1#1");
  }

  private void callInto(CompletableFuture<String> result, String ignored) {
    try {
      result.complete(users.name(1, ignored));
    } catch (Throwable t) {
      result.completeExceptionally(t);
    }
  }

  private static Thread threadOf(Context context) throws Exception {
    CompletableFuture<Thread> t = new CompletableFuture<>();
    context.runOnContext(v -> t.complete(Thread.currentThread()));
    return t.get(10, TimeUnit.SECONDS);
  }

  public interface Directory {
    @Cached(ttl = "60s")
    String lookup(String id);
  }

  /** A null result is cached as "no value" for the TTL, on the event loop and off it alike. */
  @Test
  void nullResult_isCachedAsNoValue_onAndOffTheEventLoop() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Directory directory = Caching.decorate(Directory.class, id -> {
      calls.incrementAndGet();
      return null;
    }, manager);
    Context loop = vertx.getOrCreateContext();

    for (int i = 0; i < 3; i++) {
      assertThat(TestSupport.callOn(loop, () -> Future.succeededFuture(directory.lookup("nobody")))).isNull();
      assertThat(directory.lookup("nobody")).isNull();
    }

    assertThat(calls).hasValue(1);
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
