package dev.bulwark.cache.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.cache.Cache;
import dev.bulwark.cache.CacheEvict;
import dev.bulwark.cache.CacheManager;
import dev.bulwark.cache.CacheOptions;
import dev.bulwark.cache.Cached;
import dev.bulwark.cache.Caching;
import dev.bulwark.cache.Keys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A remembered key's slot keeps the entry its last hit found ({@link KeyMemo.Remembered}), so that
 * the next hit of the same argument skips the key lookup. These tests hold it to the local tier's
 * answers: once the tier lets go of an entry (invalidated, replaced, evicted for size, expired), no
 * call is answered from the slot, and the slot stops holding the value; a key hit only through its
 * slot still counts as read for Caffeine's eviction policy; hits through the slot are counted.
 */
class KeptEntryTest {

  /** Keyed by a {@code long} (the unboxed memo), a {@code String} (the boxed one), and a future. */
  public interface Catalog {
    @Cached(ttl = "60s", cache = "kept.byId")
    String byId(long id);

    @Cached(ttl = "60s", cache = "kept.bySku")
    String bySku(String sku);

    @Cached(ttl = "60s", cache = "kept.later")
    Future<String> later(long id);

    @Cached(ttl = "60s", cache = "kept.none")
    Future<String> none(long id);

    @Cached(ttl = "60s", cache = "kept.stage")
    CompletionStage<String> stage(long id);

    @CacheEvict(cache = "kept.byId")
    void forget(long id);
  }

  /** Answers with the argument and how many times that method ran before for it. */
  static final class Impl implements Catalog {
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    String answer(String method, Object arg) {
      int n = calls.computeIfAbsent(method + ":" + arg, k -> new AtomicInteger()).incrementAndGet();
      return arg + "#" + n;
    }

    int calls(String method, Object arg) {
      AtomicInteger n = calls.get(method + ":" + arg);
      return n == null ? 0 : n.get();
    }

    @Override
    public String byId(long id) {
      return answer("byId", id);
    }

    @Override
    public String bySku(String sku) {
      return answer("bySku", sku);
    }

    @Override
    public Future<String> later(long id) {
      return Future.succeededFuture(answer("later", id));
    }

    @Override
    public Future<String> none(long id) {
      answer("none", id);
      return Future.succeededFuture(null);
    }

    @Override
    public CompletionStage<String> stage(long id) {
      return CompletableFuture.completedFuture(answer("stage", id));
    }

    @Override
    public void forget(long id) {
    }
  }

  /** How a test makes the local tier let go of the entry of {@code byId(7)}. */
  enum LetGo {
    INVALIDATE(t -> t.await(t.cache("kept.byId").invalidate(Keys.of(7L)))),
    CACHE_EVICT(t -> t.catalog.forget(7)),
    INVALIDATE_ALL(t -> t.await(t.cache("kept.byId").invalidateAll())),
    EVICTED_FOR_SIZE(t -> {
      t.caffeine("kept.byId").policy().eviction().orElseThrow().setMaximum(0);
      t.caffeine("kept.byId").policy().eviction().orElseThrow().setMaximum(10_000);
    }),
    CAFFEINE_INVALIDATE(t -> t.caffeine("kept.byId").invalidate(Keys.of(7L)));

    final Consumer<KeptEntryTest> action;

    LetGo(Consumer<KeptEntryTest> action) {
      this.action = action;
    }
  }

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AtomicLong tickerReads = new AtomicLong();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private Vertx vertx;
  private CacheManager manager;
  private Impl impl;
  private Catalog catalog;

