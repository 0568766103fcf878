package dev.bulwark.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a decorated object does, whichever object {@link Caching#decorate} made: the class it
 * generates for a public interface, or the JDK proxy it falls back to (here for a package-private
 * interface, and for an interface from a class loader this library cannot see). Every behaviour is
 * checked on both, so the two cannot drift apart: primitive arguments and returns of every kind,
 * generic returns, overloads, default methods, methods that pass through, exceptions, and
 * {@code equals}/{@code hashCode}/{@code toString}.
 */
class DecoratedClassTest {

  /** A generic super-interface: its method is erased to {@code Object find(String)}. */
  public interface Repo<T> {
    T find(String id);

    List<T> all();
  }

  public interface Kinds extends Repo<String> {
    @Cached(ttl = "60s")
    boolean not(boolean v);

    @Cached(ttl = "60s")
    byte negByte(byte v);

    @Cached(ttl = "60s")
    char upper(char v);

    @Cached(ttl = "60s")
    short negShort(short v);

    @Cached(ttl = "60s")
    int negInt(int v);

    @Cached(ttl = "60s")
    long negLong(long v);

    @Cached(ttl = "60s")
    float inverseFloat(float v);

    @Cached(ttl = "60s")
    double inverse(double v);

    /** Every kind at once: two-slot longs and doubles among one-slot values. */
    @Cached(ttl = "60s")
    String all(boolean z, byte b, char c, short s, int i, long j, float f, double d, String t);

    @Cached(ttl = "60s")
    String none();

    @Cached(ttl = "60s")
    List<String> tags(String id);

    @Cached(ttl = "60s")
    byte[] bytes(int n);

    @Cached(ttl = "60s")
    Future<String> later(int id);

    @Cached(ttl = "60s")
    CompletionStage<String> stage(int id);

    @Override
    @Cached(ttl = "60s")
    String find(String id);

    @Cached(ttl = "60s", cache = "byInt")
    String name(int id);

    String name(long id);

    @Cached(ttl = "60s", cache = "byText")
    String name(String id);

    /** Not cached: every call reaches the implementation. */
    int plain(int v);

    long count();

    void touch(String what);

    @Cached(ttl = "60s")
    String failing(int id) throws IOException;

    String failingPlain(int id) throws IOException;

    /** Its implementation throws a checked exception it does not declare. */
    @Cached(ttl = "60s")
    String sneaky(int id);

    String sneakyPlain(int id);

    default String greet(String who) {
      return "hello " + who;
    }

    @Cached(ttl = "60s")
    default String cachedDefault(int id) {
      return "default " + id;
    }

    @Override
    String toString();
  }

  /** The same interface, package-private: no class can be generated for it, so the proxy answers. */
  interface HiddenKinds extends Kinds {
  }

  /** Counts its calls per method name. */
  static final class Impl implements HiddenKinds {
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    volatile Throwable failure;

    int calls(String method) {
      AtomicInteger n = calls.get(method);
      return n == null ? 0 : n.get();
    }

    private int count(String method) {
      return calls.computeIfAbsent(method, k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public boolean not(boolean v) {
      count("not");
      return !v;
    }

    @Override
    public byte negByte(byte v) {
      count("negByte");
      return (byte) -v;
    }

    @Override
    public char upper(char v) {
      count("upper");
      return Character.toUpperCase(v);
    }

    @Override
    public short negShort(short v) {
      count("negShort");
      return (short) -v;
    }

    @Override
    public int negInt(int v) {
      count("negInt");
      return -v;
    }

    @Override
    public long negLong(long v) {
      count("negLong");
      return -v;
    }

    @Override
    public float inverseFloat(float v) {
      count("inverseFloat");
      return 1 / v;
    }

    @Override
    public double inverse(double v) {
      count("inverse");
      return 1 / v;
    }

    @Override
    public String all(boolean z, byte b, char c, short s, int i, long j, float f, double d, String t) {
      count("all");
      return z + "," + b + "," + c + "," + s + "," + i + "," + j + "," + f + "," + d + "," + t;
    }

    @Override
    public String none() {
      return "none#" + count("none");
    }

    @Override
    public List<String> tags(String id) {
      count("tags");
      return List.of(id, id + id);
    }

    @Override
    public byte[] bytes(int n) {
      count("bytes");
      return new byte[n];
    }

    @Override
    public Future<String> later(int id) {
      return Future.succeededFuture("later" + id + "#" + count("later"));
    }

    @Override
    public CompletionStage<String> stage(int id) {
      return java.util.concurrent.CompletableFuture.completedFuture("stage" + id + "#" + count("stage"));
    }

    @Override
    public String find(String id) {
      return "found " + id + "#" + count("find");
    }

    @Override
    public List<String> all() {
      count("all()");
      return List.of("a", "b");
    }

    @Override
    public String name(int id) {
      return "int " + id + "#" + count("name(int)");
    }

    @Override
    public String name(long id) {
      return "long " + id + "#" + count("name(long)");
    }

    @Override
    public String name(String id) {
      return "text " + id + "#" + count("name(String)");
    }

    @Override
    public int plain(int v) {
      count("plain");
      return v + 1;
    }

    @Override
    public long count() {
      return count("count");
    }

    @Override
    public void touch(String what) {
      count("touch " + what);
    }

    @Override
    public String failing(int id) throws IOException {
      count("failing");
      throw (IOException) failure;
    }

    @Override
    public String failingPlain(int id) throws IOException {
      count("failingPlain");
      throw (IOException) failure;
    }

    @Override
    public String sneaky(int id) {
      count("sneaky");
      throw this.<RuntimeException>sneak(failure);
    }

    @Override
    public String sneakyPlain(int id) {
      count("sneakyPlain");
      throw this.<RuntimeException>sneak(failure);
    }

    @Override
    public String cachedDefault(int id) {
      return "overridden " + id + "#" + count("cachedDefault");
    }

    @SuppressWarnings("unchecked")
    private <T extends Throwable> T sneak(Throwable t) throws T {
      throw (T) t;
    }

    @Override
    public String toString() {
      return "Impl@" + System.identityHashCode(this);
    }
  }

  /** How the object under test is made: its name, and decorate with the generated class or the proxy. */
  record Decoration(String name, BiFunction<Impl, CacheManager, Kinds> decorate, boolean generated) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Decoration> decorations() {
    return Stream.of(
        new Decoration("generated", (impl, m) -> Caching.decorate(Kinds.class, impl, m), true),
        new Decoration("proxy", (impl, m) -> Caching.decorate(HiddenKinds.class, impl, m), false));
  }

  private Vertx vertx;
  private CacheManager manager;
  private Impl impl;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    manager = CacheManager.create(vertx, CacheOptions.builder().build());
    impl = new Impl();
  }

  @AfterEach
  void tearDown() throws Exception {
    manager.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @MethodSource("decorations")
  void decorate_generatesAClassForAPublicInterfaceOnly(Decoration d) {
    Kinds k = d.decorate.apply(impl, manager);

    assertThat(k.getClass().isHidden()).isEqualTo(d.generated);
    assertThat(Proxy.isProxyClass(k.getClass())).isEqualTo(!d.generated);
  }

  @ParameterizedTest
  @MethodSource("decorations")
  void primitives_ofEveryKind_areCachedAndAnsweredUnboxed(Decoration d) {
    Kinds k = d.decorate.apply(impl, manager);
    for (int round = 0; round < 2; round++) {
      assertThat(k.not(true)).isFalse();
      assertThat(k.not(false)).isTrue();
      assertThat(k.negByte(Byte.MAX_VALUE)).isEqualTo((byte) -Byte.MAX_VALUE);
      assertThat(k.upper('\u00e9')).isEqualTo('\u00c9');
      assertThat(k.upper('\uffff')).isEqualTo('\uffff');
      assertThat(k.negShort((short) 300)).isEqualTo((short) -300);
      assertThat(k.negInt(Integer.MAX_VALUE)).isEqualTo(-Integer.MAX_VALUE);
      assertThat(k.negLong(Long.MAX_VALUE)).isEqualTo(-Long.MAX_VALUE);
      assertThat(k.negLong(5_000_000_000L)).isEqualTo(-5_000_000_000L);
      assertThat(k.inverseFloat(4f)).isEqualTo(0.25f);
      // 0.0 and -0.0 are distinct arguments (distinct keys): 1/v tells them apart.
      assertThat(k.inverse(0.0)).isEqualTo(Double.POSITIVE_INFINITY);
      assertThat(k.inverse(-0.0)).isEqualTo(Double.NEGATIVE_INFINITY);
      assertThat(k.inverse(Double.NaN)).isNaN();
      assertThat(k.all(true, (byte) -1, 'x', (short) 2, 3, Long.MIN_VALUE, 1.5f, -2.5, "t"))
          .isEqualTo("true,-1,x,2,3," + Long.MIN_VALUE + ",1.5,-2.5,t");
    }

    // Whether the argument went boxed or not, the entry is under the key Keys gives for it.
    String prefix = d.generated ? "Kinds." : "HiddenKinds.";
    assertThat(manager.find(prefix + "negInt").getIfPresent(Keys.of(Integer.MAX_VALUE)))
        .isEqualTo(-Integer.MAX_VALUE);
    assertThat(manager.find(prefix + "negLong").getIfPresent(Keys.of(5_000_000_000L)))
        .isEqualTo(-5_000_000_000L);
    assertThat(impl.calls("not")).isEqualTo(2);
    assertThat(impl.calls("negByte")).isEqualTo(1);
    assertThat(impl.calls("upper")).isEqualTo(2);
    assertThat(impl.calls("negShort")).isEqualTo(1);
    assertThat(impl.calls("negInt")).isEqualTo(1);
    assertThat(impl.calls("negLong")).isEqualTo(2);
    assertThat(impl.calls("inverseFloat")).isEqualTo(1);
    assertThat(impl.calls("inverse")).isEqualTo(3);
    assertThat(impl.calls("all")).isEqualTo(1);
  }

  @ParameterizedTest
  @MethodSource("decorations")
  void genericAndArrayAndAsyncReturns_areCached(Decoration d) throws Exception {
    Kinds k = d.decorate.apply(impl, manager);
    Repo<String> repo = k;

    assertThat(k.none()).isEqualTo("none#1");
    assertThat(k.none()).isEqualTo("none#1");
    assertThat(k.tags("a")).containsExactly("a", "aa");
    assertThat(k.tags("a")).containsExactly("a", "aa");
    assertThat(k.bytes(3)).hasSize(3);
    assertThat(k.bytes(3)).hasSize(3);
    assertThat(k.later(7).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("later7#1");
    assertThat(k.later(7).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("later7#1");
    assertThat(k.stage(7).toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("stage7#1");
    assertThat(k.stage(7).toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("stage7#1");
    // Through the generic super-interface's erased method, and through the override.
    assertThat(repo.find("x")).isEqualTo("found x#1");
    assertThat(k.find("x")).isEqualTo("found x#1");
    assertThat(repo.find("x")).isEqualTo("found x#1");
    assertThat(repo.all()).containsExactly("a", "b");
    assertThat(repo.all()).containsExactly("a", "b");

    assertThat(impl.calls("tags")).isEqualTo(1);
    assertThat(impl.calls("bytes")).isEqualTo(1);
    assertThat(impl.calls("all()")).isEqualTo(2);
  }

  @ParameterizedTest
  @MethodSource("decorations")
  void overloads_eachCallTheirOwnMethod(Decoration d) {
    Kinds k = d.decorate.apply(impl, manager);

    assertThat(k.name(1)).isEqualTo("int 1#1");
    assertThat(k.name(1L)).isEqualTo("long 1#1");
    assertThat(k.name("1")).isEqualTo("text 1#1");
    assertThat(k.name(1)).isEqualTo("int 1#1");
    assertThat(k.name(1L)).isEqualTo("long 1#2");
    assertThat(k.name("1")).isEqualTo("text 1#1");
    assertThat(manager.find("byInt")).isNotNull();
    assertThat(manager.find("byText")).isNotNull();
  }

  @ParameterizedTest
  @MethodSource("decorations")
  void methodsNotCached_passThroughOnEveryCall(Decoration d) {
    Kinds k = d.decorate.apply(impl, manager);

    assertThat(k.plain(1)).isEqualTo(2);
    assertThat(k.plain(1)).isEqualTo(2);
    assertThat(k.count()).isEqualTo(1);
    assertThat(k.count()).isEqualTo(2);
    k.touch("x");
    k.touch("x");

    assertThat(impl.calls("plain")).isEqualTo(2);
    assertThat(impl.calls("touch x")).isEqualTo(2);
  }

  @ParameterizedTest
  @MethodSource("decorations")
  void defaultMethods_callTheImplementations(Decoration d) {
    Kinds k = d.decorate.apply(impl, manager);

    assertThat(k.greet("ann")).isEqualTo("hello ann");
    assertThat(k.cachedDefault(4)).isEqualTo("overridden 4#1");
    assertThat(k.cachedDefault(4)).isEqualTo("overridden 4#1");
  }

  @ParameterizedTest
  @MethodSource("decorations")
  void exceptions_comeOutAsThrown_andUndeclaredCheckedOnesWrapped(Decoration d) {
    Kinds k = d.decorate.apply(impl, manager);

    IOException io = new IOException("disk");
    impl.failure = io;
    assertThatThrownBy(() -> k.failing(1)).isSameAs(io);
    assertThatThrownBy(() -> k.failing(1)).isSameAs(io);
    assertThatThrownBy(() -> k.failingPlain(1)).isSameAs(io);
    assertThat(impl.calls("failing")).as("a failure is not cached").isEqualTo(2);

    IllegalStateException unchecked = new IllegalStateException("down");
    impl.failure = unchecked;
    assertThatThrownBy(() -> k.sneaky(1)).isSameAs(unchecked);
    assertThatThrownBy(() -> k.sneakyPlain(1)).isSameAs(unchecked);
    AssertionError error = new AssertionError("broken");
    impl.failure = error;
    assertThatThrownBy(() -> k.sneaky(1)).isSameAs(error);
    assertThatThrownBy(() -> k.sneakyPlain(1)).isSameAs(error);

    Exception checked = new Exception("undeclared");
    impl.failure = checked;
    assertThatThrownBy(() -> k.sneaky(1)).isInstanceOf(UndeclaredThrowableException.class).hasCause(checked);
    assertThatThrownBy(() -> k.sneakyPlain(1)).isInstanceOf(UndeclaredThrowableException.class)
        .hasCause(checked);
  }

  @ParameterizedTest
  @MethodSource("decorations")
  void objectMethods_areIdentityAndDescribeTheImplementation(Decoration d) {
    Kinds k = d.decorate.apply(impl, manager);
    Kinds other = d.decorate.apply(impl, manager);

    assertThat(k.equals(k)).isTrue();
    assertThat(k.equals(other)).isFalse();
    assertThat(k.equals(impl)).isFalse();
    assertThat(k.equals(null)).isFalse();
    assertThat(k.hashCode()).isEqualTo(System.identityHashCode(k));
    assertThat(k.toString()).isEqualTo("Caching proxy for " + impl);
  }

  @Test
  void decorate_twice_sharesTheClassButNotTheInvokers() {
    Impl second = new Impl();
    CacheManager otherManager = CacheManager.create(vertx, CacheOptions.builder().build());
    try {
      Kinds a = Caching.decorate(Kinds.class, impl, manager);
      Kinds b = Caching.decorate(Kinds.class, second, otherManager);

      assertThat(a.getClass()).isSameAs(b.getClass());
      assertThat(a.none()).isEqualTo("none#1");
      assertThat(b.none()).isEqualTo("none#1");
      assertThat(a.none()).isEqualTo("none#1");
      assertThat(impl.calls("none")).isEqualTo(1);
      assertThat(second.calls("none")).isEqualTo(1);
    } finally {
      otherManager.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  @Test
  void interfaceFromALoaderThisLibraryCannotSee_isServedByTheProxy() throws Exception {
    ClassLoader own = new ChildFirst(Greeter.class.getName(), getClass().getClassLoader());
    Class<?> foreign = own.loadClass(Greeter.class.getName());
    assertThat(foreign).isNotSameAs(Greeter.class);
    AtomicInteger calls = new AtomicInteger();
    Object foreignImpl = Proxy.newProxyInstance(own, new Class<?>[] {foreign},
        (proxy, m, args) -> m.getName().equals("greet") ? "hi " + args[0] + "#" + calls.incrementAndGet() : null);

    Object decorated = decorateUnchecked(foreign, foreignImpl);
    Method greet = foreign.getMethod("greet", String.class);

    assertThat(Proxy.isProxyClass(decorated.getClass())).isTrue();
    assertThat(greet.invoke(decorated, "bo")).isEqualTo("hi bo#1");
    assertThat(greet.invoke(decorated, "bo")).isEqualTo("hi bo#1");
  }

  @SuppressWarnings("unchecked")
  private <S> Object decorateUnchecked(Class<?> service, Object impl) {
    return Caching.decorate((Class<S>) service, (S) impl, manager);
  }

  /** Defines one class itself, from the same bytes; delegates every other to its parent. */
  private static final class ChildFirst extends ClassLoader {
    private final String name;

    ChildFirst(String name, ClassLoader parent) {
      super(parent);
      this.name = name;
    }

    @Override
    protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
      if (!n.equals(name)) {
        return super.loadClass(n, resolve);
      }
      synchronized (getClassLoadingLock(n)) {
        Class<?> c = findLoadedClass(n);
        if (c == null) {
          try (InputStream in = getParent().getResourceAsStream(n.replace('.', '/') + ".class")) {
            byte[] bytes = in.readAllBytes();
            c = defineClass(n, bytes, 0, bytes.length);
          } catch (IOException e) {
            throw new ClassNotFoundException(n, e);
          }
        }
        return c;
      }
    }
  }
}
