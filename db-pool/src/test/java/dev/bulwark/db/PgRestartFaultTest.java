package dev.bulwark.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.testing.Await;
import dev.bulwark.core.testing.FaultProxy;
import dev.bulwark.core.testing.PrivatePostgres;
import dev.bulwark.core.testing.Scorecard;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * PostgreSQL crashes ({@code pg_ctl stop -m immediate}) in the middle of a 100,000-row
 * {@link Db#insertRows}, in batches and with COPY, on a private cluster. The insert is slowed by a
 * {@link FaultProxy} (latency per chunk) so that the crash lands while its transaction has written
 * rows but not committed. Afterwards: 0 rows (all or nothing: the server rolled the transaction
 * back in crash recovery), and the caller's retry (the pattern in the db-pool README, with the
 * batch id as idempotency key) lands every row exactly once: 0 lost, 0 duplicated. Retrying a
 * batch that did commit inserts nothing.
 */
@ExtendWith(VertxExtension.class)
class PgRestartFaultTest {

  private static final int ROWS = 100_000;

  @ParameterizedTest(name = "{0}")
  @EnumSource(InsertOptions.Mode.class)
  void crashDuringA100kRowInsert_losesNothing_andTheCallersRetryDuplicatesNothing(
      InsertOptions.Mode mode, Vertx vertx) throws Exception {
    try (PrivatePostgres pg = PrivatePostgres.start();
        FaultProxy proxy = FaultProxy.start("127.0.0.1", pg.port())) {
      execute(pg, "CREATE TABLE items (id BIGINT NOT NULL, batch TEXT NOT NULL, payload TEXT)");
      Db db = Db.create(vertx, DbOptions.builder(
              "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres")
          .poolName("crash").maximumPoolSize(2).connectionTimeout(Duration.ofSeconds(2))
          .downProbeInterval(Duration.ofMillis(100)).build());
      try {
        String batch = "b-" + mode;
        List<Object[]> rows = new ArrayList<>(ROWS);
        for (long i = 1; i <= ROWS; i++) {
          rows.add(new Object[] {i, batch, "item " + i + ", \"quoted\""});
        }
        InsertOptions options = new InsertOptions(mode, 1000);

        proxy.latency(Duration.ofMillis(20));
        Future<Long> first = db.insertRows("items", List.of("id", "batch", "payload"), rows, options);
        // The transaction has written rows (it holds a transaction id) and not committed.
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
            .until(() -> first.isComplete() || writingTransactions(pg) > 0);
        assertThat(first.isComplete()).as("the insert was still running when the crash came").isFalse();
        pg.crash();

        AsyncResult<Long> crashed = completion(first, Duration.ofSeconds(60));
        assertThat(crashed.failed()).as("the insert cut by the crash fails").isTrue();
        pg.restart();
        proxy.restore();
        long left = count(pg, "SELECT count(*) FROM items");
        assertThat(left).as("rows of the cut insert left after recovery").isZero();

        AtomicInteger attempts = new AtomicInteger();
        long inserted = Await.result(insertOnce(vertx, db, batch, rows, options, attempts),
            Duration.ofSeconds(120));
        assertThat(inserted).isEqualTo(ROWS);

        // The caller did not see the answer (say the ack was lost) and retries: nothing more lands.
        AtomicInteger again = new AtomicInteger();
        assertThat(Await.result(insertOnce(vertx, db, batch, rows, options, again), Duration.ofSeconds(60)))
            .isEqualTo(ROWS);
        assertThat(again.get()).as("inserts run by the repeated retry").isZero();

        long total = count(pg, "SELECT count(*) FROM items");
        long distinct = count(pg, "SELECT count(DISTINCT id) FROM items");
        long sum = count(pg, "SELECT sum(id) FROM items");
        long wrong = count(pg, "SELECT count(*) FROM items WHERE payload <> 'item ' || id || ', \"quoted\"'"
            + " OR batch <> '" + batch + "'");
        assertThat(distinct).as("distinct ids").isEqualTo(ROWS);
        assertThat(total - distinct).as("duplicated").isZero();
        assertThat(sum).as("every id 1..N present").isEqualTo((long) ROWS * (ROWS + 1) / 2);
        assertThat(wrong).as("rows with a wrong value").isZero();
        Scorecard.fault(PgRestartFaultTest.class, "crashDuringInsert[" + mode + "]",
            "PostgreSQL killed (-m immediate) during a 100,000-row insertRows (" + mode
                + "), then the caller's retry with the batch as idempotency key",
            Scorecard.figures("rows", ROWS, "lost", ROWS - distinct, "duplicated", total - distinct,
                "retryInserts", attempts.get(), "leftAfterCrash", left));
      } finally {
        Await.result(db.close(), Duration.ofSeconds(30));
      }
    }
  }

  /**
   * The caller's side of an all-or-nothing batch, as the README describes it: the batch id is
   * the idempotency key. Before each attempt, ask how many rows of the batch are there: all of
   * them means an earlier attempt committed (its answer was lost), none means nothing was
   * committed and the insert may run again; anything else would be a broken transaction. A failed
   * attempt (database down, connection cut) is retried after a short backoff, on a Vert.x timer.
   */
  private static Future<Long> insertOnce(Vertx vertx, Db db, String batch, List<Object[]> rows,
      InsertOptions options, AtomicInteger inserts) {
    Promise<Long> done = Promise.promise();
    attempt(vertx, db, batch, rows, options, inserts, 0, done);
    return done.future();
  }

  private static void attempt(Vertx vertx, Db db, String batch, List<Object[]> rows,
      InsertOptions options, AtomicInteger inserts, int tries, Promise<Long> done) {
    db.queryOne("SELECT count(*) FROM items WHERE batch = ?", rs -> rs.getLong(1), batch)
        .compose(present -> {
          long n = present.orElse(0L);
          if (n == rows.size()) {
            return Future.succeededFuture(n);
          }
          if (n != 0) {
            return Future.failedFuture(new AssertionError("batch " + batch + " is partly there: " + n
                + " of " + rows.size() + " rows"));
          }
          inserts.incrementAndGet();
          return db.insertRows("items", List.of("id", "batch", "payload"), rows, options);
        })
        .onComplete(ar -> {
          if (ar.succeeded() || ar.cause() instanceof AssertionError) {
            done.handle(ar);
          } else if (tries >= 200) {
            done.fail(ar.cause());
          } else {
            vertx.setTimer(100, t -> attempt(vertx, db, batch, rows, options, inserts, tries + 1, done));
          }
        });
  }

  /** Open transactions in the database that have written something. */
  private static long writingTransactions(PrivatePostgres pg) throws SQLException {
    return count(pg, "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL"
        + " AND pid <> pg_backend_pid()");
  }

  private static long count(PrivatePostgres pg, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void execute(PrivatePostgres pg, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl()); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static <T> AsyncResult<T> completion(Future<T> f, Duration bound) throws Exception {
    CompletableFuture<AsyncResult<T>> done = new CompletableFuture<>();
    f.onComplete(done::complete);
    return done.get(bound.toMillis(), TimeUnit.MILLISECONDS);
  }
}
