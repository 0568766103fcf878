package dev.bulwark.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Db#copyOut}: the exact bytes of both formats, the same on PostgreSQL (COPY) and H2 (the
 * cursor path), bound parameters, backpressure, cancel freeing the server's query and the
 * connection, and failures.
 */
@ExtendWith(VertxExtension.class)
class CopyOutTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  /** Rows whose names need every kind of CSV quoting and JSON escaping (with a NULL and an empty one). */
  private static final Object[][] TRICKY = {
      {1, "plain", 7, true},
      {2, "a, b", 14, false},
      {3, "say \"hi\"", 21, null},
      {4, "two\nlines", 28, true},
      {5, "", 35, false},
      {6, null, 42, true},
      {7, "ünïcödé ✓ \\ back", 49, true},
      {8, "tab\there\rcr \u0001", 56, false},
  };

  private static final String TRICKY_CSV = "id,name,priceCents,flag\n"
      + "1,plain,7,t\n"
      + "2,\"a, b\",14,f\n"
      + "3,\"say \"\"hi\"\"\",21,\n"
      + "4,\"two\nlines\",28,t\n"
      + "5,\"\",35,f\n"
      + "6,,42,t\n"
      + "7,ünïcödé ✓ \\ back,49,t\n"
      + "8,\"tab\there\rcr \u0001\",56,f\n";

  private static final String TRICKY_NDJSON = ""
      + "{\"id\":1,\"name\":\"plain\",\"priceCents\":7,\"flag\":true}\n"
      + "{\"id\":2,\"name\":\"a, b\",\"priceCents\":14,\"flag\":false}\n"
      + "{\"id\":3,\"name\":\"say \\\"hi\\\"\",\"priceCents\":21,\"flag\":null}\n"
      + "{\"id\":4,\"name\":\"two\\nlines\",\"priceCents\":28,\"flag\":true}\n"
      + "{\"id\":5,\"name\":\"\",\"priceCents\":35,\"flag\":false}\n"
      + "{\"id\":6,\"name\":null,\"priceCents\":42,\"flag\":true}\n"
      + "{\"id\":7,\"name\":\"ünïcödé ✓ \\\\ back\",\"priceCents\":49,\"flag\":true}\n"
      + "{\"id\":8,\"name\":\"tab\\there\\rcr \\u0001\",\"priceCents\":56,\"flag\":false}\n";

  /** Reads one stream on a context: its bytes, buffers, end and failure. */
  private static final class Reader {
    final Context context;
    final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    final AtomicInteger buffers = new AtomicInteger();
    final AtomicInteger ends = new AtomicInteger();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    volatile Db.RowStream<Buffer> stream;

    Reader(Vertx vertx) {
      this.context = vertx.getOrCreateContext();
    }

    Reader start(Db db, String sql, CopyFormat format, BiConsumer<Db.RowStream<Buffer>, Integer> onBuffer,
        Object... params) {
      CompletableFuture<Void> started = new CompletableFuture<>();
      context.runOnContext(v -> {
        Db.RowStream<Buffer> s = db.copyOut(sql, format, params);
        stream = s;
        s.endHandler(x -> ends.incrementAndGet());
        s.exceptionHandler(e -> error.compareAndSet(null, e));
        s.handler(b -> {
          synchronized (bytes) {
            bytes.writeBytes(b.getBytes());
          }
          onBuffer.accept(s, buffers.incrementAndGet());
        });
        started.complete(null);
      });
      started.orTimeout(10, TimeUnit.SECONDS).join();
      return this;
    }

    Reader readAll(Db db, String sql, CopyFormat format, Object... params) {
      start(db, sql, format, (s, n) -> { }, params);
      await().atMost(WAIT).until(() -> ends.get() > 0 || error.get() != null);
      return this;
    }

    String text() {
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }
  }

  private static String trickyTable(TestDb t) {
    String table = t.table("copy_out", "id BIGINT PRIMARY KEY, name VARCHAR(100), price INT, flag BOOLEAN");
    try (Connection c = t.connect();
        PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, ?)")) {
      for (Object[] row : TRICKY) {
        for (int i = 0; i < row.length; i++) {
          ps.setObject(i + 1, row[i]);
        }
        ps.addBatch();
      }
      ps.executeBatch();
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
    return table;
  }

  private static String trickySql(String table) {
    return "SELECT id AS \"id\", name AS \"name\", price AS \"priceCents\", flag AS \"flag\" FROM "
        + table + " ORDER BY id";
  }

  /** Rows {@code {"id":i,"name":"Product i"}} for i = 1..?, in order, labelled the same on both. */
  private static String series(Backend backend) {
    return backend.isPostgres()
        ? "SELECT g AS id, 'Product ' || g AS name FROM (SELECT generate_series(1::bigint, ?) AS g) s"
        : "SELECT X AS \"id\", CONCAT('Product ', X) AS \"name\" FROM SYSTEM_RANGE(1, ?)";
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void csv_isCopysCsv_quotingWhatNeedsIt(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      Reader r = new Reader(vertx).readAll(t.db(), trickySql(trickyTable(t)), CopyFormat.CSV);

      assertThat(r.error.get()).isNull();
      assertThat(r.text()).isEqualTo(TRICKY_CSV);
      assertThat(r.ends).hasValue(1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void ndjson_isOneObjectPerRow_withJsonTypesAndEscapes(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      Reader r = new Reader(vertx).readAll(t.db(), trickySql(trickyTable(t)), CopyFormat.NDJSON);

      assertThat(r.error.get()).isNull();
      assertThat(r.text()).isEqualTo(TRICKY_NDJSON);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void parameters_areBound_notSpliced(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      String table = trickyTable(t);
      String hostile = "x'); DROP TABLE " + table + "; --";
      Reader r = new Reader(vertx).readAll(t.db(), "SELECT id AS \"id\", name AS \"name\" FROM " + table
          + " WHERE name = ? OR name = ? OR id = ? ORDER BY id", CopyFormat.NDJSON, "say \"hi\"", hostile, 7L);

      assertThat(r.error.get()).isNull();
      assertThat(r.text()).isEqualTo("{\"id\":3,\"name\":\"say \\\"hi\\\"\"}\n"
          + "{\"id\":7,\"name\":\"ünïcödé ✓ \\\\ back\"}\n");
      assertThat(t.count(table)).isEqualTo(TRICKY.length);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void manyRows_arriveComplete_inBuffersOfWholeRows(Backend backend, Vertx vertx) {
    int rows = 100_000;
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      Reader r = new Reader(vertx).start(t.db(), series(backend), CopyFormat.NDJSON, (s, n) -> { }, rows);
      AtomicReference<String> torn = new AtomicReference<>();
      Reader csv = new Reader(vertx).start(t.db(), series(backend), CopyFormat.CSV, (s, n) -> { }, rows);
      await().atMost(WAIT).until(() -> (r.ends.get() > 0 || r.error.get() != null)
          && (csv.ends.get() > 0 || csv.error.get() != null));

      assertThat(r.error.get()).isNull();
      assertThat(csv.error.get()).isNull();
      String[] lines = r.text().split("\n", -1);
      assertThat(lines).hasSize(rows + 1);
      for (int i = 1; i <= rows; i++) {
        String expected = "{\"id\":" + i + ",\"name\":\"Product " + i + "\"}";
        if (!lines[i - 1].equals(expected)) {
          torn.compareAndSet(null, "line " + i + " is '" + lines[i - 1] + "'");
        }
      }
      assertThat(torn.get()).isNull();
      assertThat(csv.text()).startsWith("id,name\n1,Product 1\n").endsWith("\n" + rows + ",Product " + rows + "\n");
      assertThat(r.buffers.get()).as("buffers of about 64 KiB").isBetween(20, 200);
      t.awaitNoActiveConnection();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void pause_stopsDelivery_andTheServerStopsSending_untilResume(Backend backend, Vertx vertx) throws SQLException {
    int rows = 2_000_000;
    try (TestDb t = TestDb.open(vertx, backend, b -> lazy(backend, b).maximumPoolSize(2))) {
      String marker = "copy_pause_" + TestSupport.uniqueSuffix();
      Reader r = new Reader(vertx).start(t.db(), series(backend) + " /* " + marker + " */", CopyFormat.CSV,
          (s, n) -> {
            if (n == 1) {
              s.pause();
            }
          }, rows);

      await().atMost(WAIT).until(() -> r.buffers.get() >= 1);
      await("delivery stays paused").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3))
          .until(() -> r.buffers.get() == 1);
      assertThat(t.db().stats().active()).as("the paused stream holds its connection").isEqualTo(1);
      if (backend.isPostgres()) {
        await("the backend blocks writing to its full socket").atMost(WAIT)
            .until(() -> Servers.activity(marker).equals(java.util.List.of("active:ClientWrite")));
      }

      r.context.runOnContext(v -> r.stream.resume());
      await().atMost(Duration.ofSeconds(60)).until(() -> r.ends.get() > 0 || r.error.get() != null);
      assertThat(r.error.get()).isNull();
      String text = r.text();
      assertThat(text).startsWith("id,name\n1,Product 1\n").endsWith("\n" + rows + ",Product " + rows + "\n");
      assertThat(text.chars().filter(ch -> ch == '\n').count()).isEqualTo(rows + 1);
      t.awaitNoActiveConnection();
    }
  }

  /**
   * A client leaving mid-COPY: the query ends on the server (pg_stat_activity), the connection
   * goes back to the pool and serves the next caller.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void cancel_midCopy_endsTheQueryOnTheServer_andFreesTheConnection(Backend backend, Vertx vertx)
      throws SQLException {
    try (TestDb t = TestDb.open(vertx, backend, b -> lazy(backend, b).maximumPoolSize(1))) {
      for (boolean whilePaused : new boolean[] {true, false}) {
        String marker = "copy_cancel_" + TestSupport.uniqueSuffix();
        int cancelAt = whilePaused ? 3 : 6;
        Reader r = new Reader(vertx).start(t.db(), series(backend) + " /* " + marker + " */", CopyFormat.NDJSON,
            (s, n) -> {
              if (n == 3) {
                s.pause();
              }
              if (n == 6) {
                s.cancel();
              }
            }, 100_000_000L);
        await().atMost(WAIT).until(() -> r.buffers.get() >= 3);
        if (backend.isPostgres()) {
          assertThat(Servers.backendsRunning(marker)).as("the COPY runs on the server").isEqualTo(1);
        }
        r.context.runOnContext(v -> {
          if (whilePaused) {
            r.stream.cancel();
          } else {
            r.stream.resume();
          }
        });

        await().atMost(WAIT).until(() -> r.buffers.get() >= cancelAt);
        t.awaitNoActiveConnection();
        if (backend.isPostgres()) {
          await("query ended on the server").atMost(WAIT).until(() -> Servers.backendsRunning(marker) == 0);
        }
        assertThat(TestSupport.await(t.db().queryOne("SELECT 1", rs -> rs.getInt(1))))
            .as("the pool's one connection serves the next caller").contains(1);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> r.buffers.get() == cancelAt);
        assertThat(r.ends).hasValue(0);
      }
    }
  }

  /** H2 computes a whole result before its first row unless told to be lazy. */
  private static DbOptions.Builder lazy(Backend backend, DbOptions.Builder b) {
    return backend.isPostgres() ? b : b.dataSourceProperty("LAZY_QUERY_EXECUTION", "TRUE");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void sqlError_reachesTheExceptionHandler_andReturnsTheConnection(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(1))) {
      Reader r = new Reader(vertx).readAll(t.db(), "SELECT id FROM no_such_table_" + TestSupport.uniqueSuffix(),
          CopyFormat.CSV);

      assertThat(r.error.get()).isInstanceOf(SQLException.class);
      assertThat(r.buffers).hasValue(0);
      assertThat(r.ends).hasValue(0);
      t.awaitNoActiveConnection();
      assertThat(TestSupport.await(t.db().queryOne("SELECT 1", rs -> rs.getInt(1)))).contains(1);
    }
  }

  /** The statement timeout ends a COPY on the server, as it ends any statement. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Backend.class, names = "POSTGRES")
  void statementTimeout_endsTheCopy(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(1).statementTimeout(Duration.ofSeconds(1)))) {
      Reader r = new Reader(vertx).readAll(t.db(), "SELECT pg_sleep(5) AS slept", CopyFormat.CSV);

      assertThat(r.error.get()).isInstanceOf(SQLException.class).hasMessageContaining("statement timeout");
      t.awaitNoActiveConnection();
      assertThat(TestSupport.await(t.db().queryOne("SELECT 1", rs -> rs.getInt(1)))).contains(1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void nullQueryOrFormat_isRefusedAtOnce(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> t.db().copyOut(null, CopyFormat.CSV))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("query");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> t.db().copyOut("SELECT 1", null))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format");
    }
  }
}
