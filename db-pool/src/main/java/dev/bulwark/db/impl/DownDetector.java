package dev.bulwark.db.impl;

import dev.bulwark.db.DbUnavailableException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells callers at once that the database is unreachable, instead of letting each wait out a
 * connection timeout. State: {@code nextProbeAt} is 0 while up; after a failed connection attempt
 * it is the time of the next allowed attempt. While down, the first caller after that time wins a
 * CAS and becomes the probe (it tries to connect); every other caller fails with
 * {@link DbUnavailableException} in microseconds. A successful connection resets to up.
 * Thread-safe (one atomic); the race between probes is the CAS, and losing it only means failing
 * fast once more.
 */
final class DownDetector {

  private static final Logger LOG = LoggerFactory.getLogger(DownDetector.class);

  private final String pool;
  private final long intervalNanos;
  private final String password;
  private final AtomicLong nextProbeAt = new AtomicLong();
  private volatile String lastCause = "";
  /** The last failed attempt itself, the cause of the fail-fast errors that follow it. */
  private volatile SQLException lastFailure;

  DownDetector(String pool, Duration interval, String password) {
    this.pool = pool;
    this.intervalNanos = interval.toNanos();
    this.password = password;
  }

  boolean isDown() {
    return nextProbeAt.get() != 0;
  }

  /** Fails fast while down, except for the one caller allowed to probe. */
  void beforeConnect() {
    long next = nextProbeAt.get();
    if (next == 0) {
      return;
    }
    long now = System.nanoTime();
    if (now - next >= 0 && nextProbeAt.compareAndSet(next, now + intervalNanos)) {
      return;
    }
    throw unavailable();
  }

  void connected() {
    if (nextProbeAt.get() != 0 && nextProbeAt.getAndSet(0) != 0) {
      LOG.info("{} - database reachable again", pool);
    }
  }

  /**
   * Records a failed connection attempt and throws: {@link DbUnavailableException} when the
   * database is unreachable, else {@code e} itself (bad credentials, an unknown database).
   */
  void connectFailed(SQLException e) throws SQLException {
    if (!isConnectionFailure(e)) {
      throw e;
    }
    throw markDown(e);
  }

  /**
   * Records that a connection attempt failed because the database is unreachable (a refused or
   * timed-out connect, wherever it was made) and returns the error to fail with: from now until a
   * probe connects, callers fail fast.
   */
  DbUnavailableException markDown(Throwable e) {
    lastCause = Secrets.mask(String.valueOf(e.getMessage()), password);
    lastFailure = e instanceof SQLException ? (SQLException) e
        : new SQLException(lastCause, "08001", e);
    if (nextProbeAt.getAndSet(System.nanoTime() + intervalNanos) == 0) {
      LOG.warn("{} - database unreachable, failing fast and probing every {} ms: {}", pool,
          intervalNanos / 1_000_000, lastCause);
    }
    return new DbUnavailableException(pool + " - database unreachable: " + lastCause, e);
  }

  /** A statement that failed because its connection broke, as the unavailable error it means. */
  DbUnavailableException connectionLost(Throwable e) {
    return new DbUnavailableException(pool + " - connection lost: "
        + Secrets.mask(String.valueOf(e.getMessage()), password), e);
  }

  private DbUnavailableException unavailable() {
    return new DbUnavailableException(pool + " - database unreachable (failing fast until the next probe): "
        + lastCause, lastFailure);
  }

  static boolean isConnectionFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException || t instanceof ConnectException) {
        return true;
      }
      if (t instanceof SQLException) {
        String state = ((SQLException) t).getSQLState();
        // 08: connection exceptions; 57P01-57P03: the server is shutting down, crashed, or
        // starting up and cannot take connections yet.
        if (state != null && (state.startsWith("08") || state.startsWith("57P0"))) {
          return true;
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
