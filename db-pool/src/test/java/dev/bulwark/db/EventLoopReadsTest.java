package dev.bulwark.db;

import static dev.bulwark.db.TestSupport.callOn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.core.testing.PrivatePostgres;
import dev.bulwark.db.TestSupport.Completion;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reads on the event loop (DbOptions.eventLoopReads, PostgreSQL): a SELECT's first run goes
 * through JDBC and, when its columns allow, later runs from an event loop go to the loop's own
 * connections, with the same rows, conversions, errors and timeouts.
 */
@ExtendWith(VertxExtension.class)
class EventLoopReadsTest {

  private static final String JDBC_THREAD = "bulwark-loop-jdbc-\\d+";
  private static final String LOOP_THREAD = "vert\\.x-eventloop-thread-\\d+";

  private static TestDb open(Vertx vertx, boolean loopReads) {
    return TestDb.open(vertx, Backend.POSTGRES, b -> b.poolName("loop").maximumPoolSize(2)
        .statementTimeout(Duration.ofSeconds(1)).eventLoopReads(loopReads));
  }

  /** Every getter the loop row offers, as one string, so both paths can be compared whole. */
  private static String everything(ResultSet rs) throws SQLException {
    StringBuilder out = new StringBuilder();
    for (int c = 1; c <= 8; c++) {
      out.append(rs.getString(c)).append('|').append(rs.getObject(c)).append('|')
          .append(rs.getObject(c) == null ? "null" : rs.getObject(c).getClass().getSimpleName())
          .append('|').append(rs.wasNull()).append(';');
    }
    out.append(rs.getInt("i")).append(rs.getLong("B")).append(rs.getShort(3))
        .append(rs.getBigDecimal(4)).append(rs.getDouble(4)).append(rs.getBoolean(5))
        .append(rs.getString(6) != null && rs.getString(6).matches("\\d+") ? rs.getLong(6) : -1)
        .append(rs.getLong(2) == 0 && rs.wasNull());
    return out.toString();
  }

  private static <T> Completion<T> onLoop(Vertx vertx, java.util.function.Supplier<io.vertx.core.Future<T>> call) {
    Context context = vertx.getOrCreateContext();
    Completion<T> done = callOn(context, call);
    assertThat(done.context()).isSameAs(context);
    return done;
  }

  private static TestDb withTypes(TestDb t, String[] table) {
    table[0] = t.table("kinds", "i INT PRIMARY KEY, b BIGINT, s SMALLINT, n NUMERIC(10,2),"
        + " f BOOLEAN, t TEXT, v VARCHAR(20), c CHAR(3), ts TIMESTAMP");
    t.execute("INSERT INTO " + table[0] + " VALUES (1, 5000000000, 7, 12.50, true, 'text', 'var',"
        + " 'ab', now()), (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
        + " (3, -1, -2, -3.75, false, '42', ' 17 ', 'xyz', now())");
    return t;
  }

  @Test
  void aSelectsSecondRun_runsOnTheCallersEventLoop_andReadsEveryRowAsJdbcDid(Vertx vertx) {
    String[] table = new String[1];
    try (TestDb t = withTypes(open(vertx, true), table)) {
      List<String> threads = new CopyOnWriteArrayList<>();
      String sql = "SELECT i, b, s, n, f, t, v, c FROM " + table[0] + " WHERE i <= ? ORDER BY i";

      Completion<List<String>> first = onLoop(vertx, () -> t.db().query(sql, rs -> {
        threads.add(Thread.currentThread().getName());
        return everything(rs);
      }, 3));
      Completion<List<String>> second = onLoop(vertx, () -> t.db().query(sql, rs -> {
        threads.add(Thread.currentThread().getName());
        return everything(rs);
      }, 3));

      assertThat(first.result().succeeded()).as("%s", first.result().cause()).isTrue();
      assertThat(second.result().succeeded()).as("%s", second.result().cause()).isTrue();
      assertThat(first.result().result()).hasSize(3);
      assertThat(second.result().result()).isEqualTo(first.result().result());
      assertThat(threads.subList(0, 3)).allSatisfy(n -> assertThat(n).matches(JDBC_THREAD));
      assertThat(threads.subList(3, 6)).allSatisfy(n -> assertThat(n).matches(LOOP_THREAD));
    }
  }

