package dev.bulwark.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
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

/** {@link Db#stream}: complete and ordered, with backpressure, cancellable, failing cleanly. */
@ExtendWith(VertxExtension.class)
class RowStreamTest {

  /** Rows per chunk the reader reads (CursorStream.CHUNK); at most two chunks may wait. */
  private static final int CHUNK = 256;
  private static final int ROWS = 100_000;
  private static final Duration WAIT = Duration.ofSeconds(10);

  /**
   * Watches one stream: counts mapped and received rows, checks their order, counts end and
   * exception calls. The stream is made and driven on {@code context}.
   */
  private static final class Probe {
    final Context context;
    final AtomicInteger mapped = new AtomicInteger();
    final AtomicInteger received = new AtomicInteger();
    final AtomicInteger ends = new AtomicInteger();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    final AtomicReference<String> wrong = new AtomicReference<>();
    volatile Db.RowStream<Long> stream;

    Probe(Context context) {
      this.context = context;
    }

    /** Starts streaming; {@code onRow} runs on the context after each row with (stream, count). */
    Probe start(Db db, String sql, int failAtRow, BiConsumer<Db.RowStream<Long>, Integer> onRow, Object... params) {
      CompletableFuture<Void> started = new CompletableFuture<>();
      context.runOnContext(v -> {
        Db.RowStream<Long> s = db.stream(sql, rs -> {
          int n = mapped.incrementAndGet();
          if (n == failAtRow) {
            throw new SQLException("mapper failed at row " + n);
          }
          long id = rs.getLong(1);
          String name = rs.getString(2);
          if (!name.equals("Product " + id)) {
            wrong.compareAndSet(null, "row " + id + " had name " + name);
          }
          return id;
        }, params);
        stream = s;
        s.endHandler(x -> ends.incrementAndGet());
        s.exceptionHandler(e -> error.compareAndSet(null, e));
        s.handler(id -> {
          int n = received.incrementAndGet();
          if (id != n) {
            wrong.compareAndSet(null, "item " + n + " was row " + id);
          }
          if (Vertx.currentContext() != context) {
            wrong.compareAndSet(null, "item " + n + " delivered off the stream's context");
          }
          onRow.accept(s, n);
        });
        started.complete(null);
      });
      started.orTimeout(10, TimeUnit.SECONDS).join();
      return this;
    }

    void onContext(java.util.function.Consumer<Db.RowStream<Long>> action) {
      context.runOnContext(v -> action.accept(stream));
    }

