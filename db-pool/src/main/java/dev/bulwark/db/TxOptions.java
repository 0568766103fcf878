package dev.bulwark.db;

import java.time.Duration;

/**
 * How {@link Db#inTransaction(TxOptions, SqlFunction)} runs a transaction: isolation level,
 * read-only, and retries of serialization failures and deadlocks (SQLSTATE 40001, 40P01) with
 * exponential backoff and jitter. Immutable.
 *
 * @param isolation a {@code java.sql.Connection.TRANSACTION_*} level, or -1 for the driver default
 * @param readOnly whether to mark the transaction read-only
 * @param maxAttempts attempts in all, at least 1 (1 = no retry)
 * @param backoff the first retry's base delay, whole milliseconds (a Vert.x timer's unit; zero
 *     retries at once); doubles per attempt, with up to 50% jitter
 */
public record TxOptions(int isolation, boolean readOnly, int maxAttempts, Duration backoff) {

  /** Default: driver isolation, read-write, 3 attempts, 10 ms base backoff. */
  public static final TxOptions DEFAULT = new TxOptions(-1, false, 3, Duration.ofMillis(10));

  public TxOptions {
    if (isolation != -1 && isolation != java.sql.Connection.TRANSACTION_READ_UNCOMMITTED
        && isolation != java.sql.Connection.TRANSACTION_READ_COMMITTED
        && isolation != java.sql.Connection.TRANSACTION_REPEATABLE_READ
        && isolation != java.sql.Connection.TRANSACTION_SERIALIZABLE) {
      throw new IllegalArgumentException("isolation must be -1 or a Connection.TRANSACTION_* level, but was "
          + isolation);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, but was " + maxAttempts);
    }
    if (backoff == null || backoff.isNegative()) {
      throw new IllegalArgumentException("backoff must be >= 0, but was " + backoff);
    }
    if (backoff.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException("backoff must be a whole number of milliseconds, but was " + backoff);
    }
  }

  /** A copy with {@code isolation}. */
  public TxOptions withIsolation(int level) {
    return new TxOptions(level, readOnly, maxAttempts, backoff);
  }

  /** A copy with {@code attempts}. */
  public TxOptions withMaxAttempts(int attempts) {
    return new TxOptions(isolation, readOnly, attempts, backoff);
  }

  /** A copy marked read-only. */
  public TxOptions readOnlyTx() {
    return new TxOptions(isolation, true, maxAttempts, backoff);
  }
}
