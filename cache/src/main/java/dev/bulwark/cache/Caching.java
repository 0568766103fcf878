package dev.bulwark.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.cache.impl.CachingHandler;
import java.lang.reflect.Proxy;
import java.util.Objects;

/**
 * Applies {@link Cached} and {@link CacheEvict} to a service interface. All annotation processing
 * happens here, once: the proxy's hit path encodes the key and makes one local lookup. Thread-safe;
 * the proxy is as thread-safe as the implementation it wraps.
 */
public final class Caching {

  private Caching() {
  }

  /** {@link #decorate(Class, Object, CacheManager, ObjectMapper)} with a plain {@code ObjectMapper}. */
  public static <S> S decorate(Class<S> service, S impl, CacheManager manager) {
    return decorate(service, impl, manager, new ObjectMapper());
  }

  /**
   * Returns a {@link Proxy} for {@code service} that calls {@code impl} and caches the results of
   * its {@link Cached} methods (JSON with the declared return type, bytes for {@code byte[]}).
   * Plain methods run the loader on the calling thread; they must not be called on an event loop
   * when they block.
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
    return service.cast(Proxy.newProxyInstance(service.getClassLoader(), new Class<?>[] {service}, handler));
  }
}
