package dev.bulwark.db.impl;

import dev.bulwark.db.SqlFunction;
import dev.bulwark.db.TxOptions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs work in a transaction on a borrowed connection, retrying serialization failures and
 * deadlocks with exponential backoff and jitter, and restoring the connection's autocommit,
 * isolation and read-only flags before it goes back to the pool. Runs on a JDBC worker thread.
 */
final class Transactions {

  private Transactions() {
  }

  static <T> T run(Connection c, TxOptions options, SqlFunction<T> work) throws Exception {
    boolean autoCommit = c.getAutoCommit();
    int isolation = c.getTransactionIsolation();
    boolean readOnly = c.isReadOnly();
    try {
      c.setAutoCommit(false);
      if (options.isolation() != -1) {
        c.setTransactionIsolation(options.isolation());
      }
      if (options.readOnly()) {
        c.setReadOnly(true);
      }
      for (int attempt = 1; ; attempt++) {
        try {
          T result = work.apply(c);
          c.commit();
          return result;
        } catch (Throwable e) {
          // Any throw, an Error too: the finally's setAutoCommit(true) would otherwise commit.
          rollbackQuietly(c, e);
          if (attempt >= options.maxAttempts() || !isRetryable(e)) {
            throw e;
          }
          long base = options.backoff().toNanos() << Math.min(20, attempt - 1);
          long jitter = base == 0 ? 0 : ThreadLocalRandom.current().nextLong(base / 2 + 1);
          TimeUnit.NANOSECONDS.sleep(base + jitter);
        }
      }
    } finally {
      c.setAutoCommit(autoCommit);
      if (options.isolation() != -1) {
        c.setTransactionIsolation(isolation);
      }
      if (options.readOnly()) {
        c.setReadOnly(readOnly);
      }
    }
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

  private static void rollbackQuietly(Connection c, Throwable cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }
}