  @Test
  void numerics_readTheSameOnTheLoop_plainTextNeverExponents(Vertx vertx) {
    try (TestDb t = open(vertx, true)) {
      String sql = "SELECT n FROM (VALUES (0.0000001::numeric), (123456789012345678901234.50::numeric),"
          + " (-0.5::numeric), ('NaN'::numeric), (NULL::numeric)) v(n) WHERE ? = ?";
      List<String> threads = new CopyOnWriteArrayList<>();
      RowMapper<String> mapper = rs -> {
        threads.add(Thread.currentThread().getName());
        return rs.getString(1) + "|" + rs.getObject(1) + "|" + rs.getDouble(1) + "|" + rs.wasNull();
      };
      Completion<List<String>> jdbc = onLoop(vertx, () -> t.db().query(sql, mapper, 1, 1));
      Completion<List<String>> loop = onLoop(vertx, () -> t.db().query(sql, mapper, 1, 1));

      assertThat(jdbc.result().result()).hasSize(5).contains("0.0000001|1E-7|1.0E-7|false");
      assertThat(loop.result().result()).isEqualTo(jdbc.result().result());
      assertThat(threads.get(5)).matches(LOOP_THREAD);
    }
  }

  @Test
  void queryOne_onTheLoop_givesTheFirstRowOrEmpty(Vertx vertx) {
    String[] table = new String[1];
    try (TestDb t = withTypes(open(vertx, true), table)) {
      String sql = "SELECT i, t FROM " + table[0] + " WHERE i >= ? ORDER BY i";
      List<String> threads = new CopyOnWriteArrayList<>();
      for (int run = 0; run < 2; run++) {
        Completion<Optional<String>> some = onLoop(vertx, () -> t.db().queryOne(sql, rs -> {
          threads.add(Thread.currentThread().getName());
          return rs.getInt(1) + rs.getString(2);
        }, 1));
        Completion<Optional<String>> none = onLoop(vertx, () -> t.db().queryOne(sql,
            rs -> rs.getString(2), 99));
        assertThat(some.result().result()).contains("1text");
        assertThat(none.result().result()).isEmpty();
      }
      assertThat(threads.get(1)).matches(LOOP_THREAD);
    }
  }

  @Test
  void aLongParameter_againstAnIntColumn_isComparedAsABigint_neverCutToAnInt(Vertx vertx) {
    String[] table = new String[1];
    try (TestDb t = withTypes(open(vertx, true), table)) {
      String sql = "SELECT i FROM " + table[0] + " WHERE i = ?";
      List<String> threads = new CopyOnWriteArrayList<>();
      assertThat(onLoop(vertx, () -> t.db().queryOne(sql, rs -> rs.getInt(1), 1L)).result().result())
          .contains(1);
      Completion<Optional<Integer>> wide = onLoop(vertx, () -> t.db().queryOne(sql, rs -> {
        threads.add(Thread.currentThread().getName());
        return rs.getInt(1);
      }, (1L << 32) + 1));

      assertThat(wide.result().succeeded()).as("%s", wide.result().cause()).isTrue();
      assertThat(wide.result().result()).as("2^32 + 1 is not 1").isEmpty();
    }
  }

  @Test
  void columnsTheLoopRowDoesNotRead_keepTheStatementOnJdbc(Vertx vertx) {
    String[] table = new String[1];
    try (TestDb t = withTypes(open(vertx, true), table)) {
      String sql = "SELECT i, ts FROM " + table[0] + " WHERE i = ?";
      // oid: an integer to pgjdbc, a type Vert.x's client reads as null in binary.
      String oid = "SELECT oid FROM pg_class WHERE relname = ?";
      List<String> threads = new CopyOnWriteArrayList<>();
      List<Long> oids = new CopyOnWriteArrayList<>();
      for (int run = 0; run < 3; run++) {
        onLoop(vertx, () -> t.db().queryOne(sql, rs -> {
          threads.add(Thread.currentThread().getName());
          return rs.getTimestamp(2);
        }, 1));
        onLoop(vertx, () -> t.db().queryOne(oid, rs -> {
          threads.add(Thread.currentThread().getName());
          oids.add(rs.getLong(1));
          return rs.getLong(1);
        }, table[0]));
      }
      assertThat(threads).hasSize(6).allSatisfy(n -> assertThat(n).matches(JDBC_THREAD));
      assertThat(oids).hasSize(3).allSatisfy(o -> assertThat(o).isPositive());
    }
  }

