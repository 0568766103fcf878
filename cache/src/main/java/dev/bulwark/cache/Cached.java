package dev.bulwark.cache;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Caches a service method's result, keyed by its arguments; see
 * {@link Caching#decorate(Class, Object, CacheManager)}. A {@code Future} or
 * {@code CompletionStage} is cached as its value; failures are not cached; a null result is cached
 * as "no value" for the TTL (see {@link Caching#decorate(Class, Object, CacheManager)}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Cached {

  /** How long a value is fresh, e.g. {@code "60s"}, {@code "5m"}. */
  String ttl();

  /** Stale window served while one refresh runs, e.g. {@code "30s"} (default none). */
  String staleWhileRevalidate() default "0s";

  /** Stale window served when the loader fails (default none). */
  String staleIfError() default "0s";

  /** Cache name (default {@code Interface.method}). */
  String cache() default "";

  /** Names (or zero-based indexes) of the parameters that make the key (default all). */
  String[] key() default {};

  /** The tier, at most one (default: the manager's default tier). */
  CacheTier[] tier() default {};
}
