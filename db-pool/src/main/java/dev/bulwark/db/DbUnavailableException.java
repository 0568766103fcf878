package dev.bulwark.db;

import dev.bulwark.core.Overloaded;
import io.vertx.core.VertxException;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The database cannot be reached: the last connection attempt failed, or a connection broke under
 * a statement, and until the next probe callers fail at once with this instead of waiting out a
 * connection timeout. Cheap (no stack trace of its own); the message carries the pool name and the
 * masked cause, and {@link #getCause()} the driver's (or HikariCP's) exception with its SQLState,
 * as {@link #sqlState()} gives it. Answered 503 by the web layer. Immutable.
 */
public final class DbUnavailableException extends VertxException implements Overloaded {

  private static final long serialVersionUID = 1L;

  /** Without a cause: nothing more is known than the message says. */
  public DbUnavailableException(String message) {
    super(message, true);
  }

  /** With the failure that made the database unreachable; its stack trace is kept. */
  public DbUnavailableException(String message, Throwable cause) {
    super(message, cause, true);
  }

  /**
   * The SQLState of the first {@link SQLException} in the cause chain (e.g. {@code 08001} for a
   * refused connection, {@code 57P01} for a session the server ended), or null if there is none.
   */
  public String sqlState() {
    for (Throwable t = getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException && ((SQLException) t).getSQLState() != null) {
        return ((SQLException) t).getSQLState();
      }
    }
    return null;
  }

  @Override
  public Duration retryAfter() {
    return Duration.ofSeconds(1);
  }
}
