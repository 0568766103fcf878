package dev.bulwark.benchmarks.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.bulwark.cache.CacheManager;
import dev.bulwark.cache.CacheOptions;
import dev.bulwark.cache.Cached;
import dev.bulwark.cache.Caching;
import dev.bulwark.core.CoarseTicker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * What does a cache hit through {@code Caching.decorate} cost, against the same lookup done by
 * hand? 1,000 warm keys, one lookup per operation, on the local tier.
 *
 * <ul>
 *   <li>{@code bulwark}: a {@code @Cached} method of a decorated interface (the method of the class
 *       {@code Caching.decorate} generated, which boxes the {@code long} and passes it to the
 *       method's invoker; the key remembered for the argument, one Caffeine lookup, the freshness
 *       check, the hit count);
 *   <li>{@code caffeine}: raw Caffeine {@code getIfPresent} with a {@code Long} key;
 *   <li>{@code caffeineCoarse}: raw Caffeine with the millisecond ticker Bulwark uses, to show
 *       where the difference to {@code caffeine} comes from (a {@code System.nanoTime()} per read);
 *   <li>{@code chm}: a hand-written {@code ConcurrentHashMap} memo;
 *   <li>{@code spring}: the same method behind Spring's {@code @Cacheable} with Spring's
 *       {@code CaffeineCacheManager} (see {@link SpringCatalog}).
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar CacheHit -f 1 -wi 3 -i 5 -prof gc}.
 * Lower ns/op is better; {@code gc.alloc.rate.norm} is the bytes allocated per hit. The goal is
 * {@code bulwark} within 1.5x of {@code caffeineCoarse} (the same lookup with the same ticker) and
 * at most 32 B/op. Every impl allocates the boxed {@code Long} key (about 14 B/op: ids above 127
 * are not in the box cache; 20.9 B/op in all); {@code bulwark} allocates nothing more, since the
 * generated class passes a one-argument method's argument without an array and the remembered key
 * is the one the local tier holds. An early iteration with more is code not yet compiled by C2: on
 * a loaded machine, warm up longer. On a shared machine, compare CPU
 * time per operation ({@code -prof perfnorm}, or {@code benchmarks/load/jmh-interleave.sh}),
 * which the other load disturbs less than ns/op.
 *
 * <p>Where {@code bulwark}'s extra time goes (issue 13; JFR samples and removal experiments on a
 * machine at load 15-27, so indicative only): the uncontended compare-and-swap of the hit count
 * ({@code LongAdder}) is the largest single part, about a fifth of a hit (removing the count took
 * the ratio from 1.90 to 1.54 in one A/B run); the rest is the proxy (boxing into the argument
 * array, {@code InvocationHandler} dispatch, the {@code Method} match), the remembered key and the
 * second ticker read of the freshness check. A thread-local cell per counting thread instead of
 * the {@code LongAdder} was no faster (2.09x against 1.94x: the {@code ThreadLocal} lookup costs
 * what the CAS does), so it was not kept. Matching the {@code Method} in a small array instead of
 * an {@code IdentityHashMap}: 1.84x and 1.94x against 2.15-2.33x before, in two of three A/B runs
 * (in the third, 1.90x against 1.81x). Those A/B runs load both jars into one JVM, each in its own
 * class loader, alternate 1.5-2M-hit slices and compare the thread's CPU time per hit (medians of
 * 11-15 slices); allocation is 20.9 B/op for {@code bulwark} and {@code caffeineCoarse} alike.
 *
 * <p>Since then the proxy is gone from the hit path: {@code Caching.decorate} generates a class
 * whose {@code name(long)} calls the method's invoker directly (no {@code InvocationHandler}, no
 * {@code Method} match, no argument array). CPU-ns per op from {@code jmh-interleave.sh}, the
 * proxy's jar and the generated class's interleaved: at load 1-1.4, 3 rounds, 33, 32, 33 against
 * Caffeine's 21, 19, 20 (1.57-1.68x) with the proxy and 29, 29, 29 against 20, 20, 20 (1.45x) with
 * the generated class; at load 3-6, 4 rounds, 1.57-1.86x and 1.36-1.50x. Merged with the traced
 * local hit ({@code freshLocal}), at load 1.2-3.3, 3 rounds: 33, 34, 34 against 20, 20, 20
 * (1.65-1.70x) with the proxy, 29, 29, 29 against 20, 20, 24 (1.21-1.45x) with the generated class;
 * 20.9 B/op for both impls. Passing an {@code int} or {@code long} argument unboxed (a memo of
 * unboxed pairs, {@code invokeLong}) took allocation from 20.9 to 0 B/op but made the hit slower
 * (30, 31, 35 against the boxed 29, 29, 29 in the same quiet run), so the argument is boxed.
 *
 * <p>Since then the hit count is a {@code HitCount}: a cell per counting thread, found by the
 * thread's id (no {@code ThreadLocal}) and added to with a plain store, 1.7-2.5 ns an add in a
 * tight loop against the {@code LongAdder}'s 13-15 ns on a 2-core VM. On such a machine the speed
 * of a core moves by up to 2x from one second to the next, which separate runs of the two impls
 * cannot tell from a difference between them: {@link LocalHitPairBenchmark} times both in
 * alternating batches of the same invocation and reports their ratio per iteration.
 *
 * <p>Since then a remembered key's slot keeps the entry its last hit found, and the next hit of
 * the same argument is answered from it without looking the key up (ARCHITECTURE.md, the cache
 * hit): where Bulwark's hit spent a fifth of its samples finding the key in its slot and then did
 * Caffeine's whole lookup, it now touches the slot and the entry only. Here every hit after the
 * first of each key is such a hit (1,000 keys, 1,024 slots, no two sharing one).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CacheHitBenchmark {

  /** The decorated service. */
  public interface Catalog {
    @Cached(ttl = "10m")
    String name(long id);
  }

  static final int KEYS = 1000;

  @Param({"bulwark", "caffeine", "caffeineCoarse", "chm", "spring"})
  public String impl;

  private Vertx vertx;
  private CacheManager manager;
  private Catalog catalog;
  private Cache<Long, String> caffeine;
  private CoarseTicker coarse;
  private Cache<Long, String> caffeineCoarse;
  private AnnotationConfigApplicationContext spring;
  private SpringCatalog springCatalog;
  private ConcurrentHashMap<Long, String> memo;
  private long next;

  @Setup(Level.Trial)
  public void setUp() {
    vertx = Vertx.vertx();
    manager = CacheManager.create(vertx, CacheOptions.builder().meterRegistry(new SimpleMeterRegistry()).build());
    catalog = Caching.decorate(Catalog.class, id -> "Product " + id, manager);
    caffeine = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(10, TimeUnit.MINUTES).build();
    coarse = CoarseTicker.acquire();
    caffeineCoarse = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(10, TimeUnit.MINUTES)
        .ticker(coarse::read).build();
    spring = SpringCatalog.start();
    springCatalog = spring.getBean(SpringCatalog.class);
    memo = new ConcurrentHashMap<>();
    for (long id = 0; id < KEYS; id++) {
      catalog.name(id);
      springCatalog.name(id);
      caffeine.put(id, "Product " + id);
      caffeineCoarse.put(id, "Product " + id);
      memo.put(id, "Product " + id);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    spring.close();
    coarse.close();
    manager.close().await();
    vertx.close().await();
  }

  @Benchmark
  public String hit() {
    long id = next++ % KEYS;
    switch (impl) {
      case "bulwark":
        return catalog.name(id);
      case "caffeine":
        return caffeine.getIfPresent(id);
      case "caffeineCoarse":
        return caffeineCoarse.getIfPresent(id);
      case "spring":
        return springCatalog.name(id);
      default:
        return memo.computeIfAbsent(id, k -> "Product " + k);
    }
  }
}
