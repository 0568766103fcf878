package dev.bulwark.cache.impl;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.cache.Cache;
import dev.bulwark.cache.CacheEvict;
import dev.bulwark.cache.CacheManager;
import dev.bulwark.cache.CachePolicy;
import dev.bulwark.cache.Cached;
import dev.bulwark.cache.Codec;
import dev.bulwark.cache.Codecs;
import dev.bulwark.cache.Keys;
import dev.bulwark.core.Durations;
import dev.bulwark.core.internal.TraceSpan;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The invokers behind {@code Caching.decorate}, one per {@link Cached} or {@link CacheEvict}
 * method: every annotation is read, every duration parsed and every cache created in the
 * constructor. {@link CachingProxies} makes the object that calls them: a generated class that
 * calls each method's invoker directly, or, where no class can be generated for the interface,
 * a {@link java.lang.reflect.Proxy} with this as its handler, whose {@link #invoke} looks the
 * method up by identity first. Either way a hit encodes the key (or reuses a remembered one) and
 * makes one local lookup; a method of one {@code long} or {@code int} parameter called through the
 * generated class does so without boxing it. Thread-safe.
 */
public final class CachingHandler implements InvocationHandler {

  private enum Kind { PLAIN, FUTURE, STAGE }

  /** A cached method's "not in the local tier" (null is a value: a cached "no value"). */
  private static final Object MISS = new Object();

  /** Methods matched by a scan of {@code seen}: the first few called (usually the hot ones). */
  static final int SCANNED = 8;

  private final Object impl;
  private final Map<Method, Invoker> invokers;
  /**
   * The first {@link #SCANNED} Method instances the proxy passed, with their invokers, alternating
   * ({@code [m0, inv0, m1, inv1, ...]}) and matched by identity in the order they were first
   * called: no hash and no {@code Method.equals} on the hot path. Copy on write.
   */
  private volatile Object[] seen = new Object[0];
  /** The Method instances seen after the first {@link #SCANNED}, by identity; copy on write, bounded. */
  private volatile IdentityHashMap<Method, Invoker> more = new IdentityHashMap<>();

  public CachingHandler(Class<?> service, Object impl, CacheManager manager, ObjectMapper mapper) {
    this.impl = impl;
    Map<Method, Invoker> map = new HashMap<>();
    List<Method> evicts = new ArrayList<>();
    for (Method m : service.getMethods()) {
      Cached cached = m.getAnnotation(Cached.class);
      if (cached != null) {
        map.put(m, cachedInvoker(service, m, cached, manager, mapper));
      } else if (m.isAnnotationPresent(CacheEvict.class)) {
        evicts.add(m);
      }
    }
    for (Method m : evicts) {
      CacheEvict ev = m.getAnnotation(CacheEvict.class);
      Cache<?> cache = manager.find(ev.cache());
      if (cache == null) {
        throw new IllegalStateException("@CacheEvict on " + describe(m) + " names cache '" + ev.cache()
            + "', but no @Cached method or earlier call created it");
      }
      map.put(m, new EvictInvoker(m, kind(m), cache, ev.allEntries(), keyIndexes(m, ev.key())));
    }
    this.invokers = map;
  }

  /** The implementation the decorated object calls. */
  Object impl() {
    return impl;
  }

  /**
   * The invoker of {@code method} (one of the service's {@code getMethods()}), or null for a
   * method that is neither {@link Cached} nor {@link CacheEvict}: it passes through.
   */
  Invoker invoker(Method method) {
    return invokers.get(method);
  }

  /** What a decorated object's {@code toString()} answers. */
  static String describeProxy(Object impl) {
    return "Caching proxy for " + impl;
  }

  /**
   * The proxy's entry. Kept small so that the compiler inlines it, and the cached method's hit
   * path, into the proxy's method; and {@code args}, the array the proxy made for this call, is
   * only read there: whatever keeps it (a first call, a pass-through, a miss, an eviction) gets a
   * copy. So on a hit the array does not escape the compiled call and need not be allocated.
   */
  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    // The proxy class passes the same Method instances on every call, but not the ones
    // getMethods() returned: match them by identity (no Method.equals) once seen.
    Object[] s = seen;
    Invoker inv = scan(s, method);
    if (inv == null && s.length == 2 * SCANNED) {
      inv = more.get(method);
    }
    return inv != null ? inv.invoke(args) : unseen(proxy, method, copy(args));
  }

  /** The invoker {@code s} (a {@link #seen} array) pairs with {@code method}, or null. */
  private static Invoker scan(Object[] s, Method method) {
    for (int i = 0; i < s.length; i += 2) {
      if (s[i] == method) {
        return (Invoker) s[i + 1];
      }
    }
    return null;
  }

  /** A method not looked up yet by this identity, a pass-through method, or one of Object's. */
  private Object unseen(Object proxy, Method method, Object[] args) throws Throwable {
    Invoker inv = invokers.get(method);
    if (inv != null) {
      remember(method, inv);
      return inv.invoke(args);
    }
    if (method.getDeclaringClass() == Object.class) {
      switch (method.getName()) {
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        default:
          return describeProxy(impl);
      }
    }
    return call(method, args);
  }

  private void remember(Method method, Invoker inv) {
    synchronized (invokers) {
      Object[] s = seen;
      if (scan(s, method) != null) {
        return;
      }
      if (s.length < 2 * SCANNED) {
        Object[] copy = java.util.Arrays.copyOf(s, s.length + 2);
        copy[s.length] = method;
        copy[s.length + 1] = inv;
        seen = copy;
      } else if (SCANNED + more.size() < 4 * invokers.size()) {
        IdentityHashMap<Method, Invoker> copy = new IdentityHashMap<>(more);
        copy.put(method, inv);
        more = copy;
      }
    }
  }

  private Object call(Method m, Object[] args) throws Throwable {
    try {
      return m.invoke(impl, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private Invoker cachedInvoker(Class<?> service, Method m, Cached c, CacheManager manager,
      ObjectMapper mapper) {
    String where = describe(m);
    CachePolicy policy = CachePolicy.ttl(Durations.parse("@Cached(ttl) on " + where, c.ttl()))
        .withStaleWhileRevalidate(Durations.parse("@Cached(staleWhileRevalidate) on " + where,
            c.staleWhileRevalidate()))
        .withStaleIfError(Durations.parse("@Cached(staleIfError) on " + where, c.staleIfError()));
    if (c.tier().length > 1) {
      throw new IllegalArgumentException("@Cached(tier) on " + where + " must name at most one tier, but was "
          + java.util.Arrays.toString(c.tier()));
    }
    if (c.tier().length == 1) {
      policy = policy.withTier(c.tier()[0]);
    }
    String name = c.cache().isEmpty() ? service.getSimpleName() + "." + m.getName() : c.cache();
    Kind kind = kind(m);
    Type valueType = kind == Kind.PLAIN ? m.getGenericReturnType() : typeArgument(m);
    Codec<Object> codec = codec(mapper, valueType);
    Cache<Object> cache = manager.cache(name, policy, codec);
    if (!(cache instanceof DefaultCache)) {
      throw new IllegalArgumentException("@Cached on " + where + " needs a CacheManager made by"
          + " CacheManager.create, but its caches are " + cache.getClass().getName());
    }
    return new CachedInvoker(m, kind, (DefaultCache<Object>) cache, keyIndexes(m, c.key()),
        manager.options().maxLeaderWait().toNanos());
  }

  @SuppressWarnings("unchecked")
  private static Codec<Object> codec(ObjectMapper mapper, Type type) {
    if (type == byte[].class) {
      return (Codec<Object>) (Codec<?>) Codecs.bytes();
    }
    return Codecs.json(mapper, mapper.getTypeFactory().constructType(type));
  }

  private static Kind kind(Method m) {
    Class<?> r = m.getReturnType();
    if (r == Future.class) {
      return Kind.FUTURE;
    }
    if (r == CompletionStage.class || r == CompletableFuture.class) {
      return Kind.STAGE;
    }
    return Kind.PLAIN;
  }

  private static Type typeArgument(Method m) {
    Type t = m.getGenericReturnType();
    if (t instanceof ParameterizedType) {
      return ((ParameterizedType) t).getActualTypeArguments()[0];
    }
    throw new IllegalArgumentException("@Cached on " + describe(m) + " must declare the value type, as in "
        + "Future<User>, but was " + t);
  }

  /** Null means all parameters. */
  private static int[] keyIndexes(Method m, String[] names) {
    if (names.length == 0) {
      return null;
    }
    Parameter[] params = m.getParameters();
    int[] idx = new int[names.length];
    outer:
    for (int i = 0; i < names.length; i++) {
      for (int p = 0; p < params.length; p++) {
        if (params[p].getName().equals(names[i]) || String.valueOf(p).equals(names[i])) {
          idx[i] = p;
          continue outer;
        }
      }
      throw new IllegalArgumentException("key parameter '" + names[i] + "' of " + describe(m)
          + " must be a parameter name or index, but the parameters are "
          + java.util.Arrays.toString(params));
    }
    return idx;
  }

  private static String key(int[] idx, Object[] args) {
    if (idx == null) {
      if (args == null) {
        return Keys.encode();
      }
      return args.length == 1 ? Keys.of(args[0]) : Keys.encode(args);
    }
    if (idx.length == 1) {
      return Keys.of(args[idx[0]]);
    }
    Object[] sel = new Object[idx.length];
    for (int i = 0; i < idx.length; i++) {
      sel[i] = args[idx[i]];
    }
    return Keys.encode(sel);
  }

  /** A copy of the proxy's argument array, for a path that keeps it (see {@link #invoke}). */
  private static Object[] copy(Object[] args) {
    return args == null ? null : args.clone();
  }

  private static String describe(Method m) {
    return m.getDeclaringClass().getSimpleName() + "." + m.getName();
  }

  /**
   * What a decorated method does. The generated class calls {@link #invoke0} for a method of no
   * parameter, {@link #invokeLong} and {@link #invokeInt} for one of a single {@code long} or
   * {@code int} parameter (not boxed), {@link #invoke1} for one of another single parameter (boxed
   * if primitive; no argument array) and {@link #invoke} for the others; the JDK proxy always calls
   * {@link #invoke}, with its own array (null for no parameter), which an invoker only reads on a
   * hit (see {@link CachingHandler#invoke}). Each shortcut's default makes the call the next more
   * general one would get, so an invoker overrides only those it can do better.
   */
  abstract static class Invoker {
    abstract Object invoke(Object[] args) throws Throwable;

    Object invoke0() throws Throwable {
      return invoke(null);
    }

    Object invoke1(Object arg) throws Throwable {
      return invoke(new Object[] {arg});
    }

    Object invokeLong(long arg) throws Throwable {
      return invoke1(arg);
    }

    Object invokeInt(int arg) throws Throwable {
      return invoke1(arg);
    }
  }

  /**
   * A cached method. Futures and stages go through {@link Cache#get}; a plain method called off
   * an event loop through {@link Cache#getBlocking}; both have the cache's single flight. A plain
   * method called on an event loop cannot wait for a future (that would block the very loop that
   * completes it), so it has its own single flight, {@code flights}: the first caller of a key runs
   * the method on its loop and stores the result; one on another loop meanwhile waits for that
   * result (a blocked loop, but for no longer than running the method itself would take, and at
   * most {@code maxLeaderWait}, after which it runs the method itself), and a caller on the
   * leader's own thread (a re-entrant call) runs it directly. On this path only the local tier is
   * read: Redis cannot be waited for on an event loop.
   */
  private final class CachedInvoker extends Invoker {
    private final Method method;
    private final Kind kind;
    private final DefaultCache<Object> cache;
    private final int[] keyIdx;
    /** The key of a method keyed on no argument, or null. */
    private final String constantKey;
    /** The index of the one argument a key is made of, or -1. */
    private final int keyArg;
    /** Remembered keys for {@code keyArg}, when its type allows and it is not a long or int; else null. */
    private final KeyMemo memo;
    /** Remembered keys for {@code keyArg} when it is a {@code long} or {@code int}; else null. */
    private final KeyMemo.OfLong longMemo;
    private final long maxWaitNanos;
    private final Map<String, Flight> flights = new java.util.concurrent.ConcurrentHashMap<>();

    CachedInvoker(Method method, Kind kind, DefaultCache<Object> cache, int[] keyIdx, long maxWaitNanos) {
      this.method = method;
      this.kind = kind;
      this.cache = cache;
      this.keyIdx = keyIdx;
      this.maxWaitNanos = maxWaitNanos;
      int keyed = keyIdx == null ? method.getParameterCount() : keyIdx.length;
      this.constantKey = keyed == 0 ? Keys.encode() : null;
      this.keyArg = keyed != 1 ? -1 : keyIdx == null ? 0 : keyIdx[0];
      Class<?> keyType = keyArg < 0 ? null : method.getParameterTypes()[keyArg];
      this.longMemo = keyType == null ? null : KeyMemo.OfLong.forType(keyType);
      this.memo = keyType == null || longMemo != null ? null : KeyMemo.forType(keyType);
    }

    /** The hit path only reads {@code args}; a miss works on a copy (see CachingHandler#invoke). */
    @Override
    Object invoke(Object[] args) throws Throwable {
      KeyMemo.Remembered slot = keyArg >= 0 ? remembered(args[keyArg]) : null;
      String key = slot != null ? slot.key : key(args);
      Object hit = hit(slot, key);
      return hit != MISS ? hit : miss(key, copy(args));
    }

    @Override
    Object invoke0() throws Throwable {
      if (constantKey == null) {
        return invoke(null);
      }
      Object hit = hit(null, constantKey);
      return hit != MISS ? hit : miss(constantKey, null);
    }

    /** A method of one parameter, called by the generated class: no argument array on a hit. */
    @Override
    Object invoke1(Object arg) throws Throwable {
      if (keyArg != 0) {
        return invoke(new Object[] {arg});
      }
      KeyMemo.Remembered slot = remembered(arg);
      String key = slot != null ? slot.key : Keys.of(arg);
      Object hit = hit(slot, key);
      return hit != MISS ? hit : miss(key, new Object[] {arg});
    }

    /** A method of one {@code long} parameter, called by the generated class: see {@link #keyed(long)}. */
    @Override
    Object invokeLong(long arg) throws Throwable {
      return keyArg == 0 ? keyed(arg) : invoke1(arg);
    }

    /** A method of one {@code int} parameter, called by the generated class: see {@link #keyed(long)}. */
    @Override
    Object invokeInt(int arg) throws Throwable {
      return keyArg == 0 ? keyed(arg) : invoke1(arg);
    }

    /**
     * The call of a method whose one {@code long} or {@code int} parameter is its key: a hit
     * neither boxes it nor makes an array; a miss boxes it then.
     */
    private Object keyed(long arg) throws Throwable {
      KeyMemo.Remembered slot = longMemo.remembered(arg);
      Object hit = hit(slot, slot.key);
      return hit != MISS ? hit : miss(slot.key, new Object[] {longMemo.box(arg)});
    }

    /**
     * What the method answers from the local tier for {@code key}, or {@link #MISS}: through the
     * entry {@code slot} kept, when a slot remembers the key (see {@link KeyMemo.Remembered}). A
     * "no value" entry answers null, or a future of null.
     */
    private Object hit(KeyMemo.Remembered slot, String key) {
      Entry<Object> e = slot != null ? cache.freshLocal(slot) : cache.freshLocal(key);
      if (e == null) {
        return MISS;
      }
      return kind == Kind.PLAIN ? e.value
          : kind == Kind.FUTURE ? Future.succeededFuture(e.value) : CompletableFuture.completedFuture(e.value);
    }

    /** The slot remembering the key of the argument {@code keyArg}, {@code a}, or null when none does. */
    private KeyMemo.Remembered remembered(Object a) {
      if (longMemo != null) {
        return longMemo.remembered(((Number) a).longValue());
      }
      return memo != null ? memo.remembered(a) : null;
    }

    private Object miss(String key, Object[] args) throws Throwable {
      return kind == Kind.PLAIN ? plain(key, args) : load(key, args);
    }

    /** The key, with what the method's shape allows decided at bind time. */
    private String key(Object[] args) {
      if (constantKey != null) {
        return constantKey;
      }
      if (keyArg >= 0) {
        return Keys.of(args[keyArg]); // an argument no slot remembers (see #remembered)
      }
      return CachingHandler.key(keyIdx, copy(args));
    }

    @SuppressWarnings("unchecked")
    private Object load(String key, Object[] args) {
      if (kind == Kind.FUTURE) {
        return cache.get(key, () -> {
          try {
            return (Future<Object>) call(method, args);
          } catch (Throwable t) {
            return Future.failedFuture(t);
          }
        });
      }
      return cache.get(key, () -> {
        try {
          return Future.fromCompletionStage((CompletionStage<Object>) call(method, args));
        } catch (Throwable t) {
          return Future.failedFuture(t);
        }
      }).toCompletionStage();
    }

    /** A plain method's miss: the local tier had no fresh entry. */
    private Object plain(String key, Object[] args) throws Throwable {
      if (!Context.isOnEventLoopThread()) {
        return cache.getBlocking(key, () -> {
          try {
            return method.invoke(impl, args);
          } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception) {
              throw (Exception) c;
            }
            throw (Error) c;
          }
        });
      }
      TraceSpan span = cache.missed();
      try {
        Object v = plainOnLoop(key, args);
        CacheTracing.loaded(span, null);
        return v;
      } catch (Throwable t) {
        CacheTracing.loaded(span, t);
        throw t;
      }
    }

    /** A plain method's miss on an event loop: one load per key at a time, as {@code get}'s. */
    private Object plainOnLoop(String key, Object[] args) throws Throwable {
      Flight mine = new Flight(Thread.currentThread());
      Flight running = flights.putIfAbsent(key, mine);
      if (running == null) {
        try {
          // A leader that finished between the lookup above and the claim has stored its value
          // (not counted again: this call's miss is counted already).
          Entry<Object> stored = cache.fresh(key);
          Object v = stored != null ? stored.value : callAndStore(key, args);
          mine.result.complete(v);
          return v;
        } catch (Throwable t) {
          mine.result.completeExceptionally(t);
          throw t;
        } finally {
          flights.remove(key, mine);
        }
      }
      if (running.leader == Thread.currentThread()) {
        return callAndStore(key, args);
      }
      try {
        return running.result.get(maxWaitNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        throw e.getCause();
      } catch (java.util.concurrent.TimeoutException e) {
        return callAndStore(key, args);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for another call of "
            + describe(method) + " to load the same key", e);
      }
    }

    /** Runs the method; stores its result, a null as "no value" (no Redis delete, no storm). */
    private Object callAndStore(String key, Object[] args) throws Throwable {
      Object v = call(method, args);
      cache.store(key, v);
      return v;
    }
  }

  /** A plain method's load on an event loop: who runs it, and its outcome. */
  private static final class Flight {
    final Thread leader;
    final CompletableFuture<Object> result = new CompletableFuture<>();

    Flight(Thread leader) {
      this.leader = leader;
    }
  }

  private final class EvictInvoker extends Invoker {
    private final Method method;
    private final Kind kind;
    private final Cache<?> cache;
    private final boolean allEntries;
    private final int[] keyIdx;

    EvictInvoker(Method method, Kind kind, Cache<?> cache, boolean allEntries, int[] keyIdx) {
      this.method = method;
      this.kind = kind;
      this.cache = cache;
      this.allEntries = allEntries;
      this.keyIdx = keyIdx;
    }

    private Future<Void> evict(Object[] args) {
      return allEntries ? cache.invalidateAll() : cache.invalidate(key(keyIdx, args));
    }

    @Override
    @SuppressWarnings("unchecked")
    Object invoke(Object[] proxyArgs) throws Throwable {
      Object[] args = copy(proxyArgs); // kept by the eviction below; see CachingHandler#invoke
      Object r = call(method, args);
      switch (kind) {
        case FUTURE:
          return ((Future<Object>) r).compose(v -> evict(args).map(v));
        case STAGE:
          return ((CompletionStage<Object>) r).thenCompose(v -> evict(args).map(v).toCompletionStage());
        default:
          evict(args);
          return r;
      }
    }
  }
}