  @Test
  void aMapperThatNeedsMoreOfResultSet_keepsItsStatementOnJdbc_fromItsFirstRun(Vertx vertx) {
    String[] table = new String[1];
    try (TestDb t = withTypes(open(vertx, true), table)) {
      String sql = "SELECT i, t FROM " + table[0] + " WHERE i = ?";
      List<String> threads = new CopyOnWriteArrayList<>();
      for (int run = 0; run < 3; run++) {
        Completion<Optional<String>> done = onLoop(vertx, () -> t.db().queryOne(sql, rs -> {
          threads.add(Thread.currentThread().getName());
          return rs.getMetaData().getColumnName(2) + "=" + rs.getString(2);
        }, 1));
        assertThat(done.result().result()).contains("t=text");
      }
      assertThat(threads).hasSize(3).allSatisfy(n -> assertThat(n).matches(JDBC_THREAD));
    }
  }

  @Test
  void aFirstRunWithoutRows_settlesNothing_soTheMapperIsWatchedOnTheFirstRowItMaps(Vertx vertx) {
    String[] table = new String[1];
    try (TestDb t = withTypes(open(vertx, true), table)) {
      String sql = "SELECT i, t FROM " + table[0] + " WHERE i = ?";
      List<String> threads = new CopyOnWriteArrayList<>();
      RowMapper<String> mapper = rs -> {
        threads.add(Thread.currentThread().getName());
        return rs.getMetaData().getColumnCount() + ":" + rs.getString(2);
      };
      assertThat(onLoop(vertx, () -> t.db().queryOne(sql, mapper, 99)).result().result()).isEmpty();
      assertThat(onLoop(vertx, () -> t.db().query(sql, mapper, 99)).result().result()).isEmpty();
      for (int run = 0; run < 2; run++) {
        assertThat(onLoop(vertx, () -> t.db().queryOne(sql, mapper, 1)).result().result())
            .contains("2:text");
      }
      assertThat(threads).hasSize(2).allSatisfy(n -> assertThat(n).matches(JDBC_THREAD));
    }
  }

  @Test
  void columnsWhoseTypeFollowsTheParameters_areReadAgainThroughJdbc_whenTheyChange(Vertx vertx) {
    try (TestDb t = open(vertx, true)) {
      String sql = "SELECT coalesce(?, 0) AS v";
      List<String> threads = new CopyOnWriteArrayList<>();
      RowMapper<Double> mapper = rs -> {
        threads.add(Thread.currentThread().getName());
        return rs.getDouble(1);
      };
      assertThat(onLoop(vertx, () -> t.db().queryOne(sql, mapper, 2L)).result().result()).contains(2.0);
      assertThat(onLoop(vertx, () -> t.db().queryOne(sql, mapper, 3L)).result().result()).contains(3.0);
      Completion<Optional<Double>> wider = onLoop(vertx, () -> t.db().queryOne(sql, mapper, 1.5d));
      assertThat(wider.result().succeeded()).as("%s", wider.result().cause()).isTrue();
      assertThat(wider.result().result()).contains(1.5);
      assertThat(onLoop(vertx, () -> t.db().queryOne(sql, mapper, 4L)).result().result()).contains(4.0);
      assertThat(threads).hasSize(4);
      assertThat(threads.get(1)).matches(LOOP_THREAD);
      assertThat(List.of(threads.get(0), threads.get(2), threads.get(3)))
          .allSatisfy(n -> assertThat(n).matches(JDBC_THREAD));
    }
  }

