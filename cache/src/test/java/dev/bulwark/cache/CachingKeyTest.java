package dev.bulwark.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The keys a decorated method's hit path builds, whatever shortcut it takes for its shape (no
 * argument, one argument of a value type, one of another type, several): every entry sits under
 * the key {@link Keys} gives for the arguments, so the {@link Cache} API and {@link CacheEvict}
 * find it, and remembered keys never answer for an argument they were not made from.
 */
class CachingKeyTest {

  enum Color { RED, GREEN }

  public interface Shapes {
    @Cached(ttl = "60s")
    String none();

    @Cached(ttl = "60s")
    String byLong(long id);

    @Cached(ttl = "60s")
    String byString(String s);

    @Cached(ttl = "60s")
    String byUuid(UUID u);

    @Cached(ttl = "60s")
    String byColor(Color c);

    @Cached(ttl = "60s")
    String byList(List<String> l);

    @Cached(ttl = "60s")
    String byObject(Object o);

    @Cached(ttl = "60s", key = "1")
    String bySecond(String ignored, Integer id);

    @Cached(ttl = "60s")
    String byBoth(int a, String b);
  }

  /** Answers every method with its name and arguments, and counts its calls per method. */
  static final class Impl implements java.lang.reflect.InvocationHandler {
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    @Override
    public Object invoke(Object proxy, java.lang.reflect.Method m, Object[] args) {
      calls.computeIfAbsent(m.getName(), n -> new AtomicInteger()).incrementAndGet();
      return m.getName() + java.util.Arrays.deepToString(args == null ? new Object[0] : args);
    }

    int calls(String method) {
      AtomicInteger n = calls.get(method);
      return n == null ? 0 : n.get();
    }

    Shapes service() {
      return (Shapes) java.lang.reflect.Proxy.newProxyInstance(Shapes.class.getClassLoader(),
          new Class<?>[] {Shapes.class}, this);
    }
  }

  private Vertx vertx;
  private CacheManager manager;
  private Impl impl;
  private Shapes shapes;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    manager = CacheManager.create(vertx, CacheOptions.builder().build());
    impl = new Impl();
    shapes = Caching.decorate(Shapes.class, impl.service(), manager);
  }

  @AfterEach
  void tearDown() throws Exception {
    manager.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  /** A call of one shape: the method's name, the call, the key its arguments must have. */
  record Shape(String method, Function<Shapes, String> call, String key) {
    @Override
    public String toString() {
      return method;
    }
  }

  static Stream<Arguments> shapes() {
    UUID u = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
    return Stream.of(
        new Shape("none", Shapes::none, Keys.encode()),
        new Shape("byLong", s -> s.byLong(-42L), Keys.of(-42L)),
        new Shape("byString", s -> s.byString("a:b"), Keys.of("a:b")),
        new Shape("byUuid", s -> s.byUuid(u), Keys.of(u)),
        new Shape("byColor", s -> s.byColor(Color.GREEN), Keys.of(Color.GREEN)),
        new Shape("byList", s -> s.byList(List.of("x", "y")), Keys.of(List.of("x", "y"))),
        new Shape("byObject", s -> s.byObject(7), Keys.of(7)),
        new Shape("bySecond", s -> s.bySecond("ignored", 5), Keys.of(5)),
        new Shape("byBoth", s -> s.byBoth(1, "b"), Keys.encode(1, "b")))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void everyShape_storesItsEntryUnderTheKeysKey_andIsEvictedByIt(Shape shape) throws Exception {
    String first = shape.call().apply(shapes);
    assertThat(shape.call().apply(shapes)).isEqualTo(first);
    assertThat(impl.calls(shape.method())).isEqualTo(1);

    Cache<?> cache = manager.find("Shapes." + shape.method());
    assertThat(cache.find(shape.key()).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS))
        .isEqualTo(first);
    cache.invalidate(shape.key()).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(shape.call().apply(shapes)).isEqualTo(first);
    assertThat(impl.calls(shape.method())).isEqualTo(2);
  }

  @Test
  void argumentsSharingARememberedSlot_eachGetTheirOwnEntry() {
    // Long.hashCode folds the halves: these four all hash to 0, so they share a remembered slot
    // whatever the memo makes of the hash; alternate between them.
    for (int round = 0; round < 3; round++) {
      for (long id : new long[] {0, -1, 0x1_0000_0001L, 0x2_0000_0002L}) {
        assertThat(shapes.byLong(id)).isEqualTo("byLong[" + id + "]");
      }
    }
    assertThat(impl.calls("byLong")).isEqualTo(4);
  }

  @Test
  void aMutableArgumentChangedBetweenCalls_isKeyedByItsNewContent() {
    List<String> list = new ArrayList<>(List.of("a"));
    assertThat(shapes.byList(list)).isEqualTo("byList[[a]]");
    list.add("b");
    assertThat(shapes.byList(list)).isEqualTo("byList[[a, b]]");
    assertThat(impl.calls("byList")).isEqualTo(2);
  }

  @Test
  void aLongStringArgument_isHashedAndStillCached() {
    String big = "x".repeat(10_000);
    assertThat(shapes.byString(big)).isEqualTo("byString[" + big + "]");
    assertThat(shapes.byString(big + "y")).isEqualTo("byString[" + big + "y]");
    assertThat(shapes.byString(big)).isEqualTo("byString[" + big + "]");
    assertThat(impl.calls("byString")).isEqualTo(2);
    assertThat(Keys.of(big)).startsWith("#");
  }
}
