package dev.bulwark.db;

import static dev.bulwark.db.TestSupport.await;
import static dev.bulwark.db.TestSupport.awaitCompletion;
import static dev.bulwark.db.TestSupport.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.testing.Scorecard;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The pool under faults of its own users: every connection held by work that asks for another
 * (nested acquisition), and statements that outlive the statement timeout on PostgreSQL.
 */
@ExtendWith(VertxExtension.class)
class PoolFaultTest {

  /**
   * Every connection is held by work that then asks the pool for another and waits for it: with
   * a waitTimeout of a minute, only failing at once keeps this from hanging (the await bound is
   * 10 s). The error says what happened; the pool then serves again with nothing leaked.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void nestedAcquisitionOnAnExhaustedPool_failsAtOnceWithAClearError_andThePoolRecovers(
      Backend backend, Vertx vertx) {
    int size = 3;
    try (TestDb t = TestDb.open(vertx, backend, b -> b.poolName("nested").maximumPoolSize(size)
        .maxWaiters(16).waitTimeout(Duration.ofMinutes(1)))) {
      Db db = t.db();
      CountDownLatch allHeld = new CountDownLatch(size);
      List<Future<Integer>> outers = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        outers.add(db.withConnection(c -> {
          allHeld.countDown();
          if (!allHeld.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the other holders never arrived");
          }
          try {
            return db.queryOne("SELECT 1", rs -> rs.getInt(1)).toCompletionStage()
                .toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow();
          } catch (ExecutionException e) {
            throw (Exception) e.getCause();
          }
        }));
      }

      // The first refusal frees its holder's connection, so a later nested call may find one
      // free and run: every outer call ends, at least one by the refusal, none by a wait.
      int refused = 0;
      for (Future<Integer> outer : outers) {
        AsyncResult<?> ar = awaitCompletion(outer);
        if (ar.succeeded()) {
          assertThat(ar.result()).isEqualTo(1);
          continue;
        }
        refused++;
        assertThat(ar.cause()).isInstanceOf(DbBusyException.class);
        assertThat(ar.cause().getMessage()).contains("nested - nested acquisition refused",
            "holds a connection of the pool", "all 3 are in use", "maximumPoolSize=3", "deadlock");
      }
      assertThat(refused).as("nested calls refused at once").isGreaterThanOrEqualTo(1);

      assertThat(await(db.queryOne("SELECT 2", rs -> rs.getInt(1)))).contains(2);
      Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(db.stats().active()).as("connections leaked").isZero();
        assertThat(db.stats().waiting()).isZero();
      });
      Scorecard.fault(PoolFaultTest.class, "nestedAcquisition[" + backend + "]",
          "pool of " + size + " exhausted by work asking for a second connection (" + backend + ")",
          Scorecard.figures("hung", 0, "failedFast", refused, "leaked", db.stats().active()));
    }
  }

  /** A nested call while a connection is free still runs: only the deadlock is refused. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void nestedAcquisitionWithAFreeConnection_runs(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      Db db = t.db();
      Optional<Integer> inner = await(db.withConnection(c -> db.queryOne("SELECT 7", rs -> rs.getInt(1))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)));
      assertThat(inner).contains(7);
    }
  }

  /**
   * {@code pg_sleep(60)} under a 1 s statement timeout: the server cancels it (SQLSTATE 57014),
   * for a plain query and for a BatchLoader batch alike, long before the sleep would end (the
   * await bound is 10 s); the connection goes back and serves the next call.
   */
  @Test
  void statementTimeout_reallyFiresOnPostgres_forQueriesAndBatches(Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, Backend.POSTGRES, b -> b.maximumPoolSize(1)
        .statementTimeout(Duration.ofSeconds(1)))) {
      Db db = t.db();
      Throwable query = awaitFailure(db.query("SELECT pg_sleep(60)", rs -> rs.getString(1)));
      assertThat(query).isInstanceOf(SQLException.class);
      assertThat(((SQLException) query).getSQLState()).isEqualTo("57014");

      BatchLoader<Long, Long> slow = BatchLoader.create(db, Duration.ZERO, 10, (c, keys) -> {
        try (var ps = c.prepareStatement("SELECT pg_sleep(60)")) {
          ps.executeQuery().close();
        }
        return Map.of();
      });
      Throwable batch = awaitFailure(slow.load(1L));
      assertThat(batch).isInstanceOf(SQLException.class);
      assertThat(((SQLException) batch).getSQLState()).isEqualTo("57014");

      assertThat(await(db.queryOne("SELECT 3", rs -> rs.getInt(1)))).contains(3);
      assertThat(db.stats().active()).isZero();
      Scorecard.fault(PoolFaultTest.class, "statementTimeout",
          "pg_sleep(60) under a 1 s statementTimeout (query and BatchLoader batch)",
          Scorecard.figures("cancelled", 2, "hung", 0, "leaked", db.stats().active()));
    }
  }

  /**
   * The pool sets the statement timeout only on a statement that does not carry it already (H2
   * keeps it per session, so setting it on every statement re-planned every query). A connection
   * that ran statements before, and whose work then turned the timeout off for its own statement,
   * still cancels the next slow statement of the pool after 1 s.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void statementTimeout_firesOnAReusedConnection_evenAfterWorkTurnedItOff(Backend backend, Vertx vertx) {
    String slow = backend.isPostgres() ? "SELECT pg_sleep(60)"
        : "SELECT COUNT(*) FROM SYSTEM_RANGE(1, 1000000) a, SYSTEM_RANGE(1, 1000000) b WHERE a.X + b.X = 3";
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(1)
        .statementTimeout(Duration.ofSeconds(1)))) {
      Db db = t.db();
      for (int i = 0; i < 3; i++) {
        assertThat(await(db.queryOne("SELECT ?", rs -> rs.getInt(1), i))).contains(i);
      }
      Integer before = await(db.withConnection(c -> {
        try (var ps = c.prepareStatement("SELECT 1")) {
          int timeout = ps.getQueryTimeout();
          ps.setQueryTimeout(0);
          return timeout;
        }
      }));
      assertThat(before).as("the connection's statements had the timeout").isEqualTo(backend.isPostgres() ? 0 : 1);

      Throwable failure = awaitFailure(db.query(slow, rs -> rs.getString(1)));

      assertThat(failure).isInstanceOf(SQLException.class);
      assertThat(((SQLException) failure).getSQLState()).isEqualTo("57014");
      assertThat(await(db.queryOne("SELECT 3", rs -> rs.getInt(1)))).contains(3);
    }
  }
}