  @Test
  void callersOffAnEventLoop_andAPoolWithTheOptionOff_useJdbc(Vertx vertx) throws Exception {
    String[] table = new String[1];
    try (TestDb on = withTypes(open(vertx, true), table); TestDb off = open(vertx, false)) {
      String sql = "SELECT i FROM " + table[0] + " WHERE i = ?";
      List<String> threads = new CopyOnWriteArrayList<>();
      RowMapperCapture capture = new RowMapperCapture(threads);
      onLoop(vertx, () -> on.db().queryOne(sql, capture, 1));
      TestSupport.await(on.db().queryOne(sql, capture, 1)); // no Vert.x context
      onLoop(vertx, () -> off.db().queryOne(sql, capture, 1));
      onLoop(vertx, () -> off.db().queryOne(sql, capture, 1));
      assertThat(threads).hasSize(4).allSatisfy(n -> assertThat(n).matches(JDBC_THREAD));
    }
  }

  @Test
  void aFailureOnTheLoop_isTheSqlExceptionJdbcWouldGive_withItsSqlState(Vertx vertx) {
    try (TestDb t = open(vertx, true)) {
      String sql = "SELECT 10 / ?";
      assertThat(onLoop(vertx, () -> t.db().queryOne(sql, rs -> rs.getInt(1), 2)).result().result())
          .contains(5);
      Completion<Optional<Integer>> byZero = onLoop(vertx, () -> t.db().queryOne(sql,
          rs -> rs.getInt(1), 0));
      assertThat(byZero.result().failed()).isTrue();
      assertThat(byZero.result().cause()).isInstanceOf(SQLException.class);
      assertThat(((SQLException) byZero.result().cause()).getSQLState()).isEqualTo("22012");
    }
  }

  @Test
  void theStatementTimeout_holdsOnTheLoop(Vertx vertx) {
    try (TestDb t = open(vertx, true)) {
      String sql = "SELECT count(*) FROM pg_sleep(?)";
      assertThat(onLoop(vertx, () -> t.db().queryOne(sql, rs -> rs.getLong(1), 0.0d)).result()
          .result()).contains(1L);
      Completion<Optional<Long>> slow = onLoop(vertx, () -> t.db().queryOne(sql,
          rs -> rs.getLong(1), 30.0d));
      assertThat(slow.result().failed()).isTrue();
      assertThat(((SQLException) slow.result().cause()).getSQLState()).isEqualTo("57014");
    }
  }

  @Test
  void conversionsPgjdbcRefuses_areRefusedOnTheLoopWithTheSameSqlState(Vertx vertx) {
    String[] table = new String[1];
    try (TestDb t = withTypes(open(vertx, true), table)) {
      String sql = "SELECT b, t, v FROM " + table[0] + " WHERE i = ?";
      List<RowMapper<Object>> refused = List.of(rs -> rs.getInt(1), rs -> rs.getInt(2),
          rs -> rs.getBoolean(2), rs -> rs.getDouble(2), rs -> rs.getShort(1));
      List<String> jdbcStates = new CopyOnWriteArrayList<>();
      List<String> threads = new CopyOnWriteArrayList<>();
      RowMapper<Object> learn = rs -> {
        threads.add(Thread.currentThread().getName());
        return rs.getString(2);
      };
      assertThat(onLoop(vertx, () -> t.db().queryOne(sql, learn, 1)).result().result()).contains("text");
      try (TestDb off = open(vertx, false)) {
        for (RowMapper<Object> m : refused) {
          Completion<Optional<Object>> jdbc = onLoop(vertx, () -> off.db().queryOne(sql, m, 1));
          jdbcStates.add(((SQLException) jdbc.result().cause()).getSQLState());
        }
      }
      for (int i = 0; i < refused.size(); i++) {
        RowMapper<Object> m = refused.get(i);
        Completion<Optional<Object>> loop = onLoop(vertx, () -> t.db().queryOne(sql, m, 1));
        assertThat(loop.result().cause()).as("mapper %s", i).isInstanceOf(SQLException.class);
        assertThat(((SQLException) loop.result().cause()).getSQLState()).as("mapper %s", i)
            .isEqualTo(jdbcStates.get(i));
      }
      assertThat(onLoop(vertx, () -> t.db().queryOne(sql, learn, 1)).result().result()).contains("text");
      assertThat(threads.get(1)).as("the refusals ran on the loop").matches(LOOP_THREAD);
    }
  }

