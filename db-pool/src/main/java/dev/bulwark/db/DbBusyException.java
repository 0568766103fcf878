package dev.bulwark.db;

import dev.bulwark.core.Overloaded;
import io.vertx.core.VertxException;
import java.time.Duration;

/**
 * Every connection was in use and the bound on waiting callers (count or deadline) was reached.
 * Expected under overload, so cheap: no stack trace; the message names the pool state, e.g.
 * {@code db - busy (queue full): 10 active, 0 idle, 64 waiting (maximumPoolSize=10,
 * maxWaiters=64)}. The web layer answers it 503 with {@code Retry-After}. Immutable.
 */
public final class DbBusyException extends VertxException implements Overloaded {

  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  public DbBusyException(String message, Duration retryAfter) {
    super(message, true);
    this.retryAfter = retryAfter;
  }

  @Override
  public Duration retryAfter() {
    return retryAfter;
  }
}
