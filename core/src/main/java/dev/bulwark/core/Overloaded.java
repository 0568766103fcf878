package dev.bulwark.core;

import java.time.Duration;

/**
 * Marks a failure that means "too busy now, try again later" rather than "broken": a worker
 * pool's rejection, a connection pool's bounded wait. The web layer answers such failures with
 * 503 and a {@code Retry-After} header instead of 500.
 */
public interface Overloaded {

  /** A suggested delay before retrying, at least one second. */
  Duration retryAfter();
}
