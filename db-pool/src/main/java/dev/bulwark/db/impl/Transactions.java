package dev.bulwark.db.impl;

import dev.bulwark.db.SqlFunction;
import dev.bulwark.db.TxOptions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One attempt of a transaction on a borrowed connection, and the retry rules around it. An attempt
 * commits when the work returns and rolls back when it throws, and always restores the
 * connection's autocommit, isolation and read-only flags before it goes back to the pool. The
 * first failure is the one thrown: a rollback or restore that fails after it is added to it as
 * suppressed, never thrown in its place. Runs on a JDBC worker thread; the wait between attempts
 * is {@link DefaultDb}'s timer, with no connection held.
 */
final class Transactions {

  private Transactions() {
  }

  static <T> T once(Connection c, TxOptions options, SqlFunction<T> work) throws Exception {
    boolean autoCommit = c.getAutoCommit();
    int isolation = c.getTransactionIsolation();
    boolean readOnly = c.isReadOnly();
    Throwable failure = null;
    try {
      c.setAutoCommit(false);
      if (options.isolation() != -1) {
        c.setTransactionIsolation(options.isolation());
      }
      if (options.readOnly()) {
        c.setReadOnly(true);
      }
      T result = work.apply(c);
      c.commit();
      return result;
    } catch (Throwable e) {
      // Any throw, an Error too: restoring autocommit below would otherwise commit.
      failure = e;
      try {
        c.rollback();
      } catch (SQLException | RuntimeException rollback) {
        e.addSuppressed(rollback);
      }
      throw e;
    } finally {
      restore(c, options, autoCommit, isolation, readOnly, failure);
    }
  }

  /**
   * Puts the flags back, trying each even if an earlier one failed. With a {@code failure} already
   * thrown, what fails here is added to it; otherwise the first failure here is thrown.
   */
  private static void restore(Connection c, TxOptions options, boolean autoCommit, int isolation,
      boolean readOnly, Throwable failure) throws SQLException {
    SQLException first = null;
    try {
      c.setAutoCommit(autoCommit);
    } catch (SQLException e) {
      first = e;
    }
    if (options.isolation() != -1) {
      try {
        c.setTransactionIsolation(isolation);
      } catch (SQLException e) {
        first = keep(first, e);
      }
    }
    if (options.readOnly()) {
      try {
        c.setReadOnly(readOnly);
      } catch (SQLException e) {
        first = keep(first, e);
      }
    }
    if (first == null) {
      return;
    }
    if (failure != null) {
      failure.addSuppressed(first);
      return;
    }
    throw first;
  }

  private static SQLException keep(SQLException first, SQLException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  /**
   * The wait in milliseconds before attempt {@code attempt + 1}: the base backoff doubled per
   * attempt, plus up to 50% jitter; zero for a zero backoff.
   */
  static long backoffMillis(TxOptions options, int attempt) {
    long base = options.backoff().toMillis() << Math.min(20, attempt - 1);
    long jitter = base <= 0 ? 0 : ThreadLocalRandom.current().nextLong(base / 2 + 1);
    return Math.max(0, base + jitter);
  }

  /** Serialization failure (40001) or deadlock (40P01), anywhere in the cause chain. */
  static boolean isRetryable(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof SQLException) {
        String state = ((SQLException) t).getSQLState();
        if ("40001".equals(state) || "40P01".equals(state)) {
          return true;
        }
      }
    }
    return false;
  }
}
