package dev.bulwark.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Refines the key of a handler's {@code @Cached} response. Without it the key is the method, the
 * route template, the path parameters and every query parameter (sorted); {@code @Cached(key =
 * {"page"})} narrows the query parameters to those named.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface HttpCacheKey {

  /** Request headers whose values are part of the key; sent back as {@code Vary}. */
  String[] vary() default {};

  /**
   * Whether requests carrying {@code Authorization} or {@code Cookie} are cached per user (the
   * key includes a hash of those headers, and the answer is {@code Cache-Control: private}).
   * Without it such requests neither read nor fill the cache.
   */
  boolean perUser() default false;
}