  private void start(long localMaximumSize) {
    vertx = Vertx.vertx();
    manager = CacheManager.create(vertx, CacheOptions.builder().ticker(() -> {
      tickerReads.incrementAndGet();
      return now.get();
    })
        .localMaximumSize(localMaximumSize).meterRegistry(registry).build());
    impl = new Impl();
    catalog = Caching.decorate(Catalog.class, impl, manager);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (manager != null) {
      manager.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }

  Cache<?> cache(String name) {
    return manager.find(name);
  }

  @SuppressWarnings("unchecked")
  com.github.benmanes.caffeine.cache.Cache<String, Entry<Object>> caffeine(String name) {
    return manager.find(name).unwrap(com.github.benmanes.caffeine.cache.Cache.class);
  }

  <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest
  @EnumSource(LetGo.class)
  void anEntryTheTierLetGoOf_isNeverAnsweredFromTheSlot(LetGo how) {
    start(10_000);
    assertThat(catalog.byId(7)).isEqualTo("7#1");
    assertThat(catalog.byId(7)).isEqualTo("7#1"); // a hit through the key: the slot keeps the entry
    assertThat(catalog.byId(7)).isEqualTo("7#1"); // a hit through the slot
    how.action.accept(this);
    assertThat(catalog.byId(7)).isEqualTo("7#2");
    assertThat(catalog.byId(7)).isEqualTo("7#2");
    assertThat(impl.calls("byId", 7L)).isEqualTo(2);
  }

  @Test
  void aNewerValueStoredForTheKey_isAnsweredAtOnce() {
    start(10_000);
    catalog.bySku("a-1");
    catalog.bySku("a-1");
    assertThat(catalog.bySku("a-1")).isEqualTo("a-1#1");
    @SuppressWarnings("unchecked")
    Cache<Object> skus = (Cache<Object>) cache("kept.bySku");
    await(skus.put(Keys.of("a-1"), "replaced"));
    assertThat(catalog.bySku("a-1")).isEqualTo("replaced");
    await(skus.put(Keys.of("a-1"), null)); // "no value": an invalidation
    assertThat(catalog.bySku("a-1")).isEqualTo("a-1#2");
  }

  @Test
  void anExpiredEntry_isLoadedAgain_andAFutureMethodAnswersFromItsSlotToo() {
    start(10_000);
    assertThat(await(catalog.later(3))).isEqualTo("3#1");
    assertThat(await(catalog.later(3))).isEqualTo("3#1");
    assertThat(await(catalog.later(3))).isEqualTo("3#1");
    catalog.byId(3);
    catalog.byId(3);
    now.addAndGet(Duration.ofSeconds(60).toNanos());
    assertThat(catalog.byId(3)).isEqualTo("3#2");
    assertThat(await(catalog.later(3))).isEqualTo("3#2");
    assertThat(impl.calls("later", 3L)).isEqualTo(2);
  }

  /** Unit: retiring an entry empties the slots that keep it, whichever of the two comes first. */
  @Test
  void retire_takesTheEntryOutOfItsSlots_beforeOrAfterTheyKeepIt() {
    KeyMemo.OfLong memo = KeyMemo.OfLong.forType(long.class);
    KeyMemo.Remembered slot = memo.remembered(42);
    Entry<String> first = new Entry<>("big value", Long.MAX_VALUE);
    slot.keep(first);
    assertThat(slot.entry()).isSameAs(first);
    first.retire();
    assertThat(first.retired()).isTrue();
    assertThat(slot.entry()).isNull();

    Entry<String> retiredAlready = new Entry<>("another", Long.MAX_VALUE);
    retiredAlready.retire();
    slot.keep(retiredAlready);
    assertThat(slot.entry()).isNull();

    Entry<String> kept = new Entry<>("kept", Long.MAX_VALUE);
    slot.keep(kept);
    first.retire(); // an older entry's retirement leaves a newer one alone
    assertThat(slot.entry()).isSameAs(kept);

    // Several slots (other methods, other decorations) keep one entry, up to MAX_KEEPERS.
    Entry<String> shared = new Entry<>("shared", Long.MAX_VALUE);
    List<KeyMemo.Remembered> slots = new ArrayList<>();
    for (int i = 0; i <= Entry.MAX_KEEPERS; i++) {
      KeyMemo.Remembered s = KeyMemo.OfLong.forType(long.class).remembered(42);
      s.keep(shared);
      slots.add(s);
    }
    for (int i = 0; i < Entry.MAX_KEEPERS; i++) {
      assertThat(slots.get(i).entry()).isSameAs(shared);
    }
    assertThat(slots.get(Entry.MAX_KEEPERS).entry()).as("one slot too many").isNull();
    shared.retire();
    assertThat(slots).allSatisfy(s -> assertThat(s.entry()).isNull());

    // Slots that let go (taken over by other arguments) give their places to new ones.
    Entry<String> longLived = new Entry<>("long-lived", Long.MAX_VALUE);
    for (int i = 0; i < 3 * Entry.MAX_KEEPERS; i++) {
      KeyMemo.Remembered s = KeyMemo.OfLong.forType(long.class).remembered(7);
      s.keep(longLived);
      assertThat(s.entry()).as("slot %d", i).isSameAs(longLived);
      s.forget(longLived);
    }
  }

  /**
   * Keeping and retiring at the same moment on two threads never leaves a retired entry in its
   * slot: each side writes its field before it reads the other's. In every other round the slot
   * is one of the entry's keepers already (it kept the entry and let go of it), so keeping it
   * again adds nothing to the list.
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void keepAndRetireRacing_neverLeaveTheEntryInItsSlot() throws Exception {
    int rounds = 20_000;
    KeyMemo.Remembered slot = KeyMemo.OfLong.forType(long.class).remembered(1);
    AtomicReference<Entry<String>> current = new AtomicReference<>();
    CyclicBarrier barrier = new CyclicBarrier(2);
    AtomicInteger leftBehind = new AtomicInteger();
    Thread retirer = new Thread(() -> {
      try {
        for (int i = 0; i < rounds; i++) {
          barrier.await(10, TimeUnit.SECONDS);
          current.get().retire();
          barrier.await(10, TimeUnit.SECONDS);
        }
      } catch (Exception e) {
        barrier.reset();
      }
    });
    retirer.start();
    for (int i = 0; i < rounds; i++) {
      Entry<String> e = new Entry<>("v", Long.MAX_VALUE);
      if ((i & 1) == 1) {
        slot.keep(e);
        slot.forget(e);
      }
      current.set(e);
      barrier.await(10, TimeUnit.SECONDS);
      slot.keep(e);
      barrier.await(10, TimeUnit.SECONDS);
      if (slot.entry() != null) {
        leftBehind.incrementAndGet();
        slot.forget(slot.entry());
      }
    }
    retirer.join();
    assertThat(leftBehind.get()).isZero();
  }

  /**
   * The slot answers a repeated hit by itself: one ticker read for its freshness, where a hit
   * through the key reads the ticker in Caffeine's lookup and again for the entry's freshness.
   */
  @Test
  void aRepeatedHit_isAnsweredFromTheSlot_withoutTheKeyLookup() {
    start(10_000);
    catalog.byId(11);
    catalog.byId(11);
    int hits = 1_600;
    long before = tickerReads.get();
    for (int i = 0; i < hits; i++) {
      assertThat(catalog.byId(11)).isEqualTo("11#1");
    }
    long reads = tickerReads.get() - before;
    assertThat(reads).as("ticker reads for %d hits", hits).isLessThan(hits + hits / 4);
  }

  /** A future or stage method answers its hits from the slot too, a cached "no value" included. */
  @Test
  void futureAndStageMethods_answerFromTheSlot_noValueIncluded() {
    start(10_000);
    for (int i = 0; i < 5; i++) {
      assertThat(await(catalog.none(4))).isNull();
      assertThat(catalog.stage(4).toCompletableFuture().join()).isEqualTo("4#1");
    }
    assertThat(impl.calls("none", 4L)).isEqualTo(1);
    assertThat(impl.calls("stage", 4L)).isEqualTo(1);
    assertThat(registry.get("bulwark.cache.gets").tags("cache", "kept.none", "result", "hit")
        .functionCounter().count()).isEqualTo(4);
  }

  /** Two decorations of one service on one manager share its entries, and both let go of them. */
  @Test
  void twoDecorations_shareEntries_andBothLetGoOfAnEvictedOne() {
    start(10_000);
    Catalog other = Caching.decorate(Catalog.class, impl, manager);
    for (int i = 0; i < 3; i++) {
      assertThat(catalog.byId(21)).isEqualTo("21#1");
      assertThat(other.byId(21)).isEqualTo("21#1");
    }
    Entry<Object> held = caffeine("kept.byId").getIfPresent(Keys.of(21L));
    await(cache("kept.byId").invalidate(Keys.of(21L)));
    assertThat(held.retired()).isTrue();
    assertThat(other.byId(21)).isEqualTo("21#2");
    assertThat(catalog.byId(21)).isEqualTo("21#2");
    assertThat(impl.calls("byId", 21L)).isEqualTo(2);
  }

  /** The slot's entry is the one the tier holds: a replaced entry is dropped from the slot. */
  @Test
  void aReplacedEntry_leavesItsSlot() {
    start(10_000);
    catalog.byId(9);
    catalog.byId(9);
    Entry<Object> held = caffeine("kept.byId").getIfPresent(Keys.of(9L));
    assertThat(held).isNotNull();
    assertThat(held.retired()).isFalse();
    @SuppressWarnings("unchecked")
    Cache<Object> ids = (Cache<Object>) cache("kept.byId");
    await(ids.put(Keys.of(9L), "new"));
    assertThat(held.retired()).isTrue();
    assertThat(catalog.byId(9)).isEqualTo("new");
  }

  /**
   * Keys read only through their slots still read as hot to Caffeine's eviction policy (a sample
   * of their hits is read from Caffeine): after a scan of keys that were each read a few times,
   * the hot keys are still cached. Were none of their slot hits seen, each would count two (its
   * load and the hit that kept it) against the scanned keys' three, and be evicted first. (The
   * scanned keys stay well under 6, from where Caffeine admits a candidate at random now and
   * then.)
   * The two hot keys are hit in turn, as one request asking for both would: a sample of every
   * 16th hit of the thread would give one of them all the reads and the other none. The cache is
   * half full before the hits: Caffeine counts no reads before that.
   */
  @Test
  void keysHitOnlyThroughTheirSlots_surviveAScanOfKeysReadLessOften() {
    start(1_000); // a window of 10 entries: both hot keys are read there, neither promoted by it
    for (long filler = 10_000; filler < 10_600; filler++) {
      catalog.byId(filler);
    }
    for (int i = 0; i < 2_000; i++) {
      assertThat(catalog.byId(1)).isEqualTo("1#1");
      assertThat(catalog.byId(2)).isEqualTo("2#1");
    }
    Cache<?> ids = cache("kept.byId");
    // 1,100 scanned keys: the 600 fillers are evicted first, then about 100 scanned keys meet a
    // hot key as the victim, each one admitted over it only if it counts more.
    for (long cold = 1_000; cold < 2_100; cold++) {
      catalog.byId(cold);
      for (int read = 0; read < 2; read++) {
        assertThat(ids.getIfPresent(Keys.of(cold))).isNotNull();
      }
    }
    caffeine("kept.byId").cleanUp();
    assertThat(catalog.byId(1)).isEqualTo("1#1");
    assertThat(catalog.byId(2)).isEqualTo("2#1");
    assertThat(impl.calls("byId", 1L)).isEqualTo(1);
    assertThat(impl.calls("byId", 2L)).isEqualTo(1);
  }

  /** Hits through the slot are hits in {@code bulwark.cache.gets}. */
  @Test
  void hitsThroughTheSlot_areCounted() {
    start(10_000);
    for (int i = 0; i < 50; i++) {
      catalog.byId(5);
    }
    assertThat(gets("hit")).isEqualTo(49);
    assertThat(gets("miss")).isEqualTo(1);
  }

  private double gets(String result) {
    return registry.get("bulwark.cache.gets").tags("cache", "kept.byId", "result", result)
        .functionCounter().count();
  }
}