    /** Waits until everything already queued on the context has run. */
    void settle() {
      for (int i = 0; i < 2; i++) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(v -> done.complete(null));
        done.orTimeout(10, TimeUnit.SECONDS).join();
      }
    }
  }

  private static Probe probe(Vertx vertx) {
    return new Probe(vertx.getOrCreateContext());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void stream_deliversAllRowsInOrder_thenEndsOnce(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      Probe p = probe(vertx).start(t.db(), backend.seriesSql(), -1, (s, n) -> { }, ROWS);

      await().atMost(WAIT).until(() -> p.ends.get() > 0 || p.error.get() != null);
      p.settle();

      assertThat(p.error.get()).isNull();
      assertThat(p.wrong.get()).isNull();
      assertThat(p.received).hasValue(ROWS);
      assertThat(p.ends).hasValue(1);
      t.awaitNoActiveConnection();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void stream_ofNoRows_endsWithoutItems(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      Probe p = probe(vertx).start(t.db(), backend.seriesSql(), -1, (s, n) -> { }, 0);

      await().atMost(WAIT).until(() -> p.ends.get() > 0 || p.error.get() != null);
      p.settle();

      assertThat(p.error.get()).isNull();
      assertThat(p.received).hasValue(0);
      assertThat(p.ends).hasValue(1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void pause_stopsDelivery_andTheReaderStaysWithinTwoChunks_untilResume(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      Probe p = probe(vertx).start(t.db(), backend.seriesSql(), -1, (s, n) -> {
        if (n == 1) {
          s.pause();
        }
      }, ROWS);

      await().atMost(WAIT).until(() -> p.received.get() >= 1);
      await("delivery stays paused").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3))
          .until(() -> p.received.get() == 1);

      assertThat(p.mapped.get()).as("rows read ahead of the paused consumer")
          .isBetween(1, p.received.get() + 3 * CHUNK);
      assertThat(p.ends).hasValue(0);
      assertThat(t.db().stats().active()).as("the paused stream holds its cursor").isEqualTo(1);

      p.onContext(Db.RowStream::resume);
      await().atMost(WAIT).until(() -> p.ends.get() > 0 || p.error.get() != null);
      assertThat(p.error.get()).isNull();
      assertThat(p.wrong.get()).isNull();
      assertThat(p.received).hasValue(ROWS);
      assertThat(p.mapped).hasValue(ROWS);
      t.awaitNoActiveConnection();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void fetch_deliversExactlyThatManyMoreRows(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      int rows = 5_000;
      Probe p = probe(vertx).start(t.db(), backend.seriesSql(), -1, (s, n) -> {
        if (n == 1) {
          s.pause();
        }
      }, rows);
      await().atMost(WAIT).until(() -> p.received.get() == 1);

      p.onContext(s -> s.fetch(10));
      await().atMost(WAIT).until(() -> p.received.get() >= 11);
      await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(3)).until(() -> p.received.get() == 11);

      p.onContext(s -> s.fetch(600));
      await().atMost(WAIT).until(() -> p.received.get() >= 611);
      p.settle();
      assertThat(p.received).as("across chunk boundaries too").hasValue(611);

      p.onContext(Db.RowStream::resume);
      await().atMost(WAIT).until(() -> p.ends.get() > 0 || p.error.get() != null);
      assertThat(p.received).hasValue(rows);
      assertThat(p.wrong.get()).isNull();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void cancel_whileFlowing_stopsItemsAtOnce_andReturnsTheConnection(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      Probe p = probe(vertx).start(t.db(), backend.seriesSql(), -1, (s, n) -> {
        if (n == 500) {
          s.cancel();
        }
      }, ROWS);

      await().atMost(WAIT).until(() -> p.received.get() >= 500);
      t.awaitNoActiveConnection();
      p.settle();

      assertThat(p.received).hasValue(500);
      assertThat(p.ends).as("a cancelled stream does not end").hasValue(0);
      assertThat(p.error.get()).isNull();
      assertThat(TestSupport.await(t.db().queryOne("SELECT 1", rs -> rs.getInt(1)))).contains(1);
    }
  }

  /**
   * Cancelling a paused stream closes its cursor on the server: on PostgreSQL the backend that
   * held it leaves its transaction (the suspended portal is 'idle in transaction' until then).
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void cancel_whilePaused_closesTheCursorOnTheServer(Backend backend, Vertx vertx) throws SQLException {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      String marker = "stream_cancel_" + TestSupport.uniqueSuffix();
      Probe p = probe(vertx).start(t.db(), "/* " + marker + " */ " + backend.seriesSql(), -1, (s, n) -> {
        if (n == 500) {
          s.pause();
        }
      }, ROWS);
      await().atMost(WAIT).until(() -> p.received.get() == 500);
      if (backend.isPostgres()) {
        assertThat(Servers.backendsRunning(marker)).as("the paused stream's backend, before cancel").isEqualTo(1);
      }

      p.onContext(Db.RowStream::cancel);

      t.awaitNoActiveConnection();
      if (backend.isPostgres()) {
        await("cursor closed on the server").atMost(Duration.ofSeconds(3)).until(() -> Servers.backendsRunning(marker) == 0);
      }
      p.onContext(Db.RowStream::resume);
      p.settle();
      assertThat(p.received).as("no item after cancel, even when resumed").hasValue(500);
      assertThat(p.ends).hasValue(0);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void sqlError_reachesTheExceptionHandler_andReturnsTheConnection(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      Probe p = probe(vertx).start(t.db(), "SELECT id, name FROM no_such_table_" + TestSupport.uniqueSuffix(),
          -1, (s, n) -> { });

      await().atMost(WAIT).until(() -> p.error.get() != null);
      t.awaitNoActiveConnection();
      p.settle();

      assertThat(p.error.get()).isInstanceOf(SQLException.class);
      assertThat(p.received).hasValue(0);
      assertThat(p.ends).hasValue(0);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Backend.class)
  void mapperFailureMidStream_reachesTheExceptionHandler_andStopsTheStream(Backend backend, Vertx vertx) {
    try (TestDb t = TestDb.open(vertx, backend, b -> b.maximumPoolSize(2))) {
      Probe p = probe(vertx).start(t.db(), backend.seriesSql(), 300, (s, n) -> { }, ROWS);

      await().atMost(WAIT).until(() -> p.error.get() != null);
      t.awaitNoActiveConnection();
      p.settle();

      assertThat(p.error.get()).isInstanceOf(SQLException.class).hasMessageContaining("row 300");
      assertThat(p.received.get()).isLessThan(300);
      assertThat(p.ends).hasValue(0);
      assertThat(p.wrong.get()).isNull();
    }
  }
}
