package dev.bulwark.cache.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.cache.Cache;
import dev.bulwark.cache.CacheEvict;
import dev.bulwark.cache.CacheManager;
import dev.bulwark.cache.CacheOptions;
import dev.bulwark.cache.Cached;
import dev.bulwark.cache.Caching;
import dev.bulwark.cache.Keys;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A method of one {@code long} or {@code int} parameter (which the generated class calls without
 * boxing it, {@link KeyMemo.OfLong} remembering its keys) hits, misses and is evicted exactly as
 * its boxed twin ({@code Long}, {@code Integer}): the same entries under the same {@link Keys}, for
 * the edges of the range, for negative values and for values that share a remembered slot; through
 * the generated class and through the JDK proxy alike.
 */
class PrimitiveKeyTest {

  /** Each cache named, so that both decorations (two service names) have the same caches. */
  public interface Ids {
    @Cached(ttl = "60s", cache = "Ids.byLong")
    String byLong(long id);

    @Cached(ttl = "60s", cache = "Ids.byLongBoxed")
    String byLongBoxed(Long id);

    @Cached(ttl = "60s", cache = "Ids.byInt")
    String byInt(int id);

    @Cached(ttl = "60s", cache = "Ids.byIntBoxed")
    String byIntBoxed(Integer id);

    /** Keyed on the long of two parameters. */
    @Cached(ttl = "60s", cache = "Ids.byFirst", key = "0")
    String byFirst(long id, String ignored);

    /** A long parameter that is not the key. */
    @Cached(ttl = "60s", cache = "Ids.byName", key = "1")
    String byName(long version, String name);

    @CacheEvict(cache = "Ids.byLong")
    void forgetLong(long id);

    @CacheEvict(cache = "Ids.byInt")
    void forgetInt(int id);
  }

  /** The same interface, package-private: no class can be generated for it, so the proxy answers. */
  interface HiddenIds extends Ids {
  }

  enum Decoration {
    GENERATED(Ids.class), PROXY(HiddenIds.class);

    final Class<? extends Ids> service;

    Decoration(Class<? extends Ids> service) {
      this.service = service;
    }
  }

  /** Answers each method with its name and key argument; counts its calls per method name. */
  static final class Impl {
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    final HiddenIds service = (HiddenIds) Proxy.newProxyInstance(HiddenIds.class.getClassLoader(),
        new Class<?>[] {HiddenIds.class}, (proxy, m, args) -> {
          calls.computeIfAbsent(m.getName(), k -> new AtomicInteger()).incrementAndGet();
          Object key = args[m.getName().equals("byName") ? 1 : 0];
          return m.getReturnType() == void.class ? null : m.getName() + "[" + key + "]";
        });

    int calls(String method) {
      AtomicInteger n = calls.get(method);
      return n == null ? 0 : n.get();
    }
  }

  /**
   * A primitive method and its boxed twin: their names, how to call each with a value (an int
   * twin's values are ints) and the argument {@link Keys} sees for a value.
   */
  record Twin(String primitive, String boxed, BiFunction<Ids, Long, String> callPrimitive,
      BiFunction<Ids, Long, String> callBoxed, boolean ints) {
    Object boxedArg(long v) {
      return ints ? (Object) Integer.valueOf((int) v) : Long.valueOf(v);
    }

    @Override
    public String toString() {
      return primitive;
    }
  }

  static final Twin LONGS = new Twin("byLong", "byLongBoxed", (s, v) -> s.byLong(v),
      (s, v) -> s.byLongBoxed(v), false);
  static final Twin INTS = new Twin("byInt", "byIntBoxed", (s, v) -> s.byInt((int) (long) v),
      (s, v) -> s.byIntBoxed((int) (long) v), true);

  private Vertx vertx;
  private CacheManager manager;
  private Impl impl;

  private Ids decorate(Decoration d) {
    vertx = Vertx.vertx();
    manager = CacheManager.create(vertx, CacheOptions.builder().build());
    impl = new Impl();
    Ids ids = decorate(d.service, impl);
    assertThat(Proxy.isProxyClass(ids.getClass())).isEqualTo(d == Decoration.PROXY);
    return ids;
  }

