package dev.bulwark.db;

import static dev.bulwark.db.TestSupport.await;
import static dev.bulwark.db.TestSupport.awaitFailure;
import static dev.bulwark.db.TestSupport.callOn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.db.TestSupport.Completion;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The async bridge: JDBC runs on the pool's own threads, results come back on the caller's
 * event-loop context, parameters are bound.
 */
@ExtendWith(VertxExtension.class)
class AsyncBridgeTest {

  private static final String JDBC_THREAD = "bulwark-bridge-jdbc-\\d+";

  private static TestDb open(Vertx vertx, Backend backend) {
    return TestDb.open(vertx, backend, b -> b.poolName("bridge").maximumPoolSize(2));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void query_returnsAllRowsOnCallersContext_afterRunningJdbcOnPoolThread(Backend backend, Vertx vertx) {
    try (TestDb t = open(vertx, backend)) {
      String items = t.table("items", "id INT PRIMARY KEY, name VARCHAR(50)");
      t.execute("INSERT INTO " + items + " (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'three')");
      Context context = vertx.getOrCreateContext();
      List<String> mapperThreads = new CopyOnWriteArrayList<>();

      Completion<List<String>> done = callOn(context, () -> t.db().query(
          "SELECT id, name FROM " + items + " WHERE id >= ? ORDER BY id", rs -> {
            mapperThreads.add(Thread.currentThread().getName());
            return rs.getInt(1) + ":" + rs.getString(2);
          }, 2));

      assertThat(done.result().succeeded()).as("query succeeded: %s", done.result().cause()).isTrue();
      assertThat(done.result().result()).containsExactly("2:two", "3:three");
      assertThat(done.context()).as("completed on the submitting context").isSameAs(context);
      assertThat(done.onEventLoopThread()).isTrue();
      assertThat(mapperThreads).hasSize(2).allSatisfy(name -> assertThat(name).matches(JDBC_THREAD));
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void queryOne_returnsFirstRowOrEmpty_onCallersContext(Backend backend, Vertx vertx) {
    try (TestDb t = open(vertx, backend)) {
      String items = t.table("items", "id INT PRIMARY KEY, name VARCHAR(50)");
      t.execute("INSERT INTO " + items + " (id, name) VALUES (1, 'one'), (2, 'two')");
      Context context = vertx.getOrCreateContext();

      Completion<Optional<String>> found = callOn(context, () -> t.db().queryOne(
          "SELECT name FROM " + items + " ORDER BY id DESC", rs -> rs.getString(1)));
      Completion<Optional<String>> missing = callOn(context, () -> t.db().queryOne(
          "SELECT name FROM " + items + " WHERE id = ?", rs -> rs.getString(1), 99));

      assertThat(found.result().result()).contains("two");
      assertThat(found.context()).isSameAs(context);
      assertThat(missing.result().result()).isEmpty();
      assertThat(missing.context()).isSameAs(context);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void update_returnsUpdateCount_andChangesAreVisible(Backend backend, Vertx vertx) {
    try (TestDb t = open(vertx, backend)) {
      String items = t.table("items", "id INT PRIMARY KEY, qty INT");
      t.execute("INSERT INTO " + items + " (id, qty) VALUES (1, 10), (2, 20), (3, 30)");
      Context context = vertx.getOrCreateContext();

      Completion<Integer> done = callOn(context,
          () -> t.db().update("UPDATE " + items + " SET qty = qty + ? WHERE id <= ?", 5, 2));

      assertThat(done.result().result()).isEqualTo(2);
      assertThat(done.context()).isSameAs(context);
      assertThat(t.rows("SELECT qty FROM " + items + " ORDER BY id"))
          .extracting(r -> ((Number) r.get(0)).intValue()).containsExactly(15, 25, 30);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void parameters_areBoundNotConcatenated(Backend backend, Vertx vertx) {
    try (TestDb t = open(vertx, backend)) {
      String items = t.table("items", "id INT PRIMARY KEY, name VARCHAR(100)");
      String hostile = "x'); DROP TABLE " + items + "; --";

      assertThat(await(t.db().update("INSERT INTO " + items + " (id, name) VALUES (?, ?)", 1, hostile)))
          .isEqualTo(1);
      Optional<Integer> id = await(t.db().queryOne("SELECT id FROM " + items + " WHERE name = ?",
          rs -> rs.getInt(1), hostile));

      assertThat(id).contains(1);
      assertThat(t.rows("SELECT name FROM " + items)).containsExactly(List.of(hostile));
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void sqlError_failsTheFutureOnCallersContext_andReturnsTheConnection(Backend backend, Vertx vertx) {
    try (TestDb t = open(vertx, backend)) {
      Context context = vertx.getOrCreateContext();

      Completion<List<Integer>> done = callOn(context,
          () -> t.db().query("SELECT no_such_column FROM no_such_table", rs -> rs.getInt(1)));

      assertThat(done.result().failed()).isTrue();
      assertThat(done.result().cause()).isInstanceOf(SQLException.class);
      assertThat(done.context()).isSameAs(context);
      assertThat(t.db().stats().active()).isZero();
      assertThat(await(t.db().queryOne("SELECT 1", rs -> rs.getInt(1)))).contains(1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void withConnection_lendsAnAutocommitConnectionOnPoolThread(Backend backend, Vertx vertx) {
    try (TestDb t = open(vertx, backend)) {
      Context context = vertx.getOrCreateContext();

      Completion<String> done = callOn(context, () -> t.db().withConnection(
          c -> c.getAutoCommit() + "@" + Thread.currentThread().getName()));

      assertThat(done.result().result()).matches("true@" + JDBC_THREAD);
      assertThat(done.context()).isSameAs(context);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void callsOffVertx_completeWithoutAContext(Backend backend, Vertx vertx) {
    try (TestDb t = open(vertx, backend)) {
      // The row is held on the JDBC thread until the callback is attached: a call that completed
      // first would run the callback at once on this thread, whatever the bridge does.
      CountDownLatch attached = new CountDownLatch(1);
      Future<Optional<Integer>> call = t.db().queryOne("SELECT 1", rs -> {
        awaitLatch(attached);
        return rs.getInt(1);
      });
      Future<String> completedOn = call.map(v -> Thread.currentThread().getName());
      attached.countDown();
      String thread = await(completedOn);

      assertThat(thread).as("no context to return to: completed where the JDBC ran").matches(JDBC_THREAD);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void failureOfOneCall_doesNotAffectOthers(Backend backend, Vertx vertx) {
    try (TestDb t = open(vertx, backend)) {
      Throwable bad = awaitFailure(t.db().update("INSERT INTO nowhere VALUES (1)"));
      Optional<Integer> good = await(t.db().queryOne("SELECT 42", rs -> rs.getInt(1)));

      assertThat(bad).isInstanceOf(SQLException.class);
      assertThat(good).contains(42);
    }
  }

  /**
   * On PostgreSQL a query the bridge runs again and again is a server-side prepared statement
   * after pgjdbc's {@code prepareThreshold} (5) uses on a connection, as {@code pgbench -M
   * prepared} runs its queries: later runs send only Bind and Execute, no parse or plan. The
   * statement timeout set per statement does not get in the way.
   */
  @org.junit.jupiter.api.Test
  void repeatedQueryOnPostgres_becomesAServerSidePreparedStatement(Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, Backend.POSTGRES, b -> b.maximumPoolSize(1))) {
      String items = t.table("items", "id INT PRIMARY KEY, name VARCHAR(50)");
      t.execute("INSERT INTO " + items + " (id, name) VALUES (1, 'one')");
      String sql = "SELECT name FROM " + items + " WHERE id = ?";
      for (int i = 0; i < 6; i++) {
        assertThat(await(t.db().queryOne(sql, rs -> rs.getString(1), 1))).contains("one");
      }

      Integer prepared = await(t.db().withConnection(c -> {
        try (var ps = c.prepareStatement("SELECT count(*) FROM pg_prepared_statements"
            + " WHERE statement = ? AND NOT from_sql")) {
          ps.setString(1, "SELECT name FROM " + items + " WHERE id = $1");
          try (var rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
          }
        }
      }));
      assertThat(prepared).as("server-side prepared statements of the query").isEqualTo(1);
    }
  }

  /** Waits for {@code latch} on a JDBC thread; a row mapper may throw only SQLException. */
  private static void awaitLatch(CountDownLatch latch) throws SQLException {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new SQLException("the test's callback was not attached within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException(e);
    }
  }
}
