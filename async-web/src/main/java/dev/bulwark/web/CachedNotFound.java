package dev.bulwark.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Lets a {@code @Cached} handler's 404 answers be cached too, for their own TTL, so that requests
 * for a missing item stop reaching the handler (and its database) while the 404 is fresh. Valid
 * only on a handler method that is also {@code @Cached}.
 *
 * <p>A 404 is an {@link HttpException} with status 404 thrown or failed by the handler (kept
 * exactly as the route would answer it uncached: {@code {"error": message}} as
 * {@code application/json}) or a {@link Response} with status 404. It is kept under the same key
 * as the route's responses, in a second cache named after the route's cache with {@code .404}
 * appended (shortened to 64 characters), on the same tier, and answered like a cached 200: an
 * {@code ETag}, {@code Cache-Control: public, max-age=<seconds left of the 404 entry>} (or
 * {@code private} when cached per user) and 304 on a matching {@code If-None-Match}. Concurrent
 * requests for a missing item run the handler once, and all get its 404. Other statuses (400,
 * 500, 503...) are never stored, nor is a 404 carrying {@code Set-Cookie} or
 * {@code Cache-Control: private}, {@code no-store} or {@code no-cache}.
 *
 * <p>The 404 TTL bounds how long an item created meanwhile can still look missing. Evicting that
 * answer when the item is created is the application's job: the cache is reachable through
 * {@code server.cacheManager().find(name)}. Keep the TTL short; a TTL longer than the route's
 * {@code @Cached(ttl)} is refused, since a negative answer must not outlive a positive one.
 *
 * <p>Read once, when the handler is bound; a missing {@code @Cached}, or a TTL that is not a
 * positive duration or exceeds the route's, fails binding with an
 * {@link IllegalArgumentException} naming the method and the value.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface CachedNotFound {

  /**
   * How long a 404 is fresh, e.g. {@code "10s"}; more than zero, and at most the route's
   * {@code @Cached(ttl)}.
   */
  String ttl();
}