  private <S extends Ids> S decorate(Class<S> service, Impl impl) {
    return Caching.decorate(service, service.cast(impl.service), manager);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (manager != null) {
      manager.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }

  /** Values that share {@code v}'s remembered slot, {@code n} of them, above {@code v}. */
  static long[] sharingSlotWith(long v, int n) {
    int slot = KeyMemo.slot(Long.hashCode(v));
    return LongStream.iterate(v + 1, x -> x + 1).filter(x -> KeyMemo.slot(Long.hashCode(x)) == slot)
        .limit(n).toArray();
  }

  /** The edges, negatives, the small boxes' edges, multiples of 1,024 and values sharing slots. */
  static long[] values(Twin twin) {
    Set<Long> values = new LinkedHashSet<>();
    for (long v : new long[] {0, 1, -1, 127, 128, -128, -129, 1024, 2048, 1024 * 1024,
        Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE + 1}) {
      values.add(v);
    }
    if (!twin.ints) {
      // Long.hashCode folds the halves: MIN and MAX, 0 and -1, 1 and 2^32 share slots.
      for (long v : new long[] {Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, 1L << 32, -(1L << 32)}) {
        values.add(v);
      }
    }
    for (long v : sharingSlotWith(0, 4)) {
      values.add(v);
    }
    for (long v : sharingSlotWith(1 << 20, 3)) {
      values.add(v);
    }
    return values.stream().mapToLong(Long::longValue).toArray();
  }

  static Stream<Arguments> twins() {
    List<Arguments> all = new ArrayList<>();
    for (Decoration d : Decoration.values()) {
      all.add(Arguments.of(d, LONGS));
      all.add(Arguments.of(d, INTS));
    }
    return all.stream();
  }

  private Set<String> keysOf(String cache) {
    return manager.find("Ids." + cache).unwrap(com.github.benmanes.caffeine.cache.Cache.class).asMap().keySet();
  }

  private static Object find(Cache<?> cache, String key) throws Exception {
    return cache.find(key).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("twins")
  void aPrimitiveKey_hitsAndMissesAsItsBoxedTwin_underTheSameKeys(Decoration d, Twin twin) throws Exception {
    Ids ids = decorate(d);
    long[] values = values(twin);
    Set<String> expected = new LinkedHashSet<>();
    for (int round = 0; round < 3; round++) {
      for (long v : values) {
        assertThat(twin.callPrimitive.apply(ids, v)).isEqualTo(twin.primitive + "[" + v + "]");
        assertThat(twin.callBoxed.apply(ids, v)).isEqualTo(twin.boxed + "[" + v + "]");
        expected.add(Keys.of(twin.boxedArg(v)));
      }
    }
    assertThat(impl.calls(twin.primitive)).isEqualTo(values.length);
    assertThat(impl.calls(twin.boxed)).isEqualTo(values.length);
    assertThat(keysOf(twin.primitive)).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(keysOf(twin.boxed)).containsExactlyInAnyOrderElementsOf(expected);
    Cache<?> cache = manager.find("Ids." + twin.primitive);
    for (long v : values) {
      assertThat(find(cache, Keys.of(twin.boxedArg(v)))).isEqualTo(twin.primitive + "[" + v + "]");
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("twins")
  void aPrimitiveKey_isEvictedByTheKeysKey_andByCacheEvict(Decoration d, Twin twin) throws Exception {
    Ids ids = decorate(d);
    long[] values = values(twin);
    for (long v : values) {
      twin.callPrimitive.apply(ids, v);
    }
    Cache<?> cache = manager.find("Ids." + twin.primitive);
    long gone = values[values.length - 1]; // shares a slot with others
    cache.invalidate(Keys.of(twin.boxedArg(gone))).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    if (twin.ints) {
      ids.forgetInt(-1);
    } else {
      ids.forgetLong(Long.MIN_VALUE);
    }
    long forgotten = twin.ints ? -1 : Long.MIN_VALUE;
    for (long v : values) {
      assertThat(twin.callPrimitive.apply(ids, v)).isEqualTo(twin.primitive + "[" + v + "]");
    }
    assertThat(impl.calls(twin.primitive)).isEqualTo(values.length + 2);
    assertThat(find(cache, Keys.of(twin.boxedArg(gone)))).isEqualTo(twin.primitive + "[" + gone + "]");
    assertThat(find(cache, Keys.of(twin.boxedArg(forgotten)))).isEqualTo(twin.primitive + "[" + forgotten + "]");
  }

  @ParameterizedTest
  @EnumSource(Decoration.class)
  void aLongKeyAmongSeveralParameters_isKeyedAsTheBoxedLong(Decoration d) throws Exception {
    Ids ids = decorate(d);
    assertThat(ids.byFirst(-5, "a")).isEqualTo("byFirst[-5]");
    assertThat(ids.byFirst(-5, "b")).isEqualTo("byFirst[-5]");
    assertThat(ids.byFirst(Long.MAX_VALUE, "a")).isEqualTo("byFirst[" + Long.MAX_VALUE + "]");
    assertThat(impl.calls("byFirst")).isEqualTo(2);
    assertThat(keysOf("byFirst")).containsExactlyInAnyOrder(Keys.of(-5L), Keys.of(Long.MAX_VALUE));
  }

  @ParameterizedTest
  @EnumSource(Decoration.class)
  void aLongParameterThatIsNotTheKey_isLeftOutOfIt(Decoration d) throws Exception {
    Ids ids = decorate(d);
    assertThat(ids.byName(1, "a")).isEqualTo("byName[a]");
    assertThat(ids.byName(2, "a")).isEqualTo("byName[a]");
    assertThat(ids.byName(1, "b")).isEqualTo("byName[b]");
    assertThat(impl.calls("byName")).isEqualTo(2);
    assertThat(keysOf("byName")).containsExactlyInAnyOrder(Keys.of("a"), Keys.of("b"));
  }

  /** Ids that are multiples of 1,024 (low bits all zero) still spread over the table. */
  @ParameterizedTest
  @ValueSource(longs = {1024, 4096, 1 << 16, 1 << 20})
  void slot_spreadsMultiplesOfAPowerOfTwo(long stride) {
    assertThat(slotsOf(LongStream.range(0, KeyMemo.SLOTS).map(k -> k * stride))).hasSize(KeyMemo.SLOTS);
  }

  /**
   * A dense range of ids, the usual key (the benchmark's are 0..999), never shares a slot, also
   * across multiples of 1,024, 2^20 and 2^30: none evicts another's key.
   */
  @ParameterizedTest
  @ValueSource(longs = {0, 1, 1000, 123_456_789, (1 << 20) - 500, (1 << 30) - 500, Integer.MAX_VALUE - 500L, 1L << 40})
  void slot_givesConsecutiveIdsTheirOwnSlots(long first) {
    int ids = KeyMemo.SLOTS - 24;
    assertThat(slotsOf(LongStream.range(first, first + ids))).hasSize(ids);
  }

  private static Set<Integer> slotsOf(LongStream ids) {
    Set<Integer> slots = new LinkedHashSet<>();
    ids.forEach(id -> slots.add(KeyMemo.slot(Long.hashCode(id))));
    return slots;
  }

  @Test
  void ofLong_givesTheBoxedKeysKey_andReusesTheSameInstance() {
    KeyMemo.OfLong longs = KeyMemo.OfLong.forType(long.class);
    KeyMemo.OfLong ints = KeyMemo.OfLong.forType(int.class);
    assertThat(KeyMemo.OfLong.forType(Long.class)).isNull();
    assertThat(KeyMemo.forType(long.class)).isNull();
    for (long v : values(LONGS)) {
      String key = longs.key(v);
      assertThat(key).isEqualTo(Keys.of(v));
      assertThat(longs.key(v)).isSameAs(key);
    }
    for (long v : values(INTS)) {
      String key = ints.key(v);
      assertThat(key).isEqualTo(Keys.of((int) v));
      assertThat(ints.key(v)).isSameAs(key);
    }
  }

  /**
   * A hit through the generated class allocates nothing: no box, no array, no key string. Counted
   * in bytes by the JVM for this thread over many hits of ids above the small-box cache, where a
   * boxed {@code Long} alone would be 16 bytes a hit.
   */
  @Test
  void aHitThroughTheGeneratedClass_allocatesNothing() {
    Ids ids = decorate(Decoration.GENERATED);
    for (long id = 1000; id < 1256; id++) {
      ids.byLong(id);
      ids.byInt((int) id);
    }
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    int hits = 100_000;
    long sum = 0;
    long before = threads.getThreadAllocatedBytes(thread);
    for (int i = 0; i < hits; i++) {
      sum += ids.byLong(1000 + (i & 255)).length() + ids.byInt(1000 + (i & 255)).length();
    }
    long allocated = threads.getThreadAllocatedBytes(thread) - before;
    assertThat(sum).isPositive();
    assertThat(impl.calls("byLong") + impl.calls("byInt")).isEqualTo(512);
    assertThat(allocated).as("bytes allocated by %d hits", 2 * hits).isLessThan(hits);
  }

  /**
   * Threads calling with values that fight for the same remembered slots, of the primitive memo
   * and of the boxed twin's, always get the value of their own argument, and each value is loaded
   * once per method (single flight, then the entry).
   */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("twins")
  void racingCallersOnSharedSlots_alwaysGetTheirOwnValue(Decoration d, Twin twin) throws Exception {
    Ids ids = decorate(d);
    List<Long> shared = new ArrayList<>();
    for (long base : new long[] {0, 7, 1 << 16, 123_456}) {
      shared.add(base);
      for (long v : sharingSlotWith(base, 7)) {
        shared.add(v);
      }
    }
    int threads = 4;
    int callsEach = 20_000;
    AtomicReference<String> firstWrong = new AtomicReference<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int seed = t;
      Thread w = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < callsEach && firstWrong.get() == null; i++) {
          long v = shared.get((i * 7 + seed * 13) % shared.size());
          boolean boxed = (i & 1) == 0;
          String got = (boxed ? twin.callBoxed : twin.callPrimitive).apply(ids, v);
          if (!got.equals((boxed ? twin.boxed : twin.primitive) + "[" + v + "]")) {
            firstWrong.compareAndSet(null, v + " -> " + got);
          }
        }
      });
      w.start();
      workers.add(w);
    }
    start.countDown();
    for (Thread w : workers) {
      w.join(TimeUnit.SECONDS.toMillis(30));
    }
    assertThat(firstWrong.get()).isNull();
    assertThat(impl.calls(twin.primitive)).isEqualTo(shared.size());
    assertThat(impl.calls(twin.boxed)).isEqualTo(shared.size());
  }
}
