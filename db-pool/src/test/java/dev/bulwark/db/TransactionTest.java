package dev.bulwark.db;

import static dev.bulwark.db.TestSupport.await;
import static dev.bulwark.db.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Db#inTransaction}: commit, rollback, retry of serialization failures, restored state. */
@ExtendWith(VertxExtension.class)
class TransactionTest {

  /** Retries without a noticeable pause. */
  private static final TxOptions FAST_RETRY = new TxOptions(-1, false, 3, Duration.ofMillis(1));

  private static void insert(Connection c, String table, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (name) VALUES (?)")) {
      ps.setString(1, name);
      ps.executeUpdate();
    }
  }

  private static String notesTable(TestDb t) {
    return t.table("notes", "name VARCHAR(50) NOT NULL");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void inTransaction_commitsWhenWorkReturns(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      String notes = notesTable(t);

      String result = await(t.db().inTransaction(c -> {
        insert(c, notes, "a");
        insert(c, notes, "b");
        return "done";
      }));

      assertThat(result).isEqualTo("done");
      assertThat(t.rows("SELECT name FROM " + notes + " ORDER BY name"))
          .containsExactly(List.of("a"), List.of("b"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void inTransaction_rollsBackWhenWorkThrows(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      String notes = notesTable(t);
      IllegalStateException boom = new IllegalStateException("boom");

      Throwable failure = awaitFailure(t.db().inTransaction(c -> {
        insert(c, notes, "a");
        throw boom;
      }));

      assertThat(failure).isSameAs(boom);
      assertThat(t.count(notes)).isZero();
    }
  }

  /** An Error (assertion, stack overflow) is a throw too: the partial work must not be committed. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void inTransaction_rollsBackWhenWorkThrowsAnError(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(1))) {
      String notes = notesTable(t);
      Error fatal = new Error("fatal");

      Throwable failure = awaitFailure(t.db().inTransaction(c -> {
        insert(c, notes, "half-done");
        throw fatal;
      }));

      assertThat(failure).isSameAs(fatal);
      assertThat(t.count(notes)).as("rows written before the Error").isZero();
    }
  }

  static Stream<Arguments> retryableFailures() {
    return Stream.of(Backend.values()).flatMap(b -> Stream.of(
        Arguments.of(b, "40001", false),
        Arguments.of(b, "40P01", false),
        Arguments.of(b, "40001", true)));
  }

  @ParameterizedTest(name = "{0} SQLSTATE {1}, wrapped={2}")
  @MethodSource("retryableFailures")
  void retryableFailureOnFirstAttempt_isRetriedAfterRollback(Backend backend, String sqlState,
      boolean wrapped, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      String notes = notesTable(t);
      AtomicInteger attempts = new AtomicInteger();

      String result = await(t.db().inTransaction(FAST_RETRY, c -> {
        int attempt = attempts.incrementAndGet();
        insert(c, notes, "attempt-" + attempt);
        if (attempt == 1) {
          SQLException e = new SQLException("simulated conflict", sqlState);
          throw wrapped ? new RuntimeException("wrapper", e) : e;
        }
        return "attempt-" + attempt;
      }));

      assertThat(attempts).hasValue(2);
      assertThat(result).isEqualTo("attempt-2");
      assertThat(t.rows("SELECT name FROM " + notes)).as("attempt 1 was rolled back")
          .containsExactly(List.of("attempt-2"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void alwaysRetryableFailure_failsAfterExactlyMaxAttempts(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      String notes = notesTable(t);
      AtomicInteger attempts = new AtomicInteger();

      Throwable failure = awaitFailure(t.db().inTransaction(FAST_RETRY.withMaxAttempts(4), c -> {
        insert(c, notes, "attempt-" + attempts.incrementAndGet());
        throw new SQLException("always conflicting", "40001");
      }));

      assertThat(attempts).hasValue(4);
      assertThat(failure).isInstanceOf(SQLException.class);
      assertThat(((SQLException) failure).getSQLState()).isEqualTo("40001");
      assertThat(t.count(notes)).isZero();
    }
  }

  static Stream<Arguments> nonRetryableFailures() {
    return Stream.of(Backend.values()).flatMap(b -> Stream.of(
        Arguments.of(b, new SQLException("duplicate key", "23505")),
        Arguments.of(b, new SQLException("no state")),
        Arguments.of(b, new IllegalArgumentException("bad input"))));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("nonRetryableFailures")
  void nonRetryableFailure_isNotRetried(Backend backend, Exception thrown, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      AtomicInteger attempts = new AtomicInteger();

      Throwable failure = awaitFailure(t.db().inTransaction(FAST_RETRY, c -> {
        attempts.incrementAndGet();
        throw thrown;
      }));

      assertThat(attempts).hasValue(1);
      assertThat(failure).isSameAs(thrown);
    }
  }

  private record ConnState(boolean autoCommit, int isolation, boolean readOnly) {
    static ConnState of(Connection c) throws SQLException {
      return new ConnState(c.getAutoCommit(), c.getTransactionIsolation(), c.isReadOnly());
    }
  }

  /** With one connection in the pool, a later borrower gets the very connection the transaction used. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void connectionState_isRestoredAfterTransaction_committedOrFailed(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(1))) {
      ConnState before = await(t.db().withConnection(ConnState::of));
      TxOptions serializable = TxOptions.DEFAULT.withIsolation(Connection.TRANSACTION_SERIALIZABLE);

      ConnState inside = await(t.db().inTransaction(serializable, ConnState::of));
      ConnState afterCommit = await(t.db().withConnection(ConnState::of));
      awaitFailure(t.db().inTransaction(serializable.readOnlyTx().withMaxAttempts(1), c -> {
        throw new SQLException("conflict", "40001");
      }));
      ConnState afterFailure = await(t.db().withConnection(ConnState::of));

      assertThat(before.autoCommit()).isTrue();
      assertThat(before.isolation()).isNotEqualTo(Connection.TRANSACTION_SERIALIZABLE);
      assertThat(inside.autoCommit()).isFalse();
      assertThat(inside.isolation()).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
      assertThat(afterCommit).isEqualTo(before);
      assertThat(afterFailure).isEqualTo(before);
    }
  }

  /**
   * Two SERIALIZABLE transactions read the same row, then both update it: PostgreSQL fails the
   * second updater with 40001 ("could not serialize access due to concurrent update"); the retry
   * sees the first one's write, so both succeed and no increment is lost.
   */
  @Test
  void serializationFailureOnPostgres_isRetriedUntilBothTransactionsSucceed(Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, Backend.POSTGRES, b -> b.maximumPoolSize(2))) {
      String counters = t.table("counters", "id INT PRIMARY KEY, v INT NOT NULL");
      t.execute("INSERT INTO " + counters + " (id, v) VALUES (1, 0)");
      TxOptions options = new TxOptions(Connection.TRANSACTION_SERIALIZABLE, false, 5, Duration.ofMillis(5));
      CountDownLatch bothRead = new CountDownLatch(2);
      AtomicInteger attemptsA = new AtomicInteger();
      AtomicInteger attemptsB = new AtomicInteger();

      Future<Integer> a = t.db().inTransaction(options, c -> increment(c, counters, attemptsA, bothRead));
      Future<Integer> b = t.db().inTransaction(options, c -> increment(c, counters, attemptsB, bothRead));

      await(a);
      await(b);
      assertThat(attemptsA.get() + attemptsB.get()).as("one of the two was retried").isGreaterThanOrEqualTo(3);
      assertThat(Math.max(attemptsA.get(), attemptsB.get())).isGreaterThan(1);
      assertThat(t.rows("SELECT v FROM " + counters)).containsExactly(List.of(2));
    }
  }

  private static int increment(Connection c, String table, AtomicInteger attempts, CountDownLatch bothRead)
      throws Exception {
    int attempt = attempts.incrementAndGet();
    int v;
    try (PreparedStatement ps = c.prepareStatement("SELECT v FROM " + table + " WHERE id = 1");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      v = rs.getInt(1);
    }
    if (attempt == 1) {
      // Both snapshots are taken before either writes: the conflict is certain, not timing-dependent.
      bothRead.countDown();
      if (!bothRead.await(5, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the other transaction never read");
      }
    }
    try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET v = ? WHERE id = 1")) {
      ps.setInt(1, v + 1);
      ps.executeUpdate();
    }
    return v + 1;
  }
  /**
   * The backoff before a retry holds neither the connection nor the bridge's slot: with a pool of
   * one, another query runs while the transaction waits to retry (an hour here, so the order is
   * certain).
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void retryBackoff_releasesTheConnectionAndTheBridgeSlot(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(1))) {
      AtomicInteger attempts = new AtomicInteger();
      TxOptions hourBackoff = new TxOptions(-1, false, 2, Duration.ofHours(1));

      Future<String> tx = t.db().inTransaction(hourBackoff, c -> {
        attempts.incrementAndGet();
        throw new SQLException("simulated conflict", "40001");
      });
      Awaitility.await().atMost(TestSupport.WAIT).until(() -> attempts.get() == 1 && t.db().stats().active() == 0);
      List<Integer> during = await(t.db().query("SELECT 1", rs -> attempts.get()));

      assertThat(during).as("attempts seen by a query run during the backoff").containsExactly(1);
      assertThat(tx.isComplete()).as("the transaction is still waiting to retry").isFalse();
      assertThat(t.db().stats().active()).isZero();
    }
  }

  /**
   * The server ends the session inside the transaction: rollback and restoring autocommit then
   * fail too, but the caller learns the original cause (57P01), with those later failures
   * suppressed under it, not "connection closed" from the finally.
   */
  @Test
  void sessionKilledInsideTheTransaction_failsWithTheOriginalCause_laterFailuresSuppressed(Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, Backend.POSTGRES, b -> b.maximumPoolSize(1))) {
      Throwable failure = awaitFailure(t.db().inTransaction(c -> {
        try (Statement s = c.createStatement()) {
          s.execute("SELECT pg_terminate_backend(pg_backend_pid())");
        }
        return "not reached";
      }));

      assertThat(failure).isInstanceOf(DbUnavailableException.class);
      DbUnavailableException unavailable = (DbUnavailableException) failure;
      assertThat(unavailable.sqlState()).isEqualTo("57P01");
      assertThat(unavailable.getCause()).isInstanceOf(SQLException.class);
      SQLException cause = (SQLException) unavailable.getCause();
      assertThat(cause.getSQLState()).isEqualTo("57P01");
      assertThat(cause.getSuppressed()).as("rollback and restore failures").isNotEmpty();
      assertThat(await(t.db().query("SELECT 1", rs -> rs.getInt(1)))).as("the pool recovers").containsExactly(1);
    }
  }
}
