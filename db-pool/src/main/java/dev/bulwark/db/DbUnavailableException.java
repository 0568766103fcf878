package dev.bulwark.db;

import dev.bulwark.core.Overloaded;
import io.vertx.core.VertxException;
import java.time.Duration;

/**
 * The database cannot be reached: the last connection attempt failed, and until the next probe
 * callers fail at once with this instead of waiting out a connection timeout. Cheap (no stack
 * trace); the message carries the pool name and the masked cause. Answered 503 by the web layer.
 */
public final class DbUnavailableException extends VertxException implements Overloaded {

  private static final long serialVersionUID = 1L;

  public DbUnavailableException(String message) {
    super(message, true);
  }

  @Override
  public Duration retryAfter() {
    return Duration.ofSeconds(1);
  }
}