  @Test
  void aCrashedServer_failsLoopReadsAsUnavailable_andTheyComeBackToTheLoopAfterItsRestart(
      Vertx vertx) throws Exception {
    try (PrivatePostgres pg = PrivatePostgres.start()) {
      Db db = Db.create(vertx, DbOptions.builder(pg.jdbcUrl()).poolName("loop")
          .maximumPoolSize(2).connectionTimeout(Duration.ofSeconds(2))
          .downProbeInterval(Duration.ofMillis(100)).build());
      try {
        String sql = "SELECT count(*) FROM generate_series(1, ?)";
        List<String> threads = new CopyOnWriteArrayList<>();
        RowMapper<Long> mapper = rs -> {
          threads.add(Thread.currentThread().getName());
          return rs.getLong(1);
        };
        for (int run = 0; run < 2; run++) {
          assertThat(onLoop(vertx, () -> db.queryOne(sql, mapper, 3)).result().result()).contains(3L);
        }
        assertThat(threads.get(1)).matches(LOOP_THREAD);

        pg.crash();
        for (int run = 0; run < 3; run++) {
          Completion<Optional<Long>> down = onLoop(vertx, () -> db.queryOne(sql, mapper, 3));
          assertThat(down.result().cause()).as("run %s", run).isInstanceOf(DbUnavailableException.class);
        }

        pg.restart();
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
            .until(() -> onLoop(vertx, () -> db.queryOne(sql, mapper, 3)).result().succeeded());
        threads.clear();
        assertThat(onLoop(vertx, () -> db.queryOne(sql, mapper, 4)).result().result()).contains(4L);
        assertThat(threads).singleElement().satisfies(n -> assertThat(n).matches(LOOP_THREAD));
      } finally {
        TestSupport.await(db.close());
      }
    }
  }

  @Test
  void readsInFlightOnTheLoop_areAGaugeOfThePool_removedOnClose(Vertx vertx) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TestDb t = TestDb.open(vertx, Backend.POSTGRES, b -> b.poolName("loopgauge").meterRegistry(registry));
    try {
      String sql = "SELECT count(*) FROM pg_sleep(?)";
      Gauge gauge = registry.get("bulwark.db.loop.reads").tag("pool", "loopgauge").gauge();
      assertThat(onLoop(vertx, () -> t.db().queryOne(sql, rs -> rs.getLong(1), 0.0d)).result()
          .result()).contains(1L);
      assertThat(gauge.value()).isZero();

      Context context = vertx.getOrCreateContext();
      CompletableFuture<Optional<Long>> slow = new CompletableFuture<>();
      context.runOnContext(v -> t.db().queryOne(sql, rs -> rs.getLong(1), 2.0d)
          .onComplete(ar -> slow.complete(ar.succeeded() ? ar.result() : Optional.empty())));

      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
          .until(() -> gauge.value() == 1.0 || slow.isDone());
      assertThat(slow).as("still running when the gauge was read").isNotDone();
      DbStats during = t.db().stats();
      assertThat(slow).as("still running when the stats were read").isNotDone();
      assertThat(during.loopReads()).as("DbStats.loopReads").isEqualTo(1);
      assertThat(during.active()).as("no JDBC connection holds the loop read").isZero();
      assertThat(slow.join()).contains(1L);
      assertThat(gauge.value()).isZero();
      assertThat(t.db().stats().loopReads()).isZero();
    } finally {
      t.close();
    }
    assertThat(registry.find("bulwark.db.loop.reads").gauge()).as("removed on close").isNull();
  }

  /** Records the thread each row was mapped on. */
  private record RowMapperCapture(List<String> threads) implements RowMapper<Integer> {
    @Override
    public Integer map(ResultSet rs) throws SQLException {
      threads.add(Thread.currentThread().getName());
      return rs.getInt(1);
    }
  }
}
