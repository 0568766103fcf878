package dev.bulwark.cache;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Evicts from a cache after the method succeeds (after its {@code Future} or
 * {@code CompletionStage} succeeds); see {@link Caching#decorate(Class, Object, CacheManager)}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface CacheEvict {

  /** The cache, as named by a {@link Cached} method. */
  String cache();

  /** Names (or zero-based indexes) of the parameters that make the key (default all). */
  String[] key() default {};

  /** Evict every entry instead of one key. */
  boolean allEntries() default false;
}
