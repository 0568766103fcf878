package dev.bulwark.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.cache.impl.CachingHandler;
import dev.bulwark.cache.impl.CachingProxies;
import java.util.Objects;

/**
 * Applies {@link Cached} and {@link CacheEvict} to a service interface. All annotation processing
 * happens here, once: the decorated object's hit path encodes the key and makes one local lookup.
 * Thread-safe; the decorated object is as thread-safe as the implementation it wraps.
 */
public final class Caching {

  private Caching() {
  }

  /** {@link #decorate(Class, Object, CacheManager, ObjectMapper)} with a plain {@code ObjectMapper}. */
  public static <S> S decorate(Class<S> service, S impl, CacheManager manager) {
    return decorate(service, impl, manager, new ObjectMapper());
  }

  /**
   * Returns an implementation of {@code service} that calls {@code impl} and caches the results
   * of its {@link Cached} methods (JSON with the declared return type, bytes for {@code byte[]}).
   * It is an instance of a class generated for {@code service} on its first decoration, which
   * calls each method's cache directly; where no class can be generated (the interface, or a type
   * its methods name, is not public, is not visible from this library's class loader or not
   * exported to it), a {@link java.lang.reflect.Proxy}, which behaves the same but dispatches
   * reflectively. Either way {@code equals} is identity, {@code hashCode} the identity hash, and a
   * method not annotated calls {@code impl}'s.
   * Concurrent misses of one key call the method once per process (and once per cluster on the
   * Redis tiers, except as below). Plain methods run on the calling thread, so a plain method that
   * blocks must not be called on an event loop; if it is, it still has single flight in this
   * process: a second event loop asking for the same key meanwhile waits for the first one's
   * result (at most {@code maxLeaderWait}, then it calls the method itself), and only the local
   * tier is read there, since Redis cannot be waited for on an event loop.
   *
   * <p>A method that returns null (or a future of null) has its null cached as "no value", like
   * any other result, for the TTL: later calls return null without calling the method, and on the
   * Redis tiers the null is written once (a marker) and announced once, never deleted and
   * re-announced per call. Failures are never cached.
   *
   * @throws IllegalArgumentException if {@code service} is not an interface or an annotation is
   *     invalid (a bad duration, an unknown key parameter)
   * @throws IllegalStateException if a {@link CacheEvict} names a cache no {@link Cached} method
   *     or earlier call created
   */
  public static <S> S decorate(Class<S> service, S impl, CacheManager manager, ObjectMapper mapper) {
    Objects.requireNonNull(impl, "impl");
    Objects.requireNonNull(manager, "manager");
    if (!service.isInterface()) {
      throw new IllegalArgumentException("service must be an interface, but was " + service.getName());
    }
    CachingHandler handler = new CachingHandler(service, impl, manager, mapper);
    return service.cast(CachingProxies.create(service, handler));
  }
}
